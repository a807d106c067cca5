import type { Message } from '@cachibot/protocol';
import { describe, expect, it } from 'vitest';
import { makeMessage } from '../../test/fixtures.ts';
import { blindLabel, blindOrder } from './blind-order.ts';
import { compareMetrics } from './compare-metrics.ts';

const answer = (id: string, metadata: Message['metadata'], status: Message['status'] = 'complete') =>
  makeMessage({ id, role: 'assistant', parentId: 'q', status, metadata });
const fast = answer('a', {
  model: 'openai/gpt-4o-mini',
  ttftMs: 120,
  durationMs: 900,
  tokensPerSecond: 80,
  usage: { inputTokens: 50, outputTokens: 40, totalTokens: 90 },
  costUsd: 0.0001,
  finishReason: 'stop',
});
const slow = answer('b', {
  model: 'openai/gpt-4o',
  ttftMs: 450,
  durationMs: 2400,
  tokensPerSecond: 31.25,
  usage: { inputTokens: 50, outputTokens: 75, totalTokens: 125 },
  costUsd: 0.002,
  finishReason: 'stop',
});
const table = (answers: Message[]) =>
  Object.fromEntries(
    compareMetrics(answers).map((row) => [row.label, row.cells.map((c) => (c.best ? `*${c.text}` : c.text))]),
  );

describe('the metrics row of a compare', () => {
  it('compares TTFT, total time, tokens/s, tokens, cost and finish reason, marking the best of each row', () => {
    expect(table([fast, slow])).toEqual({
      'Time to first token': ['*120 ms', '450 ms'],
      'Total time': ['*900 ms', '2.40 s'],
      Speed: ['*80.0 tok/s', '31.3 tok/s'],
      'Input tokens': ['50', '50'], // a tie has no winner
      'Output tokens': ['*40', '75'],
      Cost: ['*$0.0001', '$0.002'],
      'Finish reason': ['stop', 'stop'],
    });
  });

  it('marks nothing while an answer is still running, and says "price unknown" for an unpriced one', () => {
    const running = answer('c', { model: 'x/y' }, 'streaming');
    const rows = table([fast, running]);
    expect(rows['Time to first token']).toEqual(['120 ms', '—']);
    expect(rows.Cost).toEqual(['$0.0001', '—']);
    expect(rows['Finish reason']).toEqual(['stop', 'streaming…']);
    const unpriced = answer('d', { ...slow.metadata, costUsd: undefined });
    expect(table([fast, unpriced]).Cost).toEqual(['*$0.0001', 'price unknown']);
  });

  it('never lets a failed, stopped or cut answer win a row', () => {
    const failed = answer('e', { model: 'x/y', ttftMs: 10, durationMs: 20, finishReason: 'error' }, 'error');
    const cut = answer('f', { ...slow.metadata, ttftMs: 5, finishReason: 'length' });
    const rows = table([slow, failed, cut]);
    expect(rows['Time to first token']).toEqual(['*450 ms', '10 ms', '5 ms']);
    expect(rows['Finish reason']).toEqual(['*stop', 'error', 'length']);
  });
});

describe('blind compares', () => {
  it('shuffle their columns the same way every time and name them Model A, B, …', () => {
    const answers = ['m1', 'm2', 'm3', 'm4'].map((id) => answer(id, {}));
    const order = blindOrder(answers).map((item) => item.id);
    expect(blindOrder([...answers].reverse()).map((item) => item.id)).toEqual(order);
    expect(order.sort()).toEqual(['m1', 'm2', 'm3', 'm4']);
    expect([0, 1, 3].map(blindLabel)).toEqual(['Model A', 'Model B', 'Model D']);
  });
});
