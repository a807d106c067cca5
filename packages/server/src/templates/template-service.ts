import {
  type Bot,
  type CreateBotBody,
  type ListTemplatesQuery,
  type PublishBotBody,
  TEAM_CATEGORY,
  type Template,
  type TemplateCategory,
  type TemplatesResponse,
  type User,
} from '@cachibot/protocol';
import type { BotService } from '../bots/bot-service.ts';
import { badRequest, notFound } from '../errors.ts';
import { newId, nowIso } from '../ids.ts';
import type { TeamTemplateRepository, TeamTemplateRow } from './team-template-repository.ts';
import type { TemplateCatalogue } from './template-catalogue.ts';

/** Team template ids carry a prefix, so they can never collide with a built-in slug. */
const TEAM_ID_PREFIX = 'team-';

/**
 * Whether a template matches a search: every word of `q` appears in its name, description or tags
 * (case-insensitive). An empty query matches everything.
 */
export function matchesQuery(template: Template, q: string | undefined): boolean {
  const words = (q ?? '').toLocaleLowerCase('en-US').split(/\s+/).filter(Boolean);
  if (words.length === 0) return true;
  const text = [template.name, template.description, ...template.tags].join('\n').toLocaleLowerCase('en-US');
  return words.every((word) => text.includes(word));
}

function teamTemplateOf(row: TeamTemplateRow, callerId: string): Template {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    category: TEAM_CATEGORY.id,
    tags: JSON.parse(row.tags) as string[],
    icon: row.icon,
    color: row.color,
    systemPrompt: row.system_prompt,
    models: { default: row.default_model },
    starters: JSON.parse(row.starters) as string[],
    source: 'team',
    publisher: row.username,
    publishedAt: row.published_at,
    ...(row.user_id === callerId ? { botId: row.bot_id } : {}),
  };
}

/** The bot a template installs as: a copy, so later changes to the template never touch it. */
function botBodyOf(template: Template, team?: TeamTemplateRow): CreateBotBody {
  const body: CreateBotBody = {
    name: template.name,
    description: template.description,
    icon: template.icon,
    color: template.color,
    systemPrompt: template.systemPrompt,
    starters: template.starters,
    models: { default: template.models?.default ?? '' },
  };
  if (team) {
    body.models = team.utility_model
      ? { default: team.default_model, utility: team.utility_model }
      : { default: team.default_model };
    body.fallbackModels = JSON.parse(team.fallback_models) as string[];
    body.settings = JSON.parse(team.settings) as CreateBotBody['settings'];
  }
  return body;
}

/** The marketplace: the shipped catalogue plus the bots the instance's users published. */
export class TemplateService {
  constructor(
    private readonly catalogue: TemplateCatalogue,
    private readonly team: TeamTemplateRepository,
    private readonly bots: BotService,
  ) {}

  async list(callerId: string, query: ListTemplatesQuery): Promise<TemplatesResponse> {
    const known = [TEAM_CATEGORY, ...this.catalogue.categories];
    if (query.category !== undefined && !known.some((category) => category.id === query.category)) {
      throw badRequest(`Invalid query: category: no category "${query.category}"`, [
        { path: 'category', message: `no category "${query.category}"`, code: 'unknown_category' },
      ]);
    }
    const teamTemplates = (await this.team.list()).map((row) => teamTemplateOf(row, callerId));
    const matching = [...teamTemplates, ...this.catalogue.templates].filter((template) =>
      matchesQuery(template, query.q),
    );
    const categories: TemplateCategory[] = known.map((category) => ({
      id: category.id,
      name: category.name,
      count: matching.filter((template) => template.category === category.id).length,
    }));
    const templates =
      query.category === undefined
        ? matching
        : matching.filter((template) => template.category === query.category);
    return { templates, categories };
  }

  /** Creates the caller's own bot from a built-in or team template. */
  async install(callerId: string, templateId: string): Promise<Bot> {
    if (templateId.startsWith(TEAM_ID_PREFIX)) {
      const row = await this.team.findById(templateId);
      if (!row) throw notFound('Template');
      return this.bots.create(callerId, botBodyOf(teamTemplateOf(row, callerId), row));
    }
    const template = this.catalogue.get(templateId);
    if (!template) throw notFound('Template');
    return this.bots.create(callerId, botBodyOf(template));
  }

  /** Publishes (or refreshes) a snapshot of the caller's bot: its fields, never its provider keys. */
  async publish(caller: User, botId: string, body: PublishBotBody): Promise<Template> {
    const bot = await this.bots.getOwnedRow(caller.id, botId);
    const row = await this.team.upsert(
      {
        id: `${TEAM_ID_PREFIX}${newId()}`,
        bot_id: bot.id,
        user_id: caller.id,
        name: bot.name,
        description: bot.description,
        icon: bot.icon,
        color: bot.color,
        system_prompt: bot.system_prompt,
        default_model: bot.default_model,
        utility_model: bot.utility_model,
        fallback_models: bot.fallback_models,
        settings: bot.settings,
        starters: bot.starters,
        tags: JSON.stringify([...new Set(body.tags ?? [])]),
        published_at: nowIso(),
      },
      body.tags !== undefined,
    );
    return teamTemplateOf({ ...row, username: caller.username }, caller.id);
  }

  async unpublish(callerId: string, botId: string): Promise<void> {
    await this.bots.getOwnedRow(callerId, botId);
    if (!(await this.team.deleteForBot(callerId, botId))) throw notFound('Published template');
  }
}
