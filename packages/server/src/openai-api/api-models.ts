import { BOT_MODEL_PREFIX, type Bot, ModelIdSchema } from '@cachibot/protocol';
import type { BotService } from '../bots/bot-service.ts';
import { type ModelDirectory, splitModelId } from '../models/model-directory.ts';
import { OpenAIApiError } from './openai-errors.ts';

/** An entry of `GET /v1/models`; bots also carry their `name` (an extension OpenAI clients ignore). */
export interface OpenAIModel {
  id: string;
  object: 'model';
  created: number;
  owned_by: string;
  name?: string;
}

const BOT_PAGE = 200;
const seconds = (iso: string) => Math.floor(Date.parse(iso) / 1000);

export const modelNotFound = (model: string) =>
  new OpenAIApiError(
    'not_found',
    `The model \`${model}\` does not exist or you do not have access to it.`,
    'model_not_found',
    'model',
  );

/** The models and bots a key's owner may name in `model`, and what a requested name stands for. */
export class ApiModels {
  constructor(
    private readonly models: ModelDirectory,
    private readonly bots: BotService,
  ) {}

  /** The caller's bots (`bot:<id>`) first, then every listed model id. */
  async list(userId: string): Promise<OpenAIModel[]> {
    const bots: Bot[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.bots.list(userId, { limit: BOT_PAGE, ...(cursor ? { cursor } : {}) });
      bots.push(...page.bots);
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    const listing = await this.models.list();
    return [
      ...bots.map((bot) => ({
        id: `${BOT_MODEL_PREFIX}${bot.id}`,
        object: 'model' as const,
        created: seconds(bot.createdAt),
        owned_by: 'cachibot',
        name: bot.name,
      })),
      ...Object.values(listing.groups)
        .flat()
        .map((model) => ({ id: model.id, object: 'model' as const, created: 0, owned_by: model.provider })),
    ];
  }

  /**
   * The model id a request's plain `model` names: a listed id; a bare name (`gpt-4o-mini`) that exactly
   * one provider lists; or an id of a provider that could not list its models just now, or that the
   * answering bot has its own key for (it may know models the list does not show). Else `404`.
   */
  async resolve(requested: string, ownProviders: string[] = []): Promise<string> {
    const listing = await this.models.list();
    const ids = Object.values(listing.groups)
      .flat()
      .map((model) => model.id);
    if (ids.includes(requested)) return requested;
    const named = ids.filter((id) => splitModelId(id).name === requested);
    if (!requested.includes('/') && named.length === 1) return named[0] as string;
    const { provider } = splitModelId(requested);
    const unlisted = listing.providers?.some((entry) => entry.id === provider && !entry.available);
    if (ModelIdSchema.safeParse(requested).success && (unlisted || ownProviders.includes(provider)))
      return requested;
    throw modelNotFound(requested);
  }
}
