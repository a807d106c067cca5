import { describe, expect, it } from 'vitest';
import { backoffCeiling, backoffDelay } from './backoff.ts';

describe('backoff', () => {
  it('doubles the ceiling from 0.5 s and caps it at 30 s', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 7, 8].map((n) => backoffCeiling(n))).toEqual([
      500, 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000,
    ]);
    expect(backoffCeiling(10_000)).toBe(30_000);
  });

  it('draws the delay uniformly between 0 and the ceiling (full jitter)', () => {
    expect(backoffDelay(3, () => 0)).toBe(0);
    expect(backoffDelay(3, () => 0.5)).toBe(2000);
    expect(backoffDelay(3, () => 0.999999)).toBe(3999);
    expect(backoffDelay(50, () => 0.999999)).toBeLessThan(30_000);
  });

  it('spreads a crowd of reconnecting clients over the window instead of one burst', () => {
    const delays = Array.from({ length: 500 }, () => backoffDelay(3));
    const buckets = new Map<number, number>();
    for (const delay of delays)
      buckets.set(Math.floor(delay / 1000), (buckets.get(Math.floor(delay / 1000)) ?? 0) + 1);
    expect(Math.max(...buckets.values())).toBeLessThan(500 * 0.4);
    expect(Math.max(...delays)).toBeLessThan(4000);
  });
});
