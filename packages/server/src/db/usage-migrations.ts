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
