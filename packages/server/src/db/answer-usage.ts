import type { MessageMetadata } from '@cachibot/protocol';
import { answerTotals } from './answer-totals.ts';
import type { Db } from './database.ts';
import type { AnswerUsageTable } from './schema.ts';

/**
 * Percentiles come from histograms: each figure is kept in a log-spaced bucket 10 % wide, and a
 * bucket stands for its geometric middle, so a reported percentile is within 5 % of the exact one.
 * Both databases group by the integer bucket, so neither needs percentile functions.
 */
export const BUCKET_RATIO = 1.1;
/** The bucket of 0 (a first token in under a millisecond): below every other bucket. */
export const ZERO_BUCKET = -10_000;
const LOG_RATIO = Math.log(BUCKET_RATIO);

export function bucketOf(value: number | undefined): number | null {
  if (value === undefined || !Number.isFinite(value) || value < 0) return null;
  if (value === 0) return ZERO_BUCKET;
  return Math.floor(Math.log(value) / LOG_RATIO);
}

/** The value a bucket stands for: the geometric middle of [1.1^b, 1.1^(b+1)). */
export function bucketValue(bucket: number): number {
  return bucket === ZERO_BUCKET ? 0 : BUCKET_RATIO ** (bucket + 0.5);
}

type UsageFigures = Omit<
  AnswerUsageTable,
  'message_id' | 'user_id' | 'bot_id' | 'chat_id' | 'day' | 'created_at'
>;

/** What an answer's record puts in `answer_usage`: the same integer micro-dollars as the chat totals. */
export function usageFigures(metadata: MessageMetadata, status: string): UsageFigures {
  const totals = answerTotals(metadata);
  const priced = metadata.costUsd !== undefined;
  return {
    model: metadata.model ?? metadata.modelRequested ?? 'unknown',
    status,
    input_tokens: totals.input_tokens,
    output_tokens: totals.output_tokens,
    cached_input_tokens: metadata.usage?.cachedInputTokens ?? 0,
    reasoning_tokens: metadata.usage?.reasoningTokens ?? 0,
    cost_micros: priced ? totals.cost_micros : null,
    unpriced: totals.unpriced_answers,
    ttft_ms: metadata.ttftMs ?? null,
    tokens_per_second: metadata.tokensPerSecond ?? null,
    ttft_bucket: bucketOf(metadata.ttftMs),
    tps_bucket: bucketOf(metadata.tokensPerSecond),
  };
}

export interface AnsweredMessage {
  id: string;
  user_id: string;
  chat_id: string;
  bot_id: string;
  created_at: string;
}

export function answerUsageRow(
  message: AnsweredMessage,
  metadata: MessageMetadata,
  status: string,
): AnswerUsageTable {
  return {
    message_id: message.id,
    user_id: message.user_id,
    bot_id: message.bot_id,
    chat_id: message.chat_id,
    day: message.created_at.slice(0, 10),
    created_at: message.created_at,
    ...usageFigures(metadata, status),
  };
}

type Rollup = Pick<
  AnswerUsageTable,
  | 'user_id'
  | 'day'
  | 'bot_id'
  | 'model'
  | 'input_tokens'
  | 'output_tokens'
  | 'cached_input_tokens'
  | 'reasoning_tokens'
  | 'cost_micros'
  | 'unpriced'
  | 'ttft_bucket'
  | 'tps_bucket'
>;

type SummedColumn =
  | 'answers'
  | 'input_tokens'
  | 'output_tokens'
  | 'cached_input_tokens'
  | 'reasoning_tokens'
  | 'cost_micros'
  | 'unpriced_answers';

