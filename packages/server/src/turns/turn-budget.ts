import type { BudgetNotice, MessageMetadata } from '@cachibot/protocol';
import type { BotTable } from '../db/schema.ts';
import { microsToUsd } from '../models/pricing.ts';
import type { BudgetDecision, BudgetTurnRequest, BudgetWatch } from '../usage/budget-guard.ts';
import type { Reservation } from './turn-capacity.ts';

/** The budget check admission calls before any provider call (usage/budget-guard.ts). */
export interface BudgetGate {
  admit(request: BudgetTurnRequest): Promise<BudgetDecision | undefined>;
}

/** What a plan carries from the budget check to the answer's record. */
export interface TurnBudgetNote {
  downgrade?: BudgetDecision['downgrade'];
  watches: BudgetWatch[];
}

/** From this share of a budget on, the answer says how much of it is spent. */
export const BUDGET_NOTICE_SHARE = 0.8;

/**
 * Checks the budgets of the turn's user and bot (throws `budget_exceeded` for `block`) and returns
 * the plan fields they change: the model to run, a reservation whose end also settles the budget
 * hold, and the note for the answer's record.
 */
export async function admitBudget(
  gate: BudgetGate | undefined,
  turn: { userId: string; bot: BotTable; promptChars: number },
  model: string,
  reservation: Reservation,
): Promise<{ modelRequested: string; reservation: Reservation; budget?: TurnBudgetNote }> {
  const settings = JSON.parse(turn.bot.settings) as { maxOutputTokens?: number };
  const decision = await gate?.admit({
    userId: turn.userId,
    botId: turn.bot.id,
    model,
    promptChars: turn.promptChars,
    maxOutputTokens: settings.maxOutputTokens,
  });
  if (!decision) return { modelRequested: model, reservation };
  const { hold } = decision;
  return {
    modelRequested: decision.model,
    reservation: {
      userId: reservation.userId,
      release: () => {
        reservation.release();
        hold.settle();
      },
      cancel: () => {
        reservation.cancel();
        hold.settle();
      },
    },
    budget: { watches: decision.watches, ...(decision.downgrade ? { downgrade: decision.downgrade } : {}) },
  };
}

/** `admitBudget` for the turns of a compare, one per model; a refusal gives back what was held. */
export async function admitBudgets(
  gate: BudgetGate | undefined,
  turn: { userId: string; bot: BotTable; promptChars: number },
  models: string[],
  reservations: Reservation[],
): Promise<Awaited<ReturnType<typeof admitBudget>>[]> {
  const admitted: Awaited<ReturnType<typeof admitBudget>>[] = [];
  try {
    for (const [index, model] of models.entries())
      admitted.push(await admitBudget(gate, turn, model, reservations[index] as Reservation));
    return admitted;
  } catch (error) {
    for (const taken of admitted) taken.reservation.cancel();
    throw error;
  }
}

/** The budget with the largest share spent once this answer counts, from 80 % on. */
export function budgetNotice(watches: BudgetWatch[], costUsd: number | undefined): BudgetNotice | undefined {
  const cost = Math.round((costUsd ?? 0) * 1_000_000);
  let best: { share: number; watch: BudgetWatch; spent: number } | undefined;
  for (const watch of watches) {
    const spent = watch.spentMicros + cost;
    const share = spent / watch.limitMicros;
    if (!best || share > best.share) best = { share, watch, spent };
  }
  if (!best || best.share < BUDGET_NOTICE_SHARE) return undefined;
  return {
    spentUsd: microsToUsd(best.spent),
    limitUsd: microsToUsd(best.watch.limitMicros),
    scope: best.watch.scope,
  };
}

/**
 * The record of a budgeted answer: a downgrade shows as a first attempt of the model asked for, with
 * `budget_exceeded` (that model was never called), and from 80 % the answer carries the spend.
 */
export function applyBudgetNote(
  metadata: MessageMetadata,
  note: TurnBudgetNote | undefined,
): MessageMetadata {
  if (!note) return metadata;
  const result: MessageMetadata = { ...metadata };
  if (note.downgrade) {
    const { from, message, at } = note.downgrade;
    result.modelRequested = from;
    result.attempts = [
      {
        model: from,
        startedAt: new Date(at).toISOString(),
        durationMs: 0,
        error: { code: 'budget_exceeded', message },
      },
      ...(metadata.attempts ?? []),
    ];
  }
  const notice = budgetNotice(note.watches, metadata.costUsd);
  if (notice) result.budget = notice;
  return result;
}
