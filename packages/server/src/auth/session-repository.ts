import type { Db } from '../db/database.ts';
import type { SessionTable } from '../db/schema.ts';

export class SessionRepository {
  constructor(private readonly db: Db) {}

  async insert(row: SessionTable): Promise<void> {
    await this.db.insertInto('sessions').values(row).execute();
  }

  findValid(id: string, now: string): Promise<SessionTable | undefined> {
    return this.db
      .selectFrom('sessions')
      .selectAll()
      .where('id', '=', id)
      .where('expires_at', '>', now)
      .executeTakeFirst();
  }

  async delete(id: string): Promise<void> {
    await this.db.deleteFrom('sessions').where('id', '=', id).execute();
  }

  async deleteForUserExcept(userId: string, keepId: string | null): Promise<void> {
    let query = this.db.deleteFrom('sessions').where('user_id', '=', userId);
    if (keepId) query = query.where('id', '!=', keepId);
    await query.execute();
  }

  /** Every user's expired sessions (indexed by `expires_at`). */
  async deleteExpired(now: string): Promise<void> {
    await this.db.deleteFrom('sessions').where('expires_at', '<=', now).execute();
  }

  /** Deletes the user's oldest sessions beyond the newest `keep`; returns the ids deleted. */
  async deleteOldest(userId: string, keep: number): Promise<string[]> {
    const newest = this.db
      .selectFrom('sessions')
      .select('id')
      .where('user_id', '=', userId)
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(keep);
    const deleted = await this.db
      .deleteFrom('sessions')
      .where('user_id', '=', userId)
      .where('id', 'not in', newest)
      .returning('id')
      .execute();
    return deleted.map((row) => row.id);
  }
}
