import type { Bot } from '@cachibot/protocol';
import type { Db } from '../db/database.ts';
import type { BotTable } from '../db/schema.ts';

export const toBot = (row: BotTable): Bot => ({
  id: row.id,
  name: row.name,
  description: row.description,
  icon: row.icon,
  color: row.color,
  systemPrompt: row.system_prompt,
  models: row.utility_model
    ? { default: row.default_model, utility: row.utility_model }
    : { default: row.default_model },
  fallbackModels: JSON.parse(row.fallback_models) as string[],
  settings: JSON.parse(row.settings) as Bot['settings'],
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

export class BotRepository {
  constructor(private readonly db: Db) {}

  listForUser(userId: string): Promise<BotTable[]> {
    return this.db
      .selectFrom('bots')
      .selectAll()
      .where('user_id', '=', userId)
      .orderBy('is_default', 'desc')
      .orderBy('created_at')
      .orderBy('id')
      .execute();
  }

  /** Only the owner's bot: another user's id behaves exactly like a missing one. */
  findOwned(userId: string, botId: string): Promise<BotTable | undefined> {
    return this.db
      .selectFrom('bots')
      .selectAll()
      .where('id', '=', botId)
      .where('user_id', '=', userId)
      .executeTakeFirst();
  }

  async insert(row: BotTable): Promise<void> {
    await this.db.insertInto('bots').values(row).execute();
  }

  async update(userId: string, botId: string, changes: Partial<BotTable>): Promise<void> {
    await this.db
      .updateTable('bots')
      .set(changes)
      .where('id', '=', botId)
      .where('user_id', '=', userId)
      .execute();
  }

  async delete(userId: string, botId: string): Promise<boolean> {
    const result = await this.db
      .deleteFrom('bots')
      .where('id', '=', botId)
      .where('user_id', '=', userId)
      .executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }
}
