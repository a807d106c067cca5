import { z } from 'zod';
import { IdSchema, ModelIdSchema } from './common.ts';

/** `YYYY-MM-DD`, a real calendar day (UTC). */
export const UsageDaySchema = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD')
  .refine((day) => {
    const time = Date.parse(`${day}T00:00:00Z`);
    return Number.isFinite(time) && new Date(time).toISOString().startsWith(day);
  }, 'is not a calendar date');

export const USAGE_GROUPS = ['model', 'bot', 'day', 'user'] as const;
export type UsageGroupBy = (typeof USAGE_GROUPS)[number];
/** The longest range one usage query may cover, in days (both ends included). */
export const USAGE_MAX_RANGE_DAYS = 400;

/** `GET /api/usage` and `GET /api/usage.csv`. Without `from`/`to`: the current UTC month. */
export const UsageQuerySchema = z.strictObject({
  from: UsageDaySchema.optional(),
  to: UsageDaySchema.optional(),
  groupBy: z.enum(USAGE_GROUPS, { error: 'must be one of model, bot, day, user' }).default('model'),
  scope: z.enum(['me', 'all'], { error: 'must be me or all' }).default('me'),
});
export type UsageQuery = z.infer<typeof UsageQuerySchema>;

const count = z.number().int().nonnegative();

/** One group of stored answers. Percentiles are `null` when no answer of the group has the figure. */
export interface UsageRow {
  key: string;
  label?: string;
  answers: number;
  inputTokens: number;
  outputTokens: number;
  cachedInputTokens: number;
  reasoningTokens: number;
  costUsd: number;
  unpricedAnswers: number;
  ttftMsP50: number | null;
  ttftMsP95: number | null;
  tokensPerSecondP50: number | null;
  /** `groupBy=day` only: the day split by the model that answered. */
  byModel?: UsageRow[];
}

export const UsageRowSchema: z.ZodType<UsageRow> = z.lazy(() =>
  z.object({
    key: z.string(),
    label: z.string().optional(),
    answers: count,
    inputTokens: count,
    outputTokens: count,
    cachedInputTokens: count,
    reasoningTokens: count,
    costUsd: z.number().nonnegative(),
    unpricedAnswers: count,
    ttftMsP50: z.number().nullable(),
    ttftMsP95: z.number().nullable(),
    tokensPerSecondP50: z.number().nullable(),
    byModel: z.array(UsageRowSchema).optional(),
  }),
);

export const UsageResponseSchema = z.object({
  from: z.string(),
  to: z.string(),
  groupBy: z.enum(USAGE_GROUPS),
  scope: z.enum(['me', 'all']),
  rows: z.array(UsageRowSchema),
  totals: UsageRowSchema,
});
export type UsageResponse = z.infer<typeof UsageResponseSchema>;

/** The columns of `GET /api/usage.csv`, in order (`byModel` is not part of it). */
export const USAGE_CSV_COLUMNS = [
  'key',
  'label',
  'answers',
  'inputTokens',
  'outputTokens',
  'cachedInputTokens',
  'reasoningTokens',
  'costUsd',
  'unpricedAnswers',
  'ttftMsP50',
  'ttftMsP95',
  'tokensPerSecondP50',
] as const satisfies readonly (keyof UsageRow)[];

// ---- budgets -----------------------------------------------------------------------------------

export const BUDGET_ACTIONS = ['block', 'warn', 'downgrade'] as const;
export type BudgetAction = (typeof BUDGET_ACTIONS)[number];
/** The largest monthly budget accepted, in USD. */
export const BUDGET_MAX_USD = 1_000_000;

/** `PUT /api/bots/:botId/budget` and `PUT /api/users/:userId/budget`. */
export const BudgetBodySchema = z
  .strictObject({
    monthlyUsd: z
      .number({ error: 'must be a number of USD' })
      .gt(0, 'must be more than 0')
      .max(BUDGET_MAX_USD, `must be at most ${BUDGET_MAX_USD}`)
      .refine((usd) => Math.round(usd * 1_000_000) >= 1, 'must be at least $0.000001'),
    action: z.enum(BUDGET_ACTIONS, { error: 'must be one of block, warn, downgrade' }),
    downgradeModel: ModelIdSchema.optional(),
  })
  .superRefine((body, context) => {
    if (body.action === 'downgrade' && !body.downgradeModel)
      context.addIssue({ code: 'custom', path: ['downgradeModel'], message: 'is required for downgrade' });
  });
export type BudgetBody = z.infer<typeof BudgetBodySchema>;

/** A bot's or user's budget with this month's spend; without a budget set, `monthlyUsd` and `action` are null. */
export const BudgetSchema = z.object({
  scope: z.enum(['bot', 'user']),
  /** The bot's or the user's id. */
  subjectId: IdSchema,
  monthlyUsd: z.number().nullable(),
  action: z.enum(BUDGET_ACTIONS).nullable(),
  downgradeModel: z.string().optional(),
  /** Priced answers of the current UTC month (`month`). */
  spentUsd: z.number(),
  month: z.string(),
  updatedAt: z.string().nullable(),
});
export type Budget = z.infer<typeof BudgetSchema>;
