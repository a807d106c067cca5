import type { UsageRow } from '@cachibot/protocol';
import { describe, expect, it } from 'vitest';
import { byDayAndModel, latencyByDay, stacked } from './chart-data.ts';
import { daysBetween, lastDays, thisMonth } from './usage-dates.ts';

const row = (key: string, fields: Partial<UsageRow> = {}): UsageRow => ({
  key,
  answers: 1,
  inputTokens: 10,
  outputTokens: 5,
  cachedInputTokens: 0,
  reasoningTokens: 0,
  costUsd: 0,
  unpricedAnswers: 0,
  ttftMsP50: null,
  ttftMsP95: null,
  tokensPerSecondP50: null,
  ...fields,
});

const days = [
  row('2025-03-01', {
    byModel: [row('a/cheap', { costUsd: 0.5, ttftMsP50: 300 }), row('a/free', { ttftMsP50: 90 })],
  }),
  row('2025-03-03', { byModel: [row('a/dear', { costUsd: 2, label: 'Dear', ttftMsP50: 800 })] }),
];
const axis = daysBetween('2025-03-01', '2025-03-04');

describe('usage chart data', () => {
  it('fills every day of the axis, biggest model first, and leaves out models with nothing to stack', () => {
    expect(axis).toEqual(['2025-03-01', '2025-03-02', '2025-03-03', '2025-03-04']);
    const cost = byDayAndModel(days, axis, 'cost');
    expect(cost.series.map((series) => [series.label, series.values])).toEqual([
      ['Dear', [0, 0, 2, 0]],
      ['a/cheap', [0.5, 0, 0, 0]],
    ]);
    expect(byDayAndModel(days, axis, 'tokens').series).toHaveLength(3);
    expect(stacked(cost.series)).toEqual([
      [0, 0, 2, 0],
      [0.5, 0, 2, 0],
    ]);
  });

  it('keeps the gaps of a percentile as null, per model', () => {
    const ttft = latencyByDay(days, axis, 'ttftMsP50');
    expect(ttft.series.map((series) => [series.key, series.values])).toEqual([
      ['a/cheap', [300, null, null, null]],
      ['a/free', [90, null, null, null]],
      ['a/dear', [null, null, 800, null]],
    ]);
    expect(latencyByDay(days, axis, 'tokensPerSecondP50').series).toEqual([]);
  });

  it('knows UTC months and the last days', () => {
    expect(thisMonth('2024-02-10')).toEqual({ from: '2024-02-01', to: '2024-02-29' });
    expect(lastDays(30, '2025-03-30')).toEqual({ from: '2025-03-01', to: '2025-03-30' });
  });
});