/** Adds (`sign` 1) or takes back (-1) one answer in the daily sums and the bucket counts. */
export async function applyToRollups(trx: Db, row: Rollup, sign: 1 | -1): Promise<void> {
  const group = { user_id: row.user_id, day: row.day, bot_id: row.bot_id, model: row.model };
  const cost = row.cost_micros ?? 0;
  await trx
    .insertInto('usage_daily')
    .values({
      ...group,
      answers: sign,
      input_tokens: sign * row.input_tokens,
      output_tokens: sign * row.output_tokens,
      cached_input_tokens: sign * row.cached_input_tokens,
      reasoning_tokens: sign * row.reasoning_tokens,
      cost_micros: sign * cost,
      unpriced_answers: sign * row.unpriced,
      max_cost_micros: sign > 0 ? cost : 0,
    })
    .onConflict((conflict) =>
      conflict.columns(['user_id', 'day', 'bot_id', 'model']).doUpdateSet((eb) => {
        const add = (column: SummedColumn) => eb(`usage_daily.${column}`, '+', eb.ref(`excluded.${column}`));
        return {
          answers: add('answers'),
          input_tokens: add('input_tokens'),
          output_tokens: add('output_tokens'),
          cached_input_tokens: add('cached_input_tokens'),
          reasoning_tokens: add('reasoning_tokens'),
          cost_micros: add('cost_micros'),
          unpriced_answers: add('unpriced_answers'),
          // No max() that both databases spell alike: a CASE keeps the larger.
          max_cost_micros: eb
            .case()
            .when('excluded.max_cost_micros', '>', eb.ref('usage_daily.max_cost_micros'))
            .then(eb.ref('excluded.max_cost_micros'))
            .else(eb.ref('usage_daily.max_cost_micros'))
            .end(),
        };
      }),
    )
    .execute();
  for (const [figure, bucket] of [
    ['ttft', row.ttft_bucket],
    ['tps', row.tps_bucket],
  ] as const) {
    if (bucket === null) continue;
    await trx
      .insertInto('usage_buckets')
      .values({ ...group, figure, bucket, answers: sign })
      .onConflict((conflict) =>
        conflict
          .columns(['user_id', 'day', 'bot_id', 'model', 'figure', 'bucket'])
          .doUpdateSet((eb) => ({ answers: eb('usage_buckets.answers', '+', eb.ref('excluded.answers')) })),
      )
      .execute();
  }
}

/**
 * Records (or re-records) a finished answer's figures and keeps the rollups in step; called inside
 * the transaction that stores the answer, so usage and budgets never see an answer the messages do
 * not have, nor miss one, nor count one twice.
 */
export async function recordAnswerUsage(
  trx: Db,
  messageId: string,
  metadata: MessageMetadata,
  status: string,
): Promise<void> {
  const message = await trx
    .selectFrom('messages')
    .innerJoin('chats', 'chats.id', 'messages.chat_id')
    .select(['messages.id', 'messages.user_id', 'messages.chat_id', 'messages.created_at', 'chats.bot_id'])
    .where('messages.id', '=', messageId)
    .executeTakeFirst();
  if (!message) return;
  const row = answerUsageRow(message, metadata, status);
  const before = await trx
    .selectFrom('answer_usage')
    .selectAll()
    .where('message_id', '=', messageId)
    .executeTakeFirst();
  if (before) {
    await applyToRollups(trx, numeric(before), -1);
    await trx
      .updateTable('answer_usage')
      .set(usageFigures(metadata, status))
      .where('message_id', '=', messageId)
      .execute();
  } else {
    await trx.insertInto('answer_usage').values(row).execute();
  }
  await applyToRollups(trx, row, 1);
}

/** PostgreSQL answers bigint columns as strings. */
function numeric(row: AnswerUsageTable): AnswerUsageTable {
  const n = (value: number | null) => (value === null ? null : Number(value));
  return {
    ...row,
    input_tokens: Number(row.input_tokens),
    output_tokens: Number(row.output_tokens),
    cached_input_tokens: Number(row.cached_input_tokens),
    reasoning_tokens: Number(row.reasoning_tokens),
    cost_micros: n(row.cost_micros),
    unpriced: Number(row.unpriced),
    ttft_bucket: n(row.ttft_bucket),
    tps_bucket: n(row.tps_bucket),
  };
}
