import type { Chat } from '@cachibot/protocol';
import type { Db } from '../db/database.ts';
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
});

export type ArchivedFilter = 'true' | 'false' | 'all';

export class ChatRepository {
  constructor(private readonly db: Db) {}

  listForBot(userId: string, botId: string, archived: ArchivedFilter): Promise<ChatTable[]> {
    let query = this.db
      .selectFrom('chats')
      .selectAll()
      .where('user_id', '=', userId)
      .where('bot_id', '=', botId);
    if (archived !== 'all') query = query.where('archived', '=', archived === 'true' ? 1 : 0);
    return query.orderBy('updated_at', 'desc').orderBy('id', 'desc').execute();
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
