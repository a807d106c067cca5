import type { LeaderboardRow } from '@cachibot/protocol';

export interface RankedRow extends LeaderboardRow {
  /** Wins among decided duels (0–1); null before the first vote on the model's compares. */
  winRate: number | null;
}

/**
 * Best first: by win rate over decided duels (a model with votes before one without), then by wins,
 * then by answers; the model id settles ties so the order never flickers.
 */
export function rankLeaderboard(rows: LeaderboardRow[]): RankedRow[] {
  return rows
    .map((row) => {
      const duels = row.wins + row.losses;
      return { ...row, winRate: duels > 0 ? row.wins / duels : null };
    })
    .sort(
      (a, b) =>
        (b.winRate ?? -1) - (a.winRate ?? -1) ||
        b.wins - a.wins ||
        b.answers - a.answers ||
        a.model.localeCompare(b.model),
    );
}

/** 0.6667 → "67 %"; no duels → "—". */
export function formatWinRate(rate: number | null): string {
  return rate === null ? '—' : `${Math.round(rate * 100)} %`;
}
