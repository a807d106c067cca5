import { newChatRow, titleFromMessage } from '../chats/chat-service.ts';
import type { Db } from '../db/database.ts';
import type { MessageTable } from '../db/schema.ts';
import { newId, nowIso } from '../ids.ts';
import type { ApiConversation } from './conversation.ts';

/** The title of a chat whose call said `store: false`: its first message's text is not kept either. */
export const UNSTORED_CHAT_TITLE = 'API call (text not kept)';

/** What the OpenAI-compatible API stores besides turns: a request's earlier messages, and forgetting. */
export class ApiChatRepository {
  constructor(private readonly db: Db) {}

  /**
   * A new chat holding the request's instructions (one system message at the root) and earlier turns
   * as plain messages, one under the other: the branch the question will continue. Returns its id.
   */
  async createWithConversation(
    userId: string,
    botId: string,
    model: string | null,
    conversation: ApiConversation,
  ): Promise<string> {
    const now = nowIso();
    const rows: MessageTable[] = [];
    const add = (role: MessageTable['role'], content: string) =>
      rows.push({
        id: newId(),
        chat_id: '',
        user_id: userId,
        role,
        content,
        status: 'complete',
        parent_id: rows.at(-1)?.id ?? null,
        client_message_id: null,
        turn_id: null,
        metadata: '{}',
        created_at: now,
        updated_at: now,
      });
    if (conversation.system) add('system', conversation.system);
    for (const message of conversation.prior) add(message.role, message.content);
    const firstQuestion = conversation.prior.find((message) => message.role === 'user');
    const chat = {
      ...newChatRow(userId, botId, titleFromMessage(firstQuestion?.content ?? conversation.question), model),
      message_count: rows.length,
      current_message_id: rows.at(-1)?.id ?? null,
    };
    for (const row of rows) row.chat_id = chat.id;
    await this.db.transaction().execute(async (trx) => {
      await trx.insertInto('chats').values(chat).execute();
      if (rows.length > 0) await trx.insertInto('messages').values(rows).execute();
    });
    return chat.id;
  }

  /**
   * `store: false`: the record stays (model, tokens, cost, timings: usage and budgets count it), the
   * text goes — of the given messages, or of the whole chat (and its title) when the call made it —
   * together with the turn's event log, which holds the text too.
   */
  async forgetText(turnId: string, chatId: string, messageIds: string[] | 'whole chat'): Promise<void> {
    const now = nowIso();
    await this.db.transaction().execute(async (trx) => {
      let messages = trx
        .updateTable('messages')
        .set({ content: '', updated_at: now })
        .where('chat_id', '=', chatId);
      if (messageIds !== 'whole chat') messages = messages.where('id', 'in', messageIds);
      await messages.execute();
      if (messageIds === 'whole chat')
        await trx.updateTable('chats').set({ title: UNSTORED_CHAT_TITLE }).where('id', '=', chatId).execute();
      await trx.deleteFrom('turn_events').where('turn_id', '=', turnId).execute();
    });
  }
}
