import type { Chat } from '@cachibot/protocol';
import type { Db } from '../db/database.ts';
import { decodeListCursor, encodeListCursor } from '../db/list-cursor.ts';
import type { ChatTable } from '../db/schema.ts';

export const toChat = (row: ChatTable): Chat => ({
  id: row.id,
  botId: row.bot_id,
  title: row.title,
  pinned: row.pinned === 1,
  archived: row.archived === 1,
  model: row.model,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
  // bigint columns may come back as strings on PostgreSQL
  totals: {
    messages: Number(row.message_count),
    inputTokens: Number(row.input_tokens),
    outputTokens: Number(row.output_tokens),
    costUsd: Number(row.cost_micros) / 1_000_000,
    unpricedAnswers: Number(row.unpriced_answers),
  },
  currentMessageId: row.current_message_id ?? null,
});

export type ArchivedFilter = 'true' | 'false' | 'all';

/** Where a page of a chat list ends: the sort key of its last chat. */
export interface ChatListKey {
  pinned: number;
  updatedAt: string;
  id: string;
}

export function encodeChatCursor(key: ChatListKey): string {
  return encodeListCursor('chats', { flag: key.pinned, time: key.updatedAt, id: key.id });
}

export function decodeChatCursor(cursor: string): ChatListKey | null {
  const key = decodeListCursor('chats', cursor);
  return key && { pinned: key.flag, updatedAt: key.time, id: key.id };
}

export class ChatRepository {
  constructor(private readonly db: Db) {}

  /**
   * One page of a bot's chats in sidebar order (pinned first, then newest activity), after `after`:
   * keyset paging, so chats created or touched meanwhile move above the pages already read instead of
   * shifting the ones still to come. Reads one row more than `limit` to tell whether a page follows.
   */
  async pageForBot(
    userId: string,
    botId: string,
    archived: ArchivedFilter,
    limit: number,
    after?: ChatListKey,
  ): Promise<{ rows: ChatTable[]; next: ChatListKey | null }> {
    let query = this.db
      .selectFrom('chats')
      .selectAll()
      .where('user_id', '=', userId)
      .where('bot_id', '=', botId);
    if (archived !== 'all') query = query.where('archived', '=', archived === 'true' ? 1 : 0);
    if (after) {
      query = query.where((eb) =>
        eb.or([
          eb('pinned', '<', after.pinned),
          eb.and([
            eb('pinned', '=', after.pinned),
            eb.or([
              eb('updated_at', '<', after.updatedAt),
              eb.and([eb('updated_at', '=', after.updatedAt), eb('id', '<', after.id)]),
            ]),
          ]),
        ]),
      );
    }
    const rows = await query
      .orderBy('pinned', 'desc')
      .orderBy('updated_at', 'desc')
      .orderBy('id', 'desc')
      .limit(limit + 1)
      .execute();
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return {
      rows: page,
      next:
        rows.length > limit && last
          ? { pinned: Number(last.pinned), updatedAt: last.updated_at, id: last.id }
          : null,
    };
  }

  findOwned(userId: string, chatId: string): Promise<ChatTable | undefined> {
    return this.db
      .selectFrom('chats')
      .selectAll()
      .where('id', '=', chatId)
      .where('user_id', '=', userId)
      .executeTakeFirst();
  }

  async update(userId: string, chatId: string, changes: Partial<ChatTable>): Promise<void> {
    await this.db
      .updateTable('chats')
      .set(changes)
      .where('id', '=', chatId)
      .where('user_id', '=', userId)
      .execute();
  }

  async delete(userId: string, chatId: string): Promise<boolean> {
    const result = await this.db
      .deleteFrom('chats')
      .where('id', '=', chatId)
      .where('user_id', '=', userId)
      .executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }
}
