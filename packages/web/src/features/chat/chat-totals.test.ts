import { describe, expect, it } from 'vitest';
import { describeChatTotals } from './chat-totals.ts';

const totals = (overrides = {}) => ({
  messages: 4,
  inputTokens: 1234,
  outputTokens: 56,
  costUsd: 0.0123,
  unpricedAnswers: 0,
  ...overrides,
});

describe('describeChatTotals', () => {
  it('shows the messages, tokens in and out, and cost the server counted over the whole chat', () => {
    expect(describeChatTotals(totals())).toEqual({
      messages: '4',
      tokens: '1,234 in / 56 out',
      cost: '$0.01',
    });
  });

  it('says how many answers the cost leaves out when some had no known price', () => {
    expect(describeChatTotals(totals({ unpricedAnswers: 2 }))).toMatchObject({
      cost: '$0.01 + 2 unpriced',
      costNote: '2 answers without a known price',
    });
  });

  it('says "price unknown" when no answer had a known price', () => {
    expect(describeChatTotals(totals({ costUsd: 0, unpricedAnswers: 1 }))).toMatchObject({
      cost: 'price unknown',
      costNote: '1 answer without a known price',
    });
  });

  it('shows a free chat as $0.00, not as unknown', () => {
    expect(
      describeChatTotals(totals({ messages: 0, inputTokens: 0, outputTokens: 0, costUsd: 0 })).cost,
    ).toBe('$0.00');
  });
});
