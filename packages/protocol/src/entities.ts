import { z } from 'zod';
import { ErrorInfoSchema, IdSchema, IsoDateSchema } from './common.ts';

export const UserSchema = z.object({
  id: IdSchema,
  username: z.string(),
  role: z.enum(['admin', 'user']),
  createdAt: IsoDateSchema,
});
export type User = z.infer<typeof UserSchema>;

export const BotSchema = z.object({
  id: IdSchema,
  name: z.string(),
  description: z.string(),
  icon: z.string(),
  color: z.string(),
  systemPrompt: z.string(),
  models: z.object({ default: z.string(), utility: z.string().optional() }),
  fallbackModels: z.array(z.string()),
  settings: z.object({ temperature: z.number().optional(), maxOutputTokens: z.number().optional() }),
  /** Conversation starters: shown as buttons in an empty chat, each sends itself. */
  starters: z.array(z.string()),
  createdAt: IsoDateSchema,
  updatedAt: IsoDateSchema,
});
export type Bot = z.infer<typeof BotSchema>;

/**
 * What a chat has cost so far, kept by the server as answers finish: every message (user and
 * assistant, all siblings), the tokens and the cost of every answer. `unpricedAnswers` counts answers
 * whose price was unknown (their cost is not in `costUsd`).
 */
export const ChatTotalsSchema = z.object({
  messages: z.number().int().nonnegative(),
  inputTokens: z.number().int().nonnegative(),
  outputTokens: z.number().int().nonnegative(),
  costUsd: z.number().nonnegative(),
  unpricedAnswers: z.number().int().nonnegative(),
});
export type ChatTotals = z.infer<typeof ChatTotalsSchema>;

export const ChatSchema = z.object({
  id: IdSchema,
  botId: IdSchema,
  title: z.string(),
  pinned: z.boolean(),
  archived: z.boolean(),
  model: z.string().nullable(),
  createdAt: IsoDateSchema,
  updatedAt: IsoDateSchema,
  totals: ChatTotalsSchema,
  /** The leaf of the branch the chat shows; the web app shows the path from the root to it. */
  currentMessageId: IdSchema.nullable(),
});
export type Chat = z.infer<typeof ChatSchema>;

export const UsageSchema = z.object({
  inputTokens: z.number(),
  outputTokens: z.number(),
  totalTokens: z.number(),
  cachedInputTokens: z.number().optional(),
  reasoningTokens: z.number().optional(),
});
export type Usage = z.infer<typeof UsageSchema>;

export const FinishReasonSchema = z.enum([
  'stop',
  'length',
  'tool-calls',
  'content-filter',
  'cancelled',
  'error',
  'other',
]);
export type FinishReason = z.infer<typeof FinishReasonSchema>;

export const AttemptSchema = z.object({
  model: z.string(),
  error: ErrorInfoSchema.optional(),
  startedAt: IsoDateSchema,
  durationMs: z.number(),
});
export type Attempt = z.infer<typeof AttemptSchema>;

export const PerModelUsageSchema = z.object({
  inputTokens: z.number(),
  outputTokens: z.number(),
  costUsd: z.number().optional(),
  calls: z.number(),
  durationMs: z.number(),
});

/**
 * A budget from 80 % on: what the answer's bot or user has spent this UTC month against its limit
 * (the higher of the two, when both have one), counting this answer.
 */
export const BudgetNoticeSchema = z.strictObject({
  spentUsd: z.number(),
  limitUsd: z.number(),
  scope: z.enum(['bot', 'user']),
});
export type BudgetNotice = z.infer<typeof BudgetNoticeSchema>;

export const MessageMetadataSchema = z.object({
  model: z.string().optional(),
  modelRequested: z.string().optional(),
  providerModelId: z.string().optional(),
  usage: UsageSchema.optional(),
  costUsd: z.number().optional(),
  catalogueVersion: z.string().optional(),
  ttftMs: z.number().optional(),
  durationMs: z.number().optional(),
  tokensPerSecond: z.number().optional(),
  finishReason: FinishReasonSchema.optional(),
  attempts: z.array(AttemptSchema).optional(),
  perModel: z.record(z.string(), PerModelUsageSchema).optional(),
  /** From 80 % of a monthly budget: the spend it had reached with this answer. */
  budget: BudgetNoticeSchema.optional(),
  error: ErrorInfoSchema.optional(),
  /** Answers of one compare share it: the id of the user message they answer. */
  compareId: z.string().optional(),
});
/** `{}` for user messages; `model` and `modelRequested` are always set on assistant messages. */
export type MessageMetadata = z.infer<typeof MessageMetadataSchema>;

export const MessageStatusSchema = z.enum(['complete', 'streaming', 'cancelled', 'error']);
export type MessageStatus = z.infer<typeof MessageStatusSchema>;

export const MessageSchema = z.object({
  id: IdSchema,
  chatId: IdSchema,
  role: z.enum(['user', 'assistant', 'system']),
  content: z.string(),
  status: MessageStatusSchema,
  parentId: IdSchema.nullable(),
  createdAt: IsoDateSchema,
  updatedAt: IsoDateSchema,
  metadata: MessageMetadataSchema,
  /** The owner's vote on an answer: 1 (up), -1 (down); absent when none. */
  vote: z.union([z.literal(1), z.literal(-1)]).optional(),
});
export type Message = z.infer<typeof MessageSchema>;

export const PricingSchema = z.object({
  inputPerMTok: z.number(),
  outputPerMTok: z.number(),
  cachedInputPerMTok: z.number().optional(),
});
export type Pricing = z.infer<typeof PricingSchema>;

export const ModelInfoSchema = z.object({
  id: z.string(),
  provider: z.string(),
  name: z.string(),
  contextWindow: z.number().optional(),
  maxOutputTokens: z.number().optional(),
  pricing: PricingSchema.optional(),
  capabilities: z
    .object({
      tools: z.boolean().optional(),
      vision: z.boolean().optional(),
      reasoning: z.boolean().optional(),
    })
    .optional(),
});
export type ModelInfo = z.infer<typeof ModelInfoSchema>;

export const ModelsResponseSchema = z.object({
  default: z.string().nullable(),
  groups: z.record(z.string(), z.array(ModelInfoSchema)),
  catalogueVersion: z.string().optional(),
  providers: z
    .array(z.object({ id: z.string(), available: z.boolean(), error: z.string().optional() }))
    .optional(),
});
export type ModelsResponse = z.infer<typeof ModelsResponseSchema>;

/** A bot's own provider settings as the browser may see them: never the key itself. */
export const BotProviderSettingSchema = z.object({
  provider: z.string(),
  apiKeySet: z.boolean(),
  apiKeyLast4: z.string().optional(),
  baseURL: z.string().optional(),
  updatedAt: z.string(),
});
export type BotProviderSetting = z.infer<typeof BotProviderSettingSchema>;
