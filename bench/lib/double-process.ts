import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { DoubleStats } from './double-main.ts';

export type { DoubleStats } from './double-main.ts';

const ENTRY = path.join(import.meta.dirname, 'double-main.ts');

/** The provider double in its own process: the physical limit the server is compared against. */
export class DoubleProcess {
  private nextId = 1;
  private readonly pending = new Map<number, (reply: Record<string, unknown>) => void>();

  private constructor(
    private readonly child: ChildProcess,
    readonly url: string,
    readonly pid: number,
  ) {}

  static start(cwd: string): Promise<DoubleProcess> {
    const child = spawn(process.execPath, ['--import', 'tsx', ENTRY], {
      cwd,
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    return new Promise((resolve, reject) => {
      let double: DoubleProcess | undefined;
      child.once('exit', (code) => {
        if (!double) reject(new Error(`provider double exited early (${code})`));
      });
      lines.on('line', (line) => {
        const message = JSON.parse(line) as Record<string, unknown>;
        if (!double) {
          double = new DoubleProcess(child, message.url as string, message.pid as number);
          resolve(double);
          return;
        }
        const id = message.id as number;
        double.pending.get(id)?.(message);
        double.pending.delete(id);
      });
    });
  }

  private call(command: 'reset' | 'stats'): Promise<Record<string, unknown>> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      this.child.stdin?.write(`${JSON.stringify({ id, command })}\n`);
    });
  }

  async reset(): Promise<void> {
    await this.call('reset');
  }

  /** What the double sent since the last reset, on its own clock. */
  async stats(): Promise<DoubleStats> {
    const { id: _id, ...stats } = await this.call('stats');
    return stats as unknown as DoubleStats;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => {
      if (this.child.exitCode !== null) return resolve();
      this.child.once('exit', () => resolve());
      this.child.stdin?.end();
      setTimeout(() => this.child.kill('SIGKILL'), 3000).unref();
    });
  }
}
