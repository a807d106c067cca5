import type {
  Chat,
  ChatsPage,
  ListChatsQuery,
  ListMessagesQuery,
  Message,
  UpdateChatBody,
} from '@cachibot/protocol';
import type { BotService } from '../bots/bot-service.ts';
import type { Db } from '../db/database.ts';
import type { ChatTable } from '../db/schema.ts';
import { badRequest, notFound } from '../errors.ts';
import { newId, nowIso } from '../ids.ts';
import {
  type ArchivedFilter,
  type ChatRepository,
  decodeChatCursor,
  encodeChatCursor,
  toChat,
} from './chat-repository.ts';
import { type MessageRepository, toMessage } from './message-repository.ts';

export const NEW_CHAT_TITLE = 'New chat';

/** A chat's title from its first message: the first line, trimmed to a readable length. */
export function titleFromMessage(text: string): string {
  const line = text.trim().split('\n')[0]?.trim() ?? '';
  if (!line) return NEW_CHAT_TITLE;
  return line.length > 60 ? `${line.slice(0, 57).trimEnd()}…` : line;
}

export function newChatRow(userId: string, botId: string, title: string, model: string | null): ChatTable {
  const now = nowIso();
  return {
    id: newId(),
    user_id: userId,
    bot_id: botId,
    title,
    pinned: 0,
    archived: 0,
    model,
    created_at: now,
    updated_at: now,
    message_count: 0,
    input_tokens: 0,
    output_tokens: 0,
    cost_micros: 0,
    unpriced_answers: 0,
    current_message_id: null,
  };
}

/** A cursor is only ever one this list handed out; anything else names the field, like a schema error. */
const invalidCursor = () =>
  badRequest('Invalid query: cursor: is not a cursor this list handed out', [
    { path: 'cursor', message: 'is not a cursor this list handed out', code: 'invalid_cursor' },
  ]);

export class ChatService {
  constructor(
    private readonly db: Db,
    private readonly chats: ChatRepository,
    private readonly messages: MessageRepository,
    private readonly bots: BotService,
  ) {}

  /** One page of a bot's chats; `cursor` is a `nextCursor` this list handed out. */
  async listForBot(userId: string, botId: string, query: ListChatsQuery): Promise<ChatsPage> {
    const after = query.cursor === undefined ? undefined : decodeChatCursor(query.cursor);
    if (after === null) throw invalidCursor();
    await this.bots.getOwnedRow(userId, botId);
    const archived: ArchivedFilter = query.archived ?? 'false';
    const { rows, next } = await this.chats.pageForBot(userId, botId, archived, query.limit, after);
    return { chats: rows.map(toChat), nextCursor: next ? encodeChatCursor(next) : null };
  }

  async create(userId: string, botId: string, title?: string): Promise<Chat> {
    await this.bots.getOwnedRow(userId, botId);
    const row = newChatRow(userId, botId, title?.trim() || NEW_CHAT_TITLE, null);
    await this.db.insertInto('chats').values(row).execute();
    return toChat(row);
  }

  async getOwnedRow(userId: string, chatId: string): Promise<ChatTable> {
    const row = await this.chats.findOwned(userId, chatId);
    if (!row) throw notFound('Chat');
    return row;
  }

  async get(userId: string, chatId: string): Promise<Chat> {
    return toChat(await this.getOwnedRow(userId, chatId));
  }

  async update(userId: string, chatId: string, body: UpdateChatBody): Promise<Chat> {
    await this.getOwnedRow(userId, chatId);
    const changes: Partial<ChatTable> = {};
    if (body.title !== undefined) changes.title = body.title;
    if (body.pinned !== undefined) changes.pinned = body.pinned ? 1 : 0;
    if (body.archived !== undefined) changes.archived = body.archived ? 1 : 0;
    if (body.model !== undefined) changes.model = body.model;
    if (body.currentMessageId !== undefined) {
      const message = await this.messages.findById(body.currentMessageId);
      if (message?.chat_id !== chatId)
        throw badRequest('Invalid body: currentMessageId: is not a message of this chat', [
          { path: 'currentMessageId', message: 'is not a message of this chat', code: 'not_in_chat' },
        ]);
      changes.current_message_id = message.id;
    }
    if (Object.keys(changes).length > 0) await this.chats.update(userId, chatId, changes);
    return this.get(userId, chatId);
  }

  async delete(userId: string, chatId: string): Promise<void> {
    if (!(await this.chats.delete(userId, chatId))) throw notFound('Chat');
  }

  async listMessages(
    userId: string,
    chatId: string,
    query: ListMessagesQuery,
  ): Promise<{ messages: Message[]; nextCursor: string | null }> {
    await this.getOwnedRow(userId, chatId);
    const { rows, hasMore } = await this.messages.page(chatId, query.limit, query.before);
    return { messages: rows.map(toMessage), nextCursor: hasMore && rows[0] ? rows[0].id : null };
  }
}
