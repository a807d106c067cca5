import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { SqlCounts } from './sqlite-counter.ts';

export type { SqlCounts } from './sqlite-counter.ts';

/** The preload module to pass to ServerProcess.start({ preload }). */
export const SQLITE_COUNTER = path.join(import.meta.dirname, 'sqlite-counter.ts');

/** Asks the server child (SIGUSR2) for its current SQL counts and waits for the file to be rewritten. */
export async function readSqlCounts(pid: number, file: string, timeoutMs = 5000): Promise<SqlCounts> {
  const previous = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as SqlCounts).snapshot : 0;
  process.kill(pid, 'SIGUSR2');
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (existsSync(file)) {
      const counts = JSON.parse(readFileSync(file, 'utf8')) as SqlCounts;
      if (counts.snapshot > previous) return counts;
    }
    await sleep(10);
  }
  throw new Error('the server did not write its SQL counts');
}

/** after − before, per key. */
export function diffCounts(
  before: Record<string, number>,
  after: Record<string, number>,
): Record<string, number> {
  const diff: Record<string, number> = {};
  for (const [key, value] of Object.entries(after)) {
    const delta = value - (before[key] ?? 0);
    if (delta !== 0) diff[key] = delta;
  }
  return diff;
}
