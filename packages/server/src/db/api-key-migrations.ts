import type { Kysely, Migration } from 'kysely';

/** Personal API keys and the OpenAI-compatible API (issue 16): numbered 0040–0049. */
export const apiKeyMigrations: Record<string, Migration> = {
  '0040_api_keys': {
    // A key is stored as its SHA-256 (like sessions): the database never holds one that works.
    // `api_bots` names each user's "API" bot, which answers calls that name a model rather than a bot.
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('api_keys')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('key_hash', 'text', (c) => c.notNull().unique())
        .addColumn('last4', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('last_used_at', 'text')
        .execute();
      await db.schema
        .createIndex('api_keys_user_idx')
        .on('api_keys')
        .columns(['user_id', 'created_at'])
        .execute();
      await db.schema
        .createTable('api_bots')
        .addColumn('user_id', 'text', (c) => c.primaryKey().references('users.id').onDelete('cascade'))
        .addColumn('bot_id', 'text', (c) => c.notNull().unique().references('bots.id').onDelete('cascade'))
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('api_bots').ifExists().execute();
      await db.schema.dropTable('api_keys').ifExists().execute();
    },
  },
};
