import type { Message, MessageMetadata } from '@cachibot/protocol';
import { sql } from 'kysely';
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
  ...(row.vote === 1 || row.vote === -1 ? { vote: row.vote } : {}),
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
   * The branch ending at `leafId`, leaf first: the message, its parent, its parent's parent … up to
   * the root or `limit` messages. Exactly what the model may see: never another branch's text.
   */
  async branchRows(leafId: string, limit: number): Promise<HistoryRow[]> {
    const result = await sql<HistoryRow>`
      with recursive branch(id, role, content, parent_id, depth) as (
        select id, role, content, parent_id, 0 from messages where id = ${leafId}
        union all
        select m.id, m.role, m.content, m.parent_id, branch.depth + 1
        from messages m join branch on m.id = branch.parent_id
        where branch.depth + 1 < ${limit}
      )
      select id, role, content, parent_id from branch order by depth`.execute(this.db);
    return result.rows;
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
