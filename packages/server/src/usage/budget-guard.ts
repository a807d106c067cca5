import type { Pricing } from '@cachibot/protocol';
import type { BudgetTable } from '../db/schema.ts';
import { AppError } from '../errors.ts';
import { costMicros, microsToUsd } from '../models/pricing.ts';
import type { BudgetHold, BudgetLedger } from './budget-ledger.ts';
import type { BudgetRepository } from './budget-repository.ts';
import { monthEnd, monthStart, utcToday } from './usage-range.ts';

/** What admission knows of a turn before any provider call. */
export interface BudgetTurnRequest {
  userId: string;
  botId: string;
  model: string;
  /** Length of the new message (the rest of the history is not loaded yet). */
  promptChars: number;
  maxOutputTokens?: number;
}

/** A budget that applies to the turn, with the spend stored when it was admitted. */
export interface BudgetWatch {
  scope: BudgetTable['scope'];
  limitMicros: number;
  spentMicros: number;
}

export interface BudgetDecision {
  /** The model to run: the one asked for, or a budget's `downgradeModel`. */
  model: string;
  downgrade?: { from: string; message: string; at: number };
  watches: BudgetWatch[];
  /** Holds the turn's estimate until the turn ends (then its real cost is stored). */
  hold: BudgetHold;
}

/** Without a history of the model, an answer is assumed to read this much more than the message… */
const ESTIMATE_EXTRA_INPUT_TOKENS = 1_000;
/** …and to write this much, unless the bot caps its output lower. */
const ESTIMATE_OUTPUT_TOKENS = 1_000;

const STRICTNESS: Record<BudgetTable['action'], number> = { block: 3, downgrade: 2, warn: 1 };
const ORDER = (a: BudgetTable, b: BudgetTable) =>
  STRICTNESS[b.action] - STRICTNESS[a.action] || (a.scope === 'user' ? -1 : 1);
const budgetKey = (budget: Pick<BudgetTable, 'scope' | 'subject_id'>) =>
  `${budget.scope}:${budget.subject_id}`;
/** Dollars and cents; tiny budgets with as many decimals as they need. */
export const formatUsd = (micros: number): string =>
  micros >= 10_000
    ? `$${microsToUsd(micros).toFixed(2)}`
    : `$${microsToUsd(micros).toFixed(6).replace(/0+$/, '')}`;
const usd = formatUsd;

/**
 * The budget check at admission, before any provider call. Race-free within the process: the stored
 * spend is read first, then the check and the hold happen in one synchronous step, so two turns cannot
 * both slip under a limit that only one fits. A turn may start while the spend (stored plus held) is
 * under the limit; so a budget is overspent by at most one answer's estimate.
 */
export class BudgetGuard {
  constructor(
    private readonly budgets: BudgetRepository,
    private readonly ledger: BudgetLedger,
    private readonly pricingOf: (model: string) => Pricing | undefined,
    private readonly now: () => number = Date.now,
  ) {}

  /** `undefined` when no budget applies; throws `budget_exceeded` when one with `block` is used up. */
  async admit(request: BudgetTurnRequest): Promise<BudgetDecision | undefined> {
    const budgets = await this.budgets.findForTurn(request.userId, request.botId);
    if (budgets.length === 0) return undefined;
    const today = utcToday(this.now());
    const reads = budgets.map((budget) => this.ledger.beginRead(budgetKey(budget)));
    try {
      const spends = await Promise.all(
        budgets.map((budget) =>
          this.budgets.monthSpend(budget.scope, budget.subject_id, monthStart(today), monthEnd(today)),
        ),
      );
      // From here on synchronous: check and hold as one step.
      const checked = budgets.map((budget, index) => {
        const spend = spends[index] as (typeof spends)[number];
        const read = reads[index] as (typeof reads)[number];
        const committed = spend.spentMicros + this.ledger.outstanding(read);
        return { budget, spend, over: committed >= budget.monthly_micros };
      });
      const over = checked.filter((entry) => entry.over).map((entry) => entry.budget);
      over.sort(ORDER);
      const strictest = over[0];
      if (strictest?.action === 'block') throw exceeded(strictest);
      const model =
        strictest?.action === 'downgrade' && strictest.downgrade_model
          ? strictest.downgrade_model
          : request.model;
      const holds = checked.map(({ budget, spend }) =>
        this.ledger.hold(budgetKey(budget), this.estimate(request, model, spend.maxMicrosByModel.get(model))),
      );
      return {
        model,
        ...(model !== request.model && strictest
          ? {
              downgrade: { from: request.model, message: downgradeMessage(strictest, model), at: this.now() },
            }
          : {}),
        watches: checked.map(({ budget, spend }) => ({
          scope: budget.scope,
          limitMicros: budget.monthly_micros,
          spentMicros: spend.spentMicros,
        })),
        hold: {
          settle: () => {
            for (const hold of holds) hold.settle();
          },
        },
      };
    } finally {
      for (const read of reads) this.ledger.endRead(read);
    }
  }

  /**
   * What the answer may cost: the costliest answer of this model this month, or a rough guess from
   * the message and the output cap, whichever is more. An unknown price is not spend: 0.
   */
  private estimate(request: BudgetTurnRequest, model: string, costliest: number | undefined): number {
    const pricing = this.pricingOf(model);
    if (!pricing) return 0;
    const guess = costMicros(
      {
        inputTokens: Math.ceil(request.promptChars / 4) + ESTIMATE_EXTRA_INPUT_TOKENS,
        outputTokens: Math.min(request.maxOutputTokens ?? ESTIMATE_OUTPUT_TOKENS, ESTIMATE_OUTPUT_TOKENS),
        totalTokens: 0,
      },
      pricing,
    );
    return Math.max(guess ?? 0, costliest ?? 0);
  }
}

function exceeded(budget: BudgetTable): AppError {
  const whose = budget.scope === 'bot' ? "This bot's" : 'Your';
  return new AppError(
    'budget_exceeded',
    `${whose} monthly budget of ${usd(budget.monthly_micros)} is used up; it renews on the 1st (UTC)`,
  );
}

function downgradeMessage(budget: BudgetTable, model: string): string {
  const whose = budget.scope === 'bot' ? "The bot's" : "The user's";
  return `${whose} monthly budget of ${usd(budget.monthly_micros)} is used up: ${model} answered instead`;
}
