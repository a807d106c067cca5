import type { Bot, Chat, ChatFile, Message } from '@cachibot/protocol';
import type { BotService } from '../bots/bot-service.ts';
import type { Db } from '../db/database.ts';
import { nowIso } from '../ids.ts';
import { toChat } from './chat-repository.ts';
import type { ChatService } from './chat-service.ts';
import { type MessageRepository, toMessage } from './message-repository.ts';

/** The longest branch an export walks (far beyond any real conversation). */
const MAX_EXPORT_MESSAGES = 100_000;
/** Ids per `in (…)` list: well under SQLite's and PostgreSQL's parameter limits. */
const ID_CHUNK = 500;

export interface ChatExportData {
  chat: Chat;
  bot: Bot;
  /** The branch the chat shows, root first. */
  messages: Message[];
}

/** A chat as a file: the branch it shows (from its current message up to the root) with every record. */
export class ChatExportService {
  constructor(
    private readonly db: Db,
    private readonly chats: ChatService,
    private readonly messages: MessageRepository,
    private readonly bots: BotService,
  ) {}

  async load(userId: string, chatId: string): Promise<ChatExportData> {
    const chatRow = await this.chats.getOwnedRow(userId, chatId);
    const bot = await this.bots.get(userId, chatRow.bot_id);
    const leafId = chatRow.current_message_id ?? (await this.newestMessageId(chatId));
    if (!leafId) return { chat: toChat(chatRow), bot, messages: [] };
    const ids = (await this.messages.branchRows(leafId, MAX_EXPORT_MESSAGES)).map((row) => row.id).reverse();
    const byId = new Map<string, Message>();
    for (let start = 0; start < ids.length; start += ID_CHUNK) {
      const rows = await this.db
        .selectFrom('messages')
        .selectAll()
        .where('chat_id', '=', chatId)
        .where('id', 'in', ids.slice(start, start + ID_CHUNK))
        .execute();
      for (const row of rows) byId.set(row.id, toMessage(row));
    }
    const messages = ids.map((id) => byId.get(id)).filter((message) => message !== undefined);
    return { chat: toChat(chatRow), bot, messages };
  }

  private async newestMessageId(chatId: string): Promise<string | undefined> {
    const row = await this.db
      .selectFrom('messages')
      .select('id')
      .where('chat_id', '=', chatId)
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirst();
    return row?.id;
  }
}

export function toChatFile(data: ChatExportData, exportedAt = nowIso()): ChatFile {
  const { chat, bot, messages } = data;
  return {
    format: 'cachibot.chat',
    version: 1,
    exportedAt,
    chat,
    bot: { id: bot.id, name: bot.name, description: bot.description, icon: bot.icon },
    messages,
  };
}

const when = (iso: string) => `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
const integer = (n: number) => n.toLocaleString('en-US');
/** Dollars with the digits that matter: $0.0003, $1.25. */
function usd(amount: number): string {
  const [whole, fraction = ''] = amount.toFixed(6).replace(/0+$/, '').split('.');
  return `$${whole}.${fraction.padEnd(2, '0')}`;
}

/** One line under an answer: its model (and what was asked for, after a fallback), tokens, cost, time. */
function answerRecord(message: Message): string {
  const { metadata } = message;
  const parts: string[] = [];
  if (metadata.model) {
    const fellBack = metadata.modelRequested && metadata.modelRequested !== metadata.model;
    parts.push(`\`${metadata.model}\`${fellBack ? ` (asked for \`${metadata.modelRequested}\`)` : ''}`);
  }
  if (metadata.usage) {
    parts.push(
      `${integer(metadata.usage.inputTokens)} tokens in, ${integer(metadata.usage.outputTokens)} out`,
    );
  }
  if (metadata.costUsd !== undefined) parts.push(usd(metadata.costUsd));
  if (metadata.durationMs !== undefined) {
    const ms = metadata.durationMs;
    parts.push(ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`);
  }
  return parts.join(' · ');
}

const STATUS_NOTE: Record<Message['status'], string | undefined> = {
  complete: undefined,
  streaming: '*Still being written when exported.*',
  cancelled: '*Stopped before the end.*',
  error: '*This answer failed.*',
};

/** A readable Markdown transcript: who said what, when, and which model wrote each answer. */
export function toChatMarkdown(data: ChatExportData, exportedAt = nowIso()): string {
  const { chat, bot, messages } = data;
  const lines = [
    `# ${chat.title.replace(/\n/g, ' ')}`,
    '',
    `${bot.icon} **${bot.name}** · exported ${when(exportedAt)} · ${messages.length} message${messages.length === 1 ? '' : 's'}`,
  ];
  if (messages.length === 0) lines.push('', '*No messages yet.*');
  for (const message of messages) {
    const speaker = message.role === 'user' ? 'You' : message.role === 'assistant' ? bot.name : 'System';
    lines.push('', '---', '', `**${speaker}** · ${when(message.createdAt)}`, '');
    lines.push(message.content.trim() === '' ? '*(no text)*' : message.content.trimEnd());
    const note = message.role === 'assistant' ? STATUS_NOTE[message.status] : undefined;
    const failure = message.metadata.error?.message;
    if (note)
      lines.push('', failure && message.status === 'error' ? `*This answer failed: ${failure}*` : note);
    if (message.role === 'assistant') {
      const record = answerRecord(message);
      if (record) lines.push('', `<sub>${record}</sub>`);
    }
  }
  return `${lines.join('\n')}\n`;
}
