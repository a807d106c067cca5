import type { Bot, BotsPage, CreateBotBody, ListBotsQuery, UpdateBotBody } from '@cachibot/protocol';
import type { Db } from '../db/database.ts';
import type { BotTable } from '../db/schema.ts';
import { badRequest, notFound } from '../errors.ts';
import { newId, nowIso } from '../ids.ts';
import { BotRepository, decodeBotCursor, encodeBotCursor, toBot } from './bot-repository.ts';

const DEFAULT_BOT: CreateBotBody = {
  name: 'Cachibot',
  description: 'A helpful general assistant.',
  icon: '🤖',
  color: '#6366f1',
  systemPrompt: 'You are Cachibot, a helpful, precise assistant. Answer in Markdown.',
  models: { default: '' },
};

/** A cursor is only ever one this list handed out; anything else names the field, like a schema error. */
const invalidCursor = () =>
  badRequest('Invalid query: cursor: is not a cursor this list handed out', [
    { path: 'cursor', message: 'is not a cursor this list handed out', code: 'invalid_cursor' },
  ]);

export class BotService {
  constructor(private readonly bots: BotRepository) {}

  /** One page of the user's bots; `cursor` is a `nextCursor` this list handed out. */
  async list(userId: string, query: ListBotsQuery): Promise<BotsPage> {
    const after = query.cursor === undefined ? undefined : decodeBotCursor(query.cursor);
    if (after === null) throw invalidCursor();
    const { rows, next } = await this.bots.pageForUser(userId, query.limit, after);
    return { bots: rows.map(toBot), nextCursor: next ? encodeBotCursor(next) : null };
  }

  /** The bot row as the turn engine needs it: loaded from our database, never from the client. */
  async getOwnedRow(userId: string, botId: string): Promise<BotTable> {
    const row = await this.bots.findOwned(userId, botId);
    if (!row) throw notFound('Bot');
    return row;
  }

  async get(userId: string, botId: string): Promise<Bot> {
    return toBot(await this.getOwnedRow(userId, botId));
  }

  async create(
    userId: string,
    body: CreateBotBody,
    isDefault = false,
    repository: BotRepository = this.bots,
  ): Promise<Bot> {
    const now = nowIso();
    const row: BotTable = {
      id: newId(),
      user_id: userId,
      name: body.name,
      description: body.description ?? '',
      icon: body.icon ?? '🤖',
      color: body.color ?? '#6366f1',
      system_prompt: body.systemPrompt ?? '',
      default_model: body.models?.default ?? '',
      utility_model: body.models?.utility ?? null,
      fallback_models: JSON.stringify(body.fallbackModels ?? []),
      settings: JSON.stringify(body.settings ?? {}),
      starters: JSON.stringify(body.starters ?? []),
      is_default: isDefault ? 1 : 0,
      created_at: now,
      updated_at: now,
    };
    await repository.insert(row);
    return toBot(row);
  }

  /** `within`: the transaction that creates the user, so that a user never exists without its bot. */
  createDefaultBot(userId: string, within?: Db): Promise<Bot> {
    return this.create(userId, DEFAULT_BOT, true, within ? new BotRepository(within) : this.bots);
  }

  async update(userId: string, botId: string, body: UpdateBotBody): Promise<Bot> {
    await this.getOwnedRow(userId, botId);
    const changes: Partial<BotTable> = { updated_at: nowIso() };
    if (body.name !== undefined) changes.name = body.name;
    if (body.description !== undefined) changes.description = body.description;
    if (body.icon !== undefined) changes.icon = body.icon;
    if (body.color !== undefined) changes.color = body.color;
    if (body.systemPrompt !== undefined) changes.system_prompt = body.systemPrompt;
    if (body.models !== undefined) {
      changes.default_model = body.models.default;
      changes.utility_model = body.models.utility ?? null;
    }
    if (body.fallbackModels !== undefined) changes.fallback_models = JSON.stringify(body.fallbackModels);
    if (body.settings !== undefined) changes.settings = JSON.stringify(body.settings);
    if (body.starters !== undefined) changes.starters = JSON.stringify(body.starters);
    await this.bots.update(userId, botId, changes);
    return this.get(userId, botId);
  }

  async delete(userId: string, botId: string): Promise<void> {
    if (!(await this.bots.delete(userId, botId))) throw notFound('Bot');
  }
}
