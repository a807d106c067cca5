const numberFormat = new Intl.NumberFormat('en-US');

/** 850 → "850 ms", 1240 → "1.24 s", 65000 → "65.00 s"; absent → "—". */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(2)} s`;
}

/**
 * Dollars with sensible precision: under a cent, 4 significant digits ("$0.0012", "$0.0001235");
 * otherwise 2 decimals ("$0.01", "$1,234.50"). Absent cost → "price unknown", never a guess.
 */
export function formatCost(usd: number | null | undefined): string {
  if (usd === null || usd === undefined || !Number.isFinite(usd)) return 'price unknown';
  if (usd === 0) return '$0.00';
  if (Math.abs(usd) < 0.01) {
    // Decimals for 4 significant digits; toFixed (unlike toPrecision) never uses exponent notation.
    const decimals = Math.min(20, 3 - Math.floor(Math.log10(Math.abs(usd))));
    return `$${usd.toFixed(decimals).replace(/\.?0+$/, '')}`;
  }
  return `$${usd.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
}

/** 12345 → "12,345". */
export function formatTokens(count: number | null | undefined): string {
  if (count === null || count === undefined || !Number.isFinite(count)) return '—';
  return numberFormat.format(Math.round(count));
}

/** 42.345 → "42.3 tok/s". */
export function formatTokensPerSecond(rate: number | null | undefined): string {
  if (rate === null || rate === undefined || !Number.isFinite(rate)) return '—';
  return `${rate.toFixed(1)} tok/s`;
}
