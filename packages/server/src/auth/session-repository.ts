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
}
