import { z } from 'zod';
import { IdSchema, ModelIdSchema } from './common.ts';
import type { Bot, Chat } from './entities.ts';
import { LIMITS } from './limits.ts';

const nonBlank = (max: number) => z.string().trim().min(1, 'must not be empty').max(max);

export const CredentialsBodySchema = z.strictObject({
  username: z
    .string()
    .trim()
    .min(1, 'must not be empty')
    .max(LIMITS.usernameChars)
    .regex(/^[\p{L}\p{N}._@-]+$/u, 'may contain letters, digits and . _ @ - only'),
  password: z.string().min(LIMITS.passwordMinChars).max(LIMITS.passwordMaxChars),
});
export type CredentialsBody = z.infer<typeof CredentialsBodySchema>;

export const ChangePasswordBodySchema = z.strictObject({
  currentPassword: z.string().min(1).max(LIMITS.passwordMaxChars),
  newPassword: z.string().min(LIMITS.passwordMinChars).max(LIMITS.passwordMaxChars),
});

export const CreateUserBodySchema = CredentialsBodySchema.extend({
  role: z.enum(['admin', 'user']).optional(),
});
export type CreateUserBody = z.infer<typeof CreateUserBodySchema>;

/** `""` means "use the system default". */
const BotModelSchema = z.union([z.literal(''), ModelIdSchema]);

const botFields = {
  name: nonBlank(LIMITS.nameChars),
  description: z.string().max(LIMITS.descriptionChars),
  icon: z.string().max(32),
  color: z.string().max(32),
  systemPrompt: z.string().max(LIMITS.systemPromptChars),
  models: z.strictObject({ default: BotModelSchema, utility: ModelIdSchema.optional() }),
  fallbackModels: z.array(ModelIdSchema).max(LIMITS.fallbackModels),
  settings: z.strictObject({
    temperature: z.number().min(0).max(2).optional(),
    maxOutputTokens: z.number().int().min(1).max(1_000_000).optional(),
  }),
  starters: z
    .array(nonBlank(LIMITS.starterChars))
    .max(LIMITS.startersPerBot, `at most ${LIMITS.startersPerBot} starters`),
};

export const CreateBotBodySchema = z.strictObject({
  name: botFields.name,
  description: botFields.description.optional(),
  icon: botFields.icon.optional(),
  color: botFields.color.optional(),
  systemPrompt: botFields.systemPrompt.optional(),
  models: botFields.models.optional(),
  fallbackModels: botFields.fallbackModels.optional(),
  settings: botFields.settings.optional(),
  starters: botFields.starters.optional(),
});
export type CreateBotBody = z.infer<typeof CreateBotBodySchema>;

export const UpdateBotBodySchema = CreateBotBodySchema.partial();
export type UpdateBotBody = z.infer<typeof UpdateBotBodySchema>;

export const CreateChatBodySchema = z.strictObject({
  title: z.string().trim().max(LIMITS.titleChars).optional(),
});
export type CreateChatBody = z.infer<typeof CreateChatBodySchema>;

export const UpdateChatBodySchema = z.strictObject({
  title: nonBlank(LIMITS.titleChars).optional(),
  pinned: z.boolean().optional(),
  archived: z.boolean().optional(),
  model: ModelIdSchema.nullable().optional(),
  /** Shows another branch: a message of this chat (its leaf, or any message on it). */
  currentMessageId: IdSchema.optional(),
});
export type UpdateChatBody = z.infer<typeof UpdateChatBodySchema>;

/** `POST /api/chats/:chatId/fork`: a new chat holding copies of the path from the root to `messageId`. */
export const ForkChatBodySchema = z.strictObject({ messageId: IdSchema });
export type ForkChatBody = z.infer<typeof ForkChatBodySchema>;

/** `POST /api/messages/:messageId/vote`: 1 up, -1 down, 0 takes the vote back. */
export const VoteBodySchema = z.strictObject({
  value: z.union([z.literal(1), z.literal(0), z.literal(-1)], { error: 'must be 1, 0 or -1' }),
});
export type VoteBody = z.infer<typeof VoteBodySchema>;

/** `GET /api/leaderboard`: per model, from the caller's own answers and votes on compared answers. */
export const LeaderboardRowSchema = z.object({
  model: z.string(),
  wins: z.number(),
  losses: z.number(),
  answers: z.number(),
  medianCostUsd: z.number().nullable(),
  medianTtftMs: z.number().nullable(),
  medianTokensPerSecond: z.number().nullable(),
});
export type LeaderboardRow = z.infer<typeof LeaderboardRowSchema>;

export const ListMessagesQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(LIMITS.messagesPageMax).default(50),
  before: z.string().max(200).optional(),
});
export type ListMessagesQuery = z.infer<typeof ListMessagesQuerySchema>;

/** Bot and chat lists page by keyset: `cursor` is opaque, handed out as the previous page's `nextCursor`. */
export const LIST_PAGE = { defaultLimit: 50, maxLimit: 200, cursorChars: 500 } as const;

const listPageFields = {
  limit: z.coerce.number().int().min(1).max(LIST_PAGE.maxLimit).default(LIST_PAGE.defaultLimit),
  cursor: z.string().min(1, 'must not be empty').max(LIST_PAGE.cursorChars).optional(),
};

export const ListBotsQuerySchema = z.strictObject(listPageFields);
export type ListBotsQuery = z.infer<typeof ListBotsQuerySchema>;

export const ListChatsQuerySchema = z.strictObject({
  archived: z.enum(['true', 'false', 'all']).optional(),
  ...listPageFields,
});
export type ListChatsQuery = z.infer<typeof ListChatsQuerySchema>;

/** `GET /api/bots`: `nextCursor` is null on the last page. */
export interface BotsPage {
  bots: Bot[];
  nextCursor: string | null;
}

/** `GET /api/bots/:botId/chats`: `nextCursor` is null on the last page. */
export interface ChatsPage {
  chats: Chat[];
  nextCursor: string | null;
}

export const IdParamsSchema = {
  bot: z.strictObject({ botId: IdSchema }),
  chat: z.strictObject({ chatId: IdSchema }),
  user: z.strictObject({ userId: IdSchema }),
  message: z.strictObject({ messageId: IdSchema }),
};

/** Provider ids a bot may hold its own key or base URL for. */
export const PROVIDER_IDS = [
  'openai',
  'anthropic',
  'ollama',
  'compatible',
  'openrouter',
  'groq',
  'google',
  'mistral',
  'deepseek',
  'xai',
  'lmstudio',
] as const;

export const BotProviderParamsSchema = z.strictObject({ botId: IdSchema, provider: z.enum(PROVIDER_IDS) });

export const PutBotProviderBodySchema = z
  .strictObject({
    apiKey: z.string().trim().min(8, 'looks too short for an API key').max(500).optional(),
    baseURL: z
      .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
      .max(500)
      .optional(),
  })
  .refine((body) => body.apiKey !== undefined || body.baseURL !== undefined, 'give apiKey, baseURL or both');
export type PutBotProviderBody = z.infer<typeof PutBotProviderBodySchema>;
