import { describe, expect, it } from 'vitest';
import { makeMessage } from '../../test/fixtures.ts';
import { chatTotals } from './chat-totals.ts';

describe('chatTotals', () => {
  it('adds up messages, tokens and known costs of the loaded messages', () => {
    const usage = (total: number) => ({ inputTokens: total - 1, outputTokens: 1, totalTokens: total });
    const totals = chatTotals([
      makeMessage({ id: 'u1' }),
      makeMessage({ id: 'a1', role: 'assistant', metadata: { usage: usage(100), costUsd: 0.002 } }),
      makeMessage({ id: 'u2' }),
      makeMessage({ id: 'a2', role: 'assistant', metadata: { usage: usage(50) } }),
      makeMessage({ id: 'a3', role: 'assistant', status: 'streaming', metadata: {} }),
    ]);
    expect(totals).toEqual({ messages: 5, tokens: 150, costUsd: 0.002, unpricedAnswers: 1 });
  });
});
