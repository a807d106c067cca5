import { describe, expect, it } from 'vitest';
import { formatContextWindow, formatPricing } from './model-format.ts';

describe('model formatting', () => {
  it('shows context windows as K or M tokens', () => {
    expect(formatContextWindow(128_000)).toBe('128K ctx');
    expect(formatContextWindow(200_000)).toBe('200K ctx');
    expect(formatContextWindow(1_048_576)).toBe('1M ctx');
    expect(formatContextWindow(1_500_000)).toBe('1.5M ctx');
    expect(formatContextWindow(512)).toBe('512 ctx');
    expect(formatContextWindow(undefined)).toBeNull();
  });

  it('shows input / output prices per 1M tokens, or says the price is unknown', () => {
    expect(formatPricing({ inputPerMTok: 2.5, outputPerMTok: 10 })).toBe('$2.50 / $10.00 per 1M');
    expect(formatPricing({ inputPerMTok: 0.15, outputPerMTok: 0.6 })).toBe('$0.15 / $0.60 per 1M');
    expect(formatPricing({ inputPerMTok: 0.075, outputPerMTok: 0.3 })).toBe('$0.075 / $0.30 per 1M');
    expect(formatPricing({ inputPerMTok: 0, outputPerMTok: 0 })).toBe('free');
    expect(formatPricing(undefined)).toBe('price unknown');
  });
});
