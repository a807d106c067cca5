import { describe, expect, it } from 'vitest';
import { formatWinRate, rankLeaderboard } from './leaderboard-rows.ts';

const row = (model: string, wins: number, losses: number, answers = 5) => ({
  model,
  wins,
  losses,
  answers,
  medianCostUsd: null,
  medianTtftMs: null,
  medianTokensPerSecond: null,
});

describe('the leaderboard', () => {
  it('ranks by win rate over decided duels, then wins, then answers; unvoted models last', () => {
    const ranked = rankLeaderboard([row('c', 0, 0, 9), row('a', 1, 1), row('b', 3, 1), row('d', 2, 0)]);
    expect(ranked.map((item) => [item.model, formatWinRate(item.winRate)])).toEqual([
      ['d', '100 %'],
      ['b', '75 %'],
      ['a', '50 %'],
      ['c', '—'],
    ]);
  });
});
