import type { ApiKey } from '@cachibot/protocol';
import type { Db } from '../db/database.ts';

/** `api_keys` (migration 0040, db/api-key-migrations.ts). */
export interface ApiKeyTable {
  id: string;
  user_id: string;
  name: string;
  /** SHA-256 of the key, base64url: the key itself is never stored. */
  key_hash: string;
  last4: string;
  created_at: string;
  last_used_at: string | null;
}

export const toApiKey = (row: ApiKeyTable): ApiKey => ({
  id: row.id,
  name: row.name,
  last4: row.last4,
  createdAt: row.created_at,
  lastUsedAt: row.last_used_at,
});

export class ApiKeyRepository {
  private readonly db;

  constructor(db: Db) {
    this.db = db.withTables<{ api_keys: ApiKeyTable }>();
  }

  async insert(row: ApiKeyTable): Promise<void> {
    await this.db.insertInto('api_keys').values(row).execute();
  }

  /** Newest first. */
  listForUser(userId: string): Promise<ApiKeyTable[]> {
    return this.db
      .selectFrom('api_keys')
      .selectAll()
      .where('user_id', '=', userId)
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .execute();
  }

  async countForUser(userId: string): Promise<number> {
    const row = await this.db
      .selectFrom('api_keys')
      .select((eb) => eb.fn.countAll<number | string>().as('count'))
      .where('user_id', '=', userId)
      .executeTakeFirst();
    return Number(row?.count ?? 0);
  }

  findByHash(keyHash: string): Promise<ApiKeyTable | undefined> {
    return this.db.selectFrom('api_keys').selectAll().where('key_hash', '=', keyHash).executeTakeFirst();
  }

  async touch(id: string, at: string): Promise<void> {
    await this.db.updateTable('api_keys').set({ last_used_at: at }).where('id', '=', id).execute();
  }

  /** Only the owner's key: another user's id behaves exactly like a missing one. */
  async delete(userId: string, id: string): Promise<boolean> {
    const result = await this.db
      .deleteFrom('api_keys')
      .where('id', '=', id)
      .where('user_id', '=', userId)
      .executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }
}
