import type { CreateBotBody } from '@cachibot/protocol';
import { BotRepository } from '../bots/bot-repository.ts';
import type { BotService } from '../bots/bot-service.ts';
import { type Db, isUniqueViolation } from '../db/database.ts';
import type { BotTable } from '../db/schema.ts';
import { AppError } from '../errors.ts';

/** `api_bots` (migration 0040): each user's "API" bot. */
type ApiBotTables = {
  api_bots: { user_id: string; bot_id: string };
};

/**
 * No system prompt: a call that names a model behaves like that model behind OpenAI's API, with the
 * request's own system message as the only instructions. The owner may still give it a prompt,
 * fallback models or a budget in the bot editor; those then apply to every such call.
 */
const API_BOT: CreateBotBody = {
  name: 'API',
  description: 'Answers API calls (/v1) that name a model rather than a bot.',
  icon: '🔌',
  color: '#0ea5e9',
  systemPrompt: '',
  models: { default: '' },
};

/**
 * Calls that name a model (not `bot:<id>`) are answered by the caller's "API" bot, made on the first
 * such call: their chats stay apart from the user's own bots, and they are listed under it.
 */
export class ApiBotService {
  constructor(
    private readonly db: Db,
    private readonly bots: BotService,
  ) {}

  async botFor(userId: string): Promise<BotTable> {
    const found = await this.find(userId);
    if (found) return found;
    try {
      await this.db.transaction().execute(async (trx) => {
        const bot = await this.bots.create(userId, API_BOT, false, new BotRepository(trx));
        await trx
          .withTables<ApiBotTables>()
          .insertInto('api_bots')
          .values({ user_id: userId, bot_id: bot.id })
          .execute();
      });
    } catch (error) {
      // A parallel first call made it first (its bot and row committed, ours rolled back): use that one.
      if (!isUniqueViolation(error)) throw error;
    }
    const created = await this.find(userId);
    if (!created) throw new AppError('internal', 'The API bot could not be created');
    return created;
  }

  /** A deleted bot takes its `api_bots` row with it (cascade): the next call makes a new one. */
  private find(userId: string): Promise<BotTable | undefined> {
    return this.db
      .withTables<ApiBotTables>()
      .selectFrom('api_bots')
      .innerJoin('bots', 'bots.id', 'api_bots.bot_id')
      .selectAll('bots')
      .where('api_bots.user_id', '=', userId)
      .executeTakeFirst();
  }
}
