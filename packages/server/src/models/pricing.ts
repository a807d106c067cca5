import type { Pricing, Usage } from '@cachibot/protocol';

/**
 * Cost in integer micro-dollars. A price per 1M tokens in dollars is exactly micro-dollars per token,
 * so the arithmetic stays in integers up to the final rounding. Unknown price → undefined, never 0.
 */
export function costMicros(usage: Usage, pricing: Pricing | undefined): number | undefined {
  if (!pricing) return undefined;
  const cached = usage.cachedInputTokens ?? 0;
  const cachedPrice = pricing.cachedInputPerMTok ?? pricing.inputPerMTok;
  const uncached = Math.max(0, usage.inputTokens - cached);
  return Math.round(
    uncached * pricing.inputPerMTok + cached * cachedPrice + usage.outputTokens * pricing.outputPerMTok,
  );
}

export const microsToUsd = (micros: number): number => micros / 1_000_000;
