import { z } from 'zod';
import { IdSchema, IsoDateSchema } from './common.ts';
import { LIMITS } from './limits.ts';

// ---- personal API keys (`/api/keys`, with the session) --------------------------------------------

/** Keys one user may hold; and the prefix every key starts with (so leaked keys are recognisable). */
export const API_KEY_LIMITS = { perUser: 50, nameChars: 100 } as const;
export const API_KEY_PREFIX = 'cbk_';

export const CreateApiKeyBodySchema = z.strictObject({
  name: z.string().trim().min(1, 'must not be empty').max(API_KEY_LIMITS.nameChars),
});
export type CreateApiKeyBody = z.infer<typeof CreateApiKeyBodySchema>;

/** A key as listed: never the key itself, only its last 4 characters. */
export const ApiKeySchema = z.object({
  id: IdSchema,
  name: z.string(),
  last4: z.string(),
  createdAt: IsoDateSchema,
  lastUsedAt: IsoDateSchema.nullable(),
});
export type ApiKey = z.infer<typeof ApiKeySchema>;

/** The answer to `POST /api/keys`: the only time `key` is ever shown. */
export const CreatedApiKeySchema = ApiKeySchema.extend({ key: z.string() });
export type CreatedApiKey = z.infer<typeof CreatedApiKeySchema>;

export const ApiKeysResponseSchema = z.object({ keys: z.array(ApiKeySchema) });
export type ApiKeysResponse = z.infer<typeof ApiKeysResponseSchema>;

// ---- `POST /v1/chat/completions` (OpenAI's request shape) ------------------------------------------
//
// Loose objects: OpenAI clients send many fields this server does not use (temperature, tools, user,
// seed …); they are accepted and ignored rather than refused. Only what changes the answer's meaning
// is checked: the model, the messages, `n`, `stream`, `stream_options` and `store`.

/** `bot:<botId>` names a bot; anything else is a model id. */
export const BOT_MODEL_PREFIX = 'bot:';
/** Messages one request may carry (the body limit of 1 MiB usually stops it earlier). */
export const OPENAI_MAX_MESSAGES = 1_000;

const TextPartSchema = z.looseObject({
  type: z.literal('text', { error: 'only text content parts are supported' }),
  text: z.string().max(LIMITS.messageChars),
});

const ContentSchema = z.union([z.string().max(LIMITS.messageChars), z.array(TextPartSchema).max(100)], {
  error: 'must be a string or an array of text parts',
});

export const OpenAIMessageSchema = z.looseObject({
  role: z.enum(['system', 'developer', 'user', 'assistant', 'tool', 'function'], {
    error: 'must be system, developer, user, assistant, tool or function',
  }),
  // An assistant message that only called tools has `content: null`.
  content: ContentSchema.nullable().optional(),
});
export type OpenAIMessage = z.infer<typeof OpenAIMessageSchema>;

export const ChatCompletionRequestSchema = z.looseObject({
  model: z
    .string({ error: 'is required: a model id or bot:<botId>' })
    .min(1, 'must not be empty')
    .max(LIMITS.modelIdChars),
  messages: z
    .array(OpenAIMessageSchema, { error: 'is required: an array of messages' })
    .min(1, 'must hold at least one message')
    .max(OPENAI_MAX_MESSAGES),
  stream: z.boolean().nullable().optional(),
  stream_options: z.looseObject({ include_usage: z.boolean().nullable().optional() }).nullable().optional(),
  /** `false`: the answer is recorded (model, tokens, cost) but its text is not kept. */
  store: z.boolean().nullable().optional(),
  n: z.literal(1, { error: 'only n = 1 is supported' }).nullable().optional(),
});
export type ChatCompletionRequest = z.infer<typeof ChatCompletionRequestSchema>;
