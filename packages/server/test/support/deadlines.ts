import os from 'node:os';

// Deadlines that scale with the machine. A deadline costs time only when a test is failing anyway, so
// they are generous; on a busy machine (CI, or both cores taken by other work) they stretch further, so
// that a slow machine is never mistaken for a broken server. Tests wait on events and conditions, never
// on fixed sleeps; `scaled` sizes how long they may wait, `waitUntil` waits on a condition that is not an
// event.

const ENV = 'CACHIBOT_TEST_TIME_SCALE';

/**
 * `CACHIBOT_TEST_TIME_SCALE` if set; else 1 + the 1-minute load per core when the run starts (2 with
 * both cores of a 2-core machine busy), at least 2 in CI, at most 4: the deadlines themselves already
 * leave several times the idle duration, and a hanging test costs its whole timeout. The first
 * evaluation writes it into the environment, so that every config and every test worker of one run
 * uses the same figure (the vitest configs also pass it on to workers).
 */
function readTimeScale(): number {
  const given = Number(process.env[ENV]);
  if (Number.isFinite(given) && given > 0) return given;
  const busyPerCore = (os.loadavg()[0] ?? 0) / Math.max(1, os.availableParallelism());
  const ci = /^(1|true)$/i.test(process.env.CI ?? '') ? 2 : 1;
  const scale = Math.min(4, Math.max(ci, Math.round((1 + busyPerCore) * 2) / 2));
  process.env[ENV] = String(scale);
  return scale;
}

export const TIME_SCALE = readTimeScale();

/** `ms` on an idle machine, stretched by TIME_SCALE. */
export function scaled(ms: number): number {
  return Math.round(ms * TIME_SCALE);
}

/**
 * Resolves once `check` holds (it may be async), polling every `intervalMs`; rejects with `what` after
 * `timeoutMs` (scaled by the caller). For conditions no event announces: a row on disk, a log line.
 */
export async function waitUntil(
  check: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = scaled(10_000),
  intervalMs = 20,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
