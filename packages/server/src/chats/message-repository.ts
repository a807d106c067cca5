import type { Message, MessageMetadata } from '@cachibot/protocol';
import type { Db } from '../db/database.ts';
import type { MessageTable } from '../db/schema.ts';

/** What building the model's history reads of a message. */
export type HistoryRow = Pick<MessageTable, 'id' | 'role' | 'content' | 'parent_id'>;

export const toMessage = (row: MessageTable): Message => ({
  id: row.id,
  chatId: row.chat_id,
  role: row.role,
  content: row.content,
  status: row.status,
  parentId: row.parent_id,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
  metadata: JSON.parse(row.metadata) as MessageMetadata,
});

export class MessageRepository {
  constructor(private readonly db: Db) {}

  /** One page, oldest first; `before` is a message id (ids are time-sortable). Uses the (chat_id, id) index. */
  async page(
    chatId: string,
    limit: number,
    before?: string,
  ): Promise<{ rows: MessageTable[]; hasMore: boolean }> {
    let query = this.db.selectFrom('messages').selectAll().where('chat_id', '=', chatId);
    if (before) query = query.where('id', '<', before);
    const rows = await query
      .orderBy('id', 'desc')
      .limit(limit + 1)
      .execute();
    const hasMore = rows.length > limit;
    return { rows: rows.slice(0, limit).reverse(), hasMore };
  }

  /**
   * The newest messages of a chat up to and including `uptoId`, newest first: the raw material for a
   * model's history (a regenerated answer must not see what was said after its question).
   */
  /** The newest messages up to `uptoId`, newest first, with only what the model's history needs. */
  historyRows(chatId: string, uptoId: string, limit: number): Promise<HistoryRow[]> {
    return this.db
      .selectFrom('messages')
      .select(['id', 'role', 'content', 'parent_id'])
      .where('chat_id', '=', chatId)
      .where('id', '<=', uptoId)
      .orderBy('id', 'desc')
      .limit(limit)
      .execute();
  }

  findById(id: string): Promise<MessageTable | undefined> {
    return this.db.selectFrom('messages').selectAll().where('id', '=', id).executeTakeFirst();
  }

  findByClientId(userId: string, clientMessageId: string): Promise<MessageTable | undefined> {
    return this.db
      .selectFrom('messages')
      .selectAll()
      .where('user_id', '=', userId)
      .where('client_message_id', '=', clientMessageId)
      .executeTakeFirst();
  }
}
