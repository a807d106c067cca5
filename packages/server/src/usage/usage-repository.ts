import type { Db } from '../db/database.ts';

/** The `answer_usage` columns a usage query may group by. */
export type UsageKeyColumn = 'model' | 'bot_id' | 'day' | 'user_id';

export interface UsageFilter {
  /** First and last UTC day, both included (`YYYY-MM-DD`). */
  from: string;
  to: string;
  /** Only this user's answers; all users' when absent. */
  userId?: string;
}

/** One group × TTFT bucket: the sums of its answers. */
export interface TtftBucketRow {
  keys: string[];
  bucket: number | null;
  answers: number;
  inputTokens: number;
  outputTokens: number;
  cachedInputTokens: number;
  reasoningTokens: number;
  costMicros: number;
  unpricedAnswers: number;
}

/** One group × tokens/s bucket: how many answers fell in it. */
export interface SpeedBucketRow {
  keys: string[];
  bucket: number;
  answers: number;
}

// PostgreSQL answers bigint sums and counts as strings; SQLite as numbers.
const num = (value: unknown): number => (value === null || value === undefined ? 0 : Number(value));

/**
 * Usage in SQL on both databases: two grouped scans of the range (sums with the TTFT histogram, and
 * the tokens/s histogram), so that no answer is loaded into memory, whatever the range holds.
 */
export class UsageRepository {
  constructor(private readonly db: Db) {}

  private scope(filter: UsageFilter) {
    let query = this.db
      .selectFrom('answer_usage')
      .where('day', '>=', filter.from)
      .where('day', '<=', filter.to);
    if (filter.userId !== undefined) query = query.where('user_id', '=', filter.userId);
    return query;
  }

  async ttftBuckets(filter: UsageFilter, keys: UsageKeyColumn[]): Promise<TtftBucketRow[]> {
    const rows = await this.scope(filter)
      .select([...keys, 'ttft_bucket'])
      .select((eb) => [
        eb.fn.countAll().as('answers'),
        eb.fn.sum('input_tokens').as('input_tokens'),
        eb.fn.sum('output_tokens').as('output_tokens'),
        eb.fn.sum('cached_input_tokens').as('cached_input_tokens'),
        eb.fn.sum('reasoning_tokens').as('reasoning_tokens'),
        eb.fn.sum('cost_micros').as('cost_micros'),
        eb.fn.sum('unpriced').as('unpriced'),
      ])
      .groupBy([...keys, 'ttft_bucket'])
      .execute();
    return rows.map((row) => {
      const record = row as Record<string, unknown>;
      return {
        keys: keys.map((key) => String(record[key])),
        bucket: row.ttft_bucket === null ? null : Number(row.ttft_bucket),
        answers: num(row.answers),
        inputTokens: num(row.input_tokens),
        outputTokens: num(row.output_tokens),
        cachedInputTokens: num(row.cached_input_tokens),
        reasoningTokens: num(row.reasoning_tokens),
        costMicros: num(row.cost_micros),
        unpricedAnswers: num(row.unpriced),
      };
    });
  }

  async speedBuckets(filter: UsageFilter, keys: UsageKeyColumn[]): Promise<SpeedBucketRow[]> {
    const rows = await this.scope(filter)
      .where('tps_bucket', 'is not', null)
      .select([...keys, 'tps_bucket'])
      .select((eb) => eb.fn.countAll().as('answers'))
      .groupBy([...keys, 'tps_bucket'])
      .execute();
    return rows.map((row) => {
      const record = row as Record<string, unknown>;
      return {
        keys: keys.map((key) => String(record[key])),
        bucket: Number(row.tps_bucket),
        answers: num(row.answers),
      };
    });
  }

  async botNames(ids: string[]): Promise<Map<string, string>> {
    if (ids.length === 0) return new Map();
    const rows = await this.db.selectFrom('bots').select(['id', 'name']).where('id', 'in', ids).execute();
    return new Map(rows.map((row) => [row.id, row.name]));
  }

  async usernames(ids: string[]): Promise<Map<string, string>> {
    if (ids.length === 0) return new Map();
    const rows = await this.db
      .selectFrom('users')
      .select(['id', 'username'])
      .where('id', 'in', ids)
      .execute();
    return new Map(rows.map((row) => [row.id, row.username]));
  }
}
