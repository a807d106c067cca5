import type { Bot } from '@cachibot/protocol';
import type { Db } from '../db/database.ts';
import { decodeListCursor, encodeListCursor } from '../db/list-cursor.ts';
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
  starters: JSON.parse(row.starters) as string[],
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

/** Where a page of the bot list ends: the sort key of its last bot. */
export interface BotListKey {
  isDefault: number;
  createdAt: string;
  id: string;
}

export function encodeBotCursor(key: BotListKey): string {
  return encodeListCursor('bots', { flag: key.isDefault, time: key.createdAt, id: key.id });
}

export function decodeBotCursor(cursor: string): BotListKey | null {
  const key = decodeListCursor('bots', cursor);
  return key && { isDefault: key.flag, createdAt: key.time, id: key.id };
}

export class BotRepository {
  constructor(private readonly db: Db) {}

  /**
   * One page of a user's bots in list order (the default bot first, then oldest first), after `after`:
   * keyset paging, so bots created meanwhile land after the last page instead of shifting the pages.
   * Reads one row more than `limit` to tell whether another page follows.
   */
  async pageForUser(
    userId: string,
    limit: number,
    after?: BotListKey,
  ): Promise<{ rows: BotTable[]; next: BotListKey | null }> {
    let query = this.db.selectFrom('bots').selectAll().where('user_id', '=', userId);
    if (after) {
      query = query.where((eb) =>
        eb.or([
          eb('is_default', '<', after.isDefault),
          eb.and([
            eb('is_default', '=', after.isDefault),
            eb.or([
              eb('created_at', '>', after.createdAt),
              eb.and([eb('created_at', '=', after.createdAt), eb('id', '>', after.id)]),
            ]),
          ]),
        ]),
      );
    }
    const rows = await query
      .orderBy('is_default', 'desc')
      .orderBy('created_at')
      .orderBy('id')
      .limit(limit + 1)
      .execute();
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return {
      rows: page,
      next:
        rows.length > limit && last
          ? { isDefault: Number(last.is_default), createdAt: last.created_at, id: last.id }
          : null,
    };
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
