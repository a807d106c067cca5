import { z } from 'zod';
import { IdSchema, IsoDateSchema, ModelIdSchema } from './common.ts';
import { ChatSchema, MessageSchema } from './entities.ts';
import { LIMITS } from './limits.ts';
import { CreateBotBodySchema } from './rest.ts';

// Templates (the marketplace), portable bot files and chat exports: API.md "Templates and portable bots".

/** What kind of model a template is written for; the gallery shows the sentence. */
export const MODEL_CLASSES = {
  fast: 'A small, fast model is enough',
  balanced: 'A capable general-purpose model',
  reasoning: 'A strong reasoning model pays off',
} as const;
export const ModelClassSchema = z.enum(Object.keys(MODEL_CLASSES) as [keyof typeof MODEL_CLASSES]);
export type ModelClass = z.infer<typeof ModelClassSchema>;

/** The category of the bots the instance's users published ("team templates"). */
export const TEAM_CATEGORY = { id: 'team', name: 'Your team' } as const;

export const TemplateSchema = z.object({
  id: IdSchema,
  name: z.string(),
  description: z.string(),
  /** A category id of `GET /api/templates`' `categories`; `team` for published bots. */
  category: z.string(),
  tags: z.array(z.string()),
  icon: z.string(),
  color: z.string(),
  systemPrompt: z.string(),
  /** Team templates carry the published bot's model; built-in ones suggest a class instead. */
  models: z.object({ default: z.string().optional() }).optional(),
  modelClass: ModelClassSchema.optional(),
  starters: z.array(z.string()),
  source: z.enum(['builtin', 'team']),
  /** Team templates: who published it, and when the snapshot was taken. */
  publisher: z.string().optional(),
  publishedAt: IsoDateSchema.optional(),
  /** Team templates the caller published: the bot the snapshot was taken from. */
  botId: IdSchema.optional(),
});
export type Template = z.infer<typeof TemplateSchema>;

export const TemplateCategorySchema = z.object({ id: z.string(), name: z.string(), count: z.number() });
export type TemplateCategory = z.infer<typeof TemplateCategorySchema>;

/** `GET /api/templates`: `categories` counts the templates matching `q` (the category filter aside). */
export const TemplatesResponseSchema = z.object({
  templates: z.array(TemplateSchema),
  categories: z.array(TemplateCategorySchema),
});
export type TemplatesResponse = z.infer<typeof TemplatesResponseSchema>;

export const ListTemplatesQuerySchema = z.strictObject({
  category: z.string().trim().min(1, 'must not be empty').max(50).optional(),
  q: z.string().max(200).optional(),
});
export type ListTemplatesQuery = z.infer<typeof ListTemplatesQuerySchema>;

export const TemplateParamsSchema = z.strictObject({ templateId: IdSchema });

/** `POST /api/templates/:templateId/install` takes no options yet: an empty body (or none). */
export const InstallTemplateBodySchema = z.strictObject({});

const TagSchema = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(30)
  .regex(/^[\p{Ll}\p{N}][\p{Ll}\p{N} &+-]*$/u, 'lower-case words, digits, spaces, & + -');

/** `PUT /api/bots/:botId/publication`: publish (or refresh) the bot's snapshot as a team template. */
export const PublishBotBodySchema = z.strictObject({ tags: z.array(TagSchema).max(8).optional() });
export type PublishBotBody = z.infer<typeof PublishBotBodySchema>;

// ---- portable bots ----------------------------------------------------------------------------------

export const BOT_FILE_FORMAT = 'cachibot.bot';
export const BOT_FILE_VERSION = 1;

/** Tools a bot may call, each `auto` or `ask`; a tool absent is off. */
export const BotToolsSchema = z.record(z.string().min(1).max(100), z.enum(['auto', 'ask']));

/** A bot in a `cachibot.bot` file: the fields of `POST /api/bots`, plus its tools. Never a key. */
export const PortableBotSchema = CreateBotBodySchema.extend({ tools: BotToolsSchema.optional() });

export const BotFileSchema = z.strictObject({
  format: z.literal(BOT_FILE_FORMAT, { error: `must be "${BOT_FILE_FORMAT}"` }),
  version: z.literal(BOT_FILE_VERSION, { error: `must be ${BOT_FILE_VERSION}` }),
  exportedAt: z.string().max(100).optional(),
  bot: PortableBotSchema,
});
export type BotFile = z.infer<typeof BotFileSchema>;

/** `GET /api/bots/:botId/export`: every field written out. */
export interface BotExport {
  format: typeof BOT_FILE_FORMAT;
  version: typeof BOT_FILE_VERSION;
  exportedAt: string;
  bot: Required<Omit<z.infer<typeof PortableBotSchema>, 'models'>> & {
    models: { default: string; utility?: string };
  };
}

/**
 * A bot exported by the CachiBot platform (`version: "1.0"`). Other fields of that format (its tool
 * names among them) are read and ignored; `model` becomes the bot's default model.
 */
export const CachiBotExportSchema = z.object({
  version: z.literal('1.0', { error: 'must be "1.0"' }),
  exportedAt: z.string().max(100).nullish(),
  bot: z.object({
    name: CreateBotBodySchema.shape.name,
    description: z.string().max(LIMITS.descriptionChars).nullish(),
    icon: z.string().max(100).nullish(),
    color: z.string().max(32).nullish(),
    /** `""` = the system default; else a model id (`provider/model`). */
    model: z
      .string()
      .max(LIMITS.modelIdChars)
      .refine((model) => model === '' || ModelIdSchema.safeParse(model).success, {
        error: 'must look like "provider/model"',
      }),
    systemPrompt: z.string().max(LIMITS.systemPromptChars),
    tools: z.array(z.string().max(200)).max(500).nullish(),
  }),
});
export type CachiBotExport = z.infer<typeof CachiBotExportSchema>;

// ---- chat export ------------------------------------------------------------------------------------

export const ChatExportQuerySchema = z.strictObject({
  format: z.enum(['md', 'json'], { error: 'must be "md" or "json"' }).default('md'),
});
export type ChatExportQuery = z.infer<typeof ChatExportQuerySchema>;

/** `GET /api/chats/:chatId/export?format=json`: the branch the chat shows, root first, every record. */
export const ChatFileSchema = z.object({
  format: z.literal('cachibot.chat'),
  version: z.literal(1),
  exportedAt: IsoDateSchema,
  chat: ChatSchema,
  bot: z.object({ id: IdSchema, name: z.string(), description: z.string(), icon: z.string() }),
  messages: z.array(MessageSchema),
});
export type ChatFile = z.infer<typeof ChatFileSchema>;
