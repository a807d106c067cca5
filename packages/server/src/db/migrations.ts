import { type Kysely, type Migration, type MigrationProvider, Migrator, sql } from 'kysely';
import { answerTotals } from './answer-totals.ts';
import { apiKeyMigrations } from './api-key-migrations.ts';
import { usageMigrations } from './usage-migrations.ts';

/** Migrations in code (not files) so they ship inside the package and run at start. */
const migrations: Record<string, Migration> = {
  '0001_initial': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('users')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('username', 'text', (c) => c.notNull().unique())
        .addColumn('password_hash', 'text', (c) => c.notNull())
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('sessions')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('sessions_user_idx').on('sessions').column('user_id').execute();
      await db.schema
        .createTable('bots')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('description', 'text', (c) => c.notNull())
        .addColumn('icon', 'text', (c) => c.notNull())
        .addColumn('color', 'text', (c) => c.notNull())
        .addColumn('system_prompt', 'text', (c) => c.notNull())
        .addColumn('default_model', 'text', (c) => c.notNull())
        .addColumn('utility_model', 'text')
        .addColumn('fallback_models', 'text', (c) => c.notNull())
        .addColumn('settings', 'text', (c) => c.notNull())
        .addColumn('is_default', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('bots_user_idx').on('bots').columns(['user_id', 'created_at']).execute();
      await db.schema
        .createTable('chats')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('bot_id', 'text', (c) => c.notNull().references('bots.id').onDelete('cascade'))
        .addColumn('title', 'text', (c) => c.notNull())
        .addColumn('pinned', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('archived', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('model', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('chats_bot_idx').on('chats').columns(['bot_id', 'updated_at']).execute();
      await db.schema
        .createTable('messages')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('chat_id', 'text', (c) => c.notNull().references('chats.id').onDelete('cascade'))
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('content', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('parent_id', 'text')
        .addColumn('client_message_id', 'text')
        .addColumn('turn_id', 'text')
        .addColumn('metadata', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('messages_chat_idx').on('messages').columns(['chat_id', 'id']).execute();
      // NULLs are distinct in unique indexes on both SQLite and PostgreSQL: only user messages carry the id.
      await db.schema
        .createIndex('messages_client_id_uq')
        .unique()
        .on('messages')
        .columns(['user_id', 'client_message_id'])
        .execute();
      await db.schema
        .createTable('turns')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('chat_id', 'text', (c) => c.notNull().references('chats.id').onDelete('cascade'))
        .addColumn('bot_id', 'text', (c) => c.notNull())
        .addColumn('user_message_id', 'text', (c) => c.notNull())
        .addColumn('assistant_message_id', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('last_seq', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('turns_chat_idx').on('turns').columns(['chat_id', 'id']).execute();
      await db.schema.createIndex('turns_status_idx').on('turns').column('status').execute();
      await db.schema
        .createTable('turn_events')
        .addColumn('turn_id', 'text', (c) => c.notNull().references('turns.id').onDelete('cascade'))
        .addColumn('seq', 'integer', (c) => c.notNull())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('payload', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('turn_events_pk', ['turn_id', 'seq'])
        .execute();
    },
    async down(db: Kysely<unknown>) {
      for (const table of ['turn_events', 'turns', 'messages', 'chats', 'bots', 'sessions', 'users']) {
        await db.schema.dropTable(table).ifExists().execute();
      }
    },
  },
  '0002_bot_provider_settings': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('bot_provider_settings')
        .addColumn('bot_id', 'text', (c) => c.notNull().references('bots.id').onDelete('cascade'))
        .addColumn('provider', 'text', (c) => c.notNull())
        .addColumn('api_key_sealed', 'text')
        .addColumn('api_key_last4', 'text')
        .addColumn('base_url', 'text')
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('bot_provider_settings_pk', ['bot_id', 'provider'])
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('bot_provider_settings').ifExists().execute();
    },
  },
  '0003_turn_event_runs': {
    // Consecutive text_delta events of one batch are stored as one row spanning seq..end_seq.
    async up(db: Kysely<unknown>) {
      await db.schema
        .alterTable('turn_events')
        .addColumn('end_seq', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
      await sql`update turn_events set end_seq = seq`.execute(db);
    },
    async down(db: Kysely<unknown>) {
      await sql`delete from turn_events where type = 'text_run'`.execute(db);
      await db.schema.alterTable('turn_events').dropColumn('end_seq').execute();
    },
  },
  '0004_chat_totals': {
    async up(db: Kysely<unknown>) {
      for (const column of [
        'message_count',
        'input_tokens',
        'output_tokens',
        'cost_micros',
        'unpriced_answers',
      ]) {
        await db.schema
          .alterTable('chats')
          .addColumn(column, 'bigint', (c) => c.notNull().defaultTo(0))
          .execute();
      }
      // Existing chats: count their messages and add up their answers' usage and cost.
      await sql`update chats set message_count = (select count(*) from messages where messages.chat_id = chats.id)`.execute(
        db,
      );
      const answers = await sql<{ chat_id: string; metadata: string }>`
        select chat_id, metadata from messages where role = 'assistant'`.execute(db);
      const totals = new Map<string, ReturnType<typeof answerTotals>>();
      for (const row of answers.rows) {
        const add = answerTotals(JSON.parse(row.metadata));
        const sum = totals.get(row.chat_id) ?? answerTotals({});
        for (const key of Object.keys(sum) as (keyof typeof sum)[]) sum[key] += add[key];
        totals.set(row.chat_id, sum);
      }
      for (const [chatId, sum] of totals) {
        await sql`update chats set input_tokens = ${sum.input_tokens}, output_tokens = ${sum.output_tokens},
          cost_micros = ${sum.cost_micros}, unpriced_answers = ${sum.unpriced_answers} where id = ${chatId}`.execute(
          db,
        );
      }
    },
    async down(db: Kysely<unknown>) {
      for (const column of [
        'message_count',
        'input_tokens',
        'output_tokens',
        'cost_micros',
        'unpriced_answers',
      ]) {
        await db.schema.alterTable('chats').dropColumn(column).execute();
      }
    },
  },
  '0005_setup_guard_and_session_expiry': {
    async up(db: Kysely<unknown>) {
      // One row at most (its primary key is a constant): the first-run setup inserts it in the same
      // transaction as the admin, so concurrent setups cannot both commit, on either database.
      await db.schema
        .createTable('setup_guard')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await sql`insert into setup_guard (id, created_at)
        select 'admin', created_at from users order by created_at limit 1`.execute(db);
      // Expired sessions are deleted at every login, and the oldest beyond the per-user cap.
      await db.schema.createIndex('sessions_expires_idx').on('sessions').column('expires_at').execute();
      await db.schema
        .createIndex('sessions_user_created_idx')
        .on('sessions')
        .columns(['user_id', 'created_at'])
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropIndex('sessions_user_created_idx').ifExists().execute();
      await db.schema.dropIndex('sessions_expires_idx').ifExists().execute();
      await db.schema.dropTable('setup_guard').ifExists().execute();
    },
  },
  '0010_turn_leases_and_branches': {
    // A running turn names the process that owns it and until when (recovery leaves live owners'
    // turns alone); a chat remembers the leaf of the branch it shows; questions hang under the answer
    // they follow, so the history is the path from a question to the root.
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('turns').addColumn('owner', 'text').execute();
      await db.schema.alterTable('turns').addColumn('lease_until', 'bigint').execute();
      await db.schema.alterTable('chats').addColumn('current_message_id', 'text').execute();
      await sql`update messages set parent_id = (
          select previous.id from messages previous
          where previous.chat_id = messages.chat_id and previous.role = 'assistant' and previous.id < messages.id
          order by previous.id desc limit 1)
        where role = 'user' and parent_id is null`.execute(db);
      await sql`update chats set current_message_id = (
          select max(id) from messages where messages.chat_id = chats.id)`.execute(db);
    },
    async down(db: Kysely<unknown>) {
      await db.schema.alterTable('chats').dropColumn('current_message_id').execute();
      await db.schema.alterTable('turns').dropColumn('lease_until').execute();
      await db.schema.alterTable('turns').dropColumn('owner').execute();
    },
  },
  '0011_message_votes': {
    // The owner's thumbs up / down on an answer; a vote on one answer of a compare is a win over its siblings.
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('messages').addColumn('vote', 'integer').execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.alterTable('messages').dropColumn('vote').execute();
    },
  },
  '0020_bot_starters_and_templates': {
    // Conversation starters per bot; bots published to the instance's marketplace as snapshots.
    async up(db: Kysely<unknown>) {
      await db.schema
        .alterTable('bots')
        .addColumn('starters', 'text', (c) => c.notNull().defaultTo('[]'))
        .execute();
      await db.schema
        .createTable('team_templates')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('bot_id', 'text', (c) => c.notNull().unique().references('bots.id').onDelete('cascade'))
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('description', 'text', (c) => c.notNull())
        .addColumn('icon', 'text', (c) => c.notNull())
        .addColumn('color', 'text', (c) => c.notNull())
        .addColumn('system_prompt', 'text', (c) => c.notNull())
        .addColumn('default_model', 'text', (c) => c.notNull())
        .addColumn('utility_model', 'text')
        .addColumn('fallback_models', 'text', (c) => c.notNull())
        .addColumn('settings', 'text', (c) => c.notNull())
        .addColumn('starters', 'text', (c) => c.notNull())
        .addColumn('tags', 'text', (c) => c.notNull())
        .addColumn('published_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('team_templates_published_idx')
        .on('team_templates')
        .column('published_at')
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('team_templates').ifExists().execute();
      await db.schema.alterTable('bots').dropColumn('starters').execute();
    },
  },
};

const provider: MigrationProvider = {
  getMigrations: async () => ({ ...migrations, ...usageMigrations, ...apiKeyMigrations }),
};

/**
 * One migration at a time, each in its own transaction together with its row in the migrations table
 * (on SQLite too: the dialect in database.ts declares its DDL transactional). A migration that fails
 * half-way leaves nothing behind, and the next start runs it again from the beginning.
 */
export async function migrateToLatest(db: Kysely<unknown>, pgSchema?: string): Promise<void> {
  // Kysely looks for its migration tables in any schema unless told which: another schema's tables
  // in the same database would make it skip creating ours.
  // Migrations are additive and independent, and numbered by area (0010 turns, 0020 templates, 0030
  // usage, 0040 API keys): one added later with a lower number still runs on a database that has the
  // higher ones.
  const migrator = new Migrator({
    db,
    provider,
    allowUnorderedMigrations: true,
    ...(pgSchema ? { migrationTableSchema: pgSchema } : {}),
  });
  for (;;) {
    const { error, results } = await migrator.migrateUp();
    const failed = results?.find((result) => result.status === 'Error');
    if (error || failed) {
      throw new Error(`Database migration failed${failed ? ` at ${failed.migrationName}` : ''}`, {
        cause: error,
      });
    }
    if (!results || results.length === 0) return;
  }
}

export { sql };
