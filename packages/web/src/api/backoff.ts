export interface BackoffPolicy {
  /** Delay ceiling of the first retry; doubles each attempt. */
  baseMs: number;
  /** No delay ever exceeds this. */
  capMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 500, capMs: 30_000 };

/** The largest delay attempt `n` (0-based) may wait: min(cap, base · 2ⁿ). */
export function backoffCeiling(attempt: number, policy: BackoffPolicy = DEFAULT_BACKOFF): number {
  // 2^n overflows to Infinity for big n, which min() handles; negative attempts count as the first.
  return Math.min(policy.capMs, policy.baseMs * 2 ** Math.max(0, attempt));
}

/**
 * "Full jitter": a uniform random delay in [0, ceiling). Spreads a crowd of clients that lost the same
 * server so they do not all come back in the same second.
 */
export function backoffDelay(
  attempt: number,
  random: () => number = Math.random,
  policy: BackoffPolicy = DEFAULT_BACKOFF,
): number {
  return Math.floor(random() * backoffCeiling(attempt, policy));
}
