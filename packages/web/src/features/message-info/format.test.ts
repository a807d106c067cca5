import { describe, expect, it } from 'vitest';
import { formatCost, formatDuration, formatTokens, formatTokensPerSecond } from './format.ts';

describe('message info formatting', () => {
  it('shows durations under a second in ms, else in seconds with 2 decimals', () => {
    expect(formatDuration(850)).toBe('850 ms');
    expect(formatDuration(0)).toBe('0 ms');
    expect(formatDuration(999.4)).toBe('999 ms');
    expect(formatDuration(1000)).toBe('1.00 s');
    expect(formatDuration(1240)).toBe('1.24 s');
    expect(formatDuration(65_000)).toBe('65.00 s');
    expect(formatDuration(undefined)).toBe('—');
  });

  it('shows costs under a cent with 4 significant digits, others with 2 decimals', () => {
    expect(formatCost(0.0012)).toBe('$0.0012');
    expect(formatCost(0.00123456)).toBe('$0.001235');
    expect(formatCost(0.000000123)).toBe('$0.000000123');
    expect(formatCost(0.009999)).toBe('$0.009999');
    expect(formatCost(0.01)).toBe('$0.01');
    expect(formatCost(0.0456)).toBe('$0.05');
    expect(formatCost(1234.5)).toBe('$1,234.50');
    expect(formatCost(0)).toBe('$0.00');
  });

  it('says "price unknown" when the cost is absent, never a guess', () => {
    expect(formatCost(undefined)).toBe('price unknown');
    expect(formatCost(null)).toBe('price unknown');
  });

  it('groups token counts by thousands', () => {
    expect(formatTokens(12_345)).toBe('12,345');
    expect(formatTokens(1_234_567)).toBe('1,234,567');
    expect(formatTokens(42)).toBe('42');
    expect(formatTokensPerSecond(42.345)).toBe('42.3 tok/s');
  });
});
