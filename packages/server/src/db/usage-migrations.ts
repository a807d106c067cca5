import type { MessageMetadata } from '@cachibot/protocol';
import { type Kysely, type Migration, sql } from 'kysely';
import { type AnsweredMessage, answerUsageRow } from './answer-usage.ts';
import type { AnswerUsageTable, BudgetTable } from './schema.ts';

const BACKFILL_PAGE = 1_000;
const INSERT_CHUNK = 500;

interface UsageTables {
  answer_usage: AnswerUsageTable;
  budgets: BudgetTable;
}

/** Usage and budgets (issue 14): numbered 0030–0039. */
export const usageMigrations: Record<string, Migration> = {
  '0030_answer_usage_and_budgets': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('answer_usage')
        .addColumn('message_id', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('bot_id', 'text', (c) => c.notNull())
        .addColumn('chat_id', 'text', (c) => c.notNull())
        .addColumn('model', 'text', (c) => c.notNull())
        .addColumn('day', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('input_tokens', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('output_tokens', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('cached_input_tokens', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('reasoning_tokens', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('cost_micros', 'bigint')
        .addColumn('unpriced', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('ttft_ms', 'double precision')
        .addColumn('tokens_per_second', 'double precision')
        .addColumn('ttft_bucket', 'integer')
        .addColumn('tps_bucket', 'integer')
        .execute();
      // Usage pages read one user's (or everyone's) days; budgets sum one user's or one bot's month.
      await db.schema
        .createIndex('answer_usage_user_day_idx')
        .on('answer_usage')
        .columns(['user_id', 'day'])
        .execute();
      await db.schema
        .createIndex('answer_usage_bot_day_idx')
        .on('answer_usage')
        .columns(['bot_id', 'day'])
        .execute();
      await db.schema.createIndex('answer_usage_day_idx').on('answer_usage').column('day').execute();
      await db.schema
        .createTable('budgets')
        .addColumn('scope', 'text', (c) => c.notNull())
        .addColumn('subject_id', 'text', (c) => c.notNull())
        .addColumn('monthly_micros', 'bigint', (c) => c.notNull())
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('downgrade_model', 'text')
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('budgets_pk', ['scope', 'subject_id'])
        .execute();
      await backfillAnswerUsage(db as unknown as Kysely<UsageTables>);
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('budgets').ifExists().execute();
      await db.schema.dropTable('answer_usage').ifExists().execute();
    },
  },
  '0031_usage_rollups': {
    // Sums per user, day, bot and model, and their TTFT / tokens-per-second histograms: a usage page
    // or a budget check reads days × bots × models rows instead of every answer.
    async up(db: Kysely<unknown>) {
      const group = (table: string) =>
        db.schema
          .createTable(table)
          .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
          .addColumn('day', 'text', (c) => c.notNull())
          .addColumn('bot_id', 'text', (c) => c.notNull())
          .addColumn('model', 'text', (c) => c.notNull());
      let daily = group('usage_daily').addColumn('answers', 'bigint', (c) => c.notNull().defaultTo(0));
      for (const column of [
        'input_tokens',
        'output_tokens',
        'cached_input_tokens',
        'reasoning_tokens',
        'cost_micros',
        'unpriced_answers',
        'max_cost_micros',
      ])
        daily = daily.addColumn(column, 'bigint', (c) => c.notNull().defaultTo(0));
      await daily.addPrimaryKeyConstraint('usage_daily_pk', ['user_id', 'day', 'bot_id', 'model']).execute();
      await group('usage_buckets')
        .addColumn('figure', 'text', (c) => c.notNull())
        .addColumn('bucket', 'integer', (c) => c.notNull())
        .addColumn('answers', 'bigint', (c) => c.notNull().defaultTo(0))
        .addPrimaryKeyConstraint('usage_buckets_pk', [
          'user_id',
          'day',
          'bot_id',
          'model',
          'figure',
          'bucket',
        ])
        .execute();
      for (const table of ['usage_daily', 'usage_buckets']) {
        await db.schema.createIndex(`${table}_bot_day_idx`).on(table).columns(['bot_id', 'day']).execute();
        await db.schema.createIndex(`${table}_day_idx`).on(table).column('day').execute();
      }
      await sql`insert into usage_daily (user_id, day, bot_id, model, answers, input_tokens, output_tokens,
          cached_input_tokens, reasoning_tokens, cost_micros, unpriced_answers, max_cost_micros)
        select user_id, day, bot_id, model, count(*), sum(input_tokens), sum(output_tokens),
          sum(cached_input_tokens), sum(reasoning_tokens), coalesce(sum(cost_micros), 0), sum(unpriced),
          coalesce(max(cost_micros), 0)
        from answer_usage group by user_id, day, bot_id, model`.execute(db);
      for (const [figure, column] of [
        ['ttft', 'ttft_bucket'],
        ['tps', 'tps_bucket'],
      ] as const) {
        await sql`insert into usage_buckets (user_id, day, bot_id, model, figure, bucket, answers)
          select user_id, day, bot_id, model, ${sql.lit(figure)}, ${sql.ref(column)}, count(*)
          from answer_usage where ${sql.ref(column)} is not null
          group by user_id, day, bot_id, model, ${sql.ref(column)}`.execute(db);
      }
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('usage_buckets').ifExists().execute();
      await db.schema.dropTable('usage_daily').ifExists().execute();
    },
  },
};

/** Every answer stored before this migration, page by page (finished ones; running ones record at finish). */
async function backfillAnswerUsage(db: Kysely<UsageTables>): Promise<void> {
  let after = '';
  for (;;) {
    const page = await sql<AnsweredMessage & { status: string; metadata: string }>`
      select m.id, m.user_id, m.chat_id, m.created_at, m.status, m.metadata, c.bot_id
      from messages m join chats c on c.id = m.chat_id
      where m.role = 'assistant' and m.status <> 'streaming' and m.id > ${after}
      order by m.id limit ${BACKFILL_PAGE}`.execute(db);
    const rows = page.rows.map((message) =>
      answerUsageRow(message, JSON.parse(message.metadata) as MessageMetadata, message.status),
    );
    for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
      await db
        .insertInto('answer_usage')
        .values(rows.slice(i, i + INSERT_CHUNK))
        .execute();
    }
    const last = page.rows[page.rows.length - 1];
    if (!last || page.rows.length < BACKFILL_PAGE) return;
    after = last.id;
  }
}
