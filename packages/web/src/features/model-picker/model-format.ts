import type { Pricing } from '@cachibot/protocol';

function trimZeros(text: string): string {
  return text.includes('.') ? text.replace(/\.?0+$/, '') : text;
}

/** 128000 → "128K ctx", 1048576 → "1M ctx", 2000000 → "2M ctx"; nothing when unknown. */
export function formatContextWindow(tokens: number | undefined): string | null {
  if (tokens === undefined || !Number.isFinite(tokens) || tokens <= 0) return null;
  if (tokens >= 1_000_000) return `${trimZeros((tokens / 1_000_000).toFixed(1))}M ctx`;
  if (tokens >= 1_000) return `${Math.round(tokens / 1_000)}K ctx`;
  return `${tokens} ctx`;
}

/** Dollars per million tokens: "2.50", "0.60", "0.075" (cents, or 3 significant digits below them). */
export function formatPerMTok(usd: number): string {
  if (usd === 0) return '0';
  if (usd >= 1 || Number(usd.toFixed(2)) === usd) return usd.toFixed(2);
  return trimZeros(usd.toPrecision(3));
}

/** "$2.50 / $10.00 per 1M" (input / output), "free", or "price unknown" — never a guessed price. */
export function formatPricing(pricing: Pricing | undefined): string {
  if (!pricing) return 'price unknown';
  if (pricing.inputPerMTok === 0 && pricing.outputPerMTok === 0) return 'free';
  return `$${formatPerMTok(pricing.inputPerMTok)} / $${formatPerMTok(pricing.outputPerMTok)} per 1M`;
}
