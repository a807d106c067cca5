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

/** One group: the sums of its answers. */
export interface SumRow {
  keys: string[];
  answers: number;
  inputTokens: number;
  outputTokens: number;
  cachedInputTokens: number;
  reasoningTokens: number;
  costMicros: number;
  unpricedAnswers: number;
}

/** One group × figure × bucket: how many answers fell in it. */
export interface BucketRow {
  keys: string[];
  figure: 'ttft' | 'tps';
  bucket: number;
  answers: number;
}

// PostgreSQL answers bigint sums and counts as strings; SQLite as numbers.
const num = (value: unknown): number => (value === null || value === undefined ? 0 : Number(value));
const keysOf = (row: object, keys: UsageKeyColumn[]) =>
  keys.map((key) => String((row as Record<string, unknown>)[key]));

/**
 * Usage in SQL on both databases, from the rollups kept as answers finish (db/answer-usage.ts): the
 * sums per group, and the histograms per group, so a range costs days × bots × models rows, however
 * many answers it holds.
 */
export class UsageRepository {
  constructor(private readonly db: Db) {}

  async sums(filter: UsageFilter, keys: UsageKeyColumn[]): Promise<SumRow[]> {
    let query = this.db
      .selectFrom('usage_daily')
      .where('day', '>=', filter.from)
      .where('day', '<=', filter.to);
    if (filter.userId !== undefined) query = query.where('user_id', '=', filter.userId);
    const rows = await query
      .select(keys)
      .select((eb) => [
        eb.fn.sum('answers').as('answers'),
        eb.fn.sum('input_tokens').as('input_tokens'),
        eb.fn.sum('output_tokens').as('output_tokens'),
        eb.fn.sum('cached_input_tokens').as('cached_input_tokens'),
        eb.fn.sum('reasoning_tokens').as('reasoning_tokens'),
        eb.fn.sum('cost_micros').as('cost_micros'),
        eb.fn.sum('unpriced_answers').as('unpriced_answers'),
      ])
      .groupBy(keys)
      .execute();
    return rows
      .map((row) => ({
        keys: keysOf(row, keys),
        answers: num(row.answers),
        inputTokens: num(row.input_tokens),
        outputTokens: num(row.output_tokens),
        cachedInputTokens: num(row.cached_input_tokens),
        reasoningTokens: num(row.reasoning_tokens),
        costMicros: num(row.cost_micros),
        unpricedAnswers: num(row.unpriced_answers),
      }))
      .filter((row) => row.answers > 0);
  }

  async buckets(filter: UsageFilter, keys: UsageKeyColumn[]): Promise<BucketRow[]> {
    let query = this.db
      .selectFrom('usage_buckets')
      .where('day', '>=', filter.from)
      .where('day', '<=', filter.to);
    if (filter.userId !== undefined) query = query.where('user_id', '=', filter.userId);
    const rows = await query
      .select([...keys, 'figure', 'bucket'])
      .select((eb) => eb.fn.sum('answers').as('answers'))
      .groupBy([...keys, 'figure', 'bucket'])
      .execute();
    return rows
      .map((row) => ({
        keys: keysOf(row, keys),
        figure: row.figure,
        bucket: Number(row.bucket),
        answers: num(row.answers),
      }))
      .filter((row) => row.answers > 0);
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
