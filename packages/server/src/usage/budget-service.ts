import type { Budget, BudgetBody } from '@cachibot/protocol';
import type { BotService } from '../bots/bot-service.ts';
import type { BudgetTable } from '../db/schema.ts';
import { AppError, badRequest, notFound } from '../errors.ts';
import { microsToUsd } from '../models/pricing.ts';
import type { BudgetRepository, BudgetScope } from './budget-repository.ts';
import { monthEnd, monthStart, utcToday } from './usage-range.ts';

export interface BudgetActor {
  id: string;
  role: 'admin' | 'user';
}

/** How much a budget lets through once used up: a user may only make their own stricter. */
const LENIENCY: Record<BudgetTable['action'], number> = { block: 0, downgrade: 1, warn: 2 };

const forbidden = (message: string) => new AppError('forbidden', message);

/** Budgets on bots (their owner's) and on users (an admin's), read with the current month's spend (also when none is set). */
export class BudgetService {
  constructor(
    private readonly budgets: BudgetRepository,
    private readonly bots: BotService,
    private readonly modelExists: (modelId: string) => Promise<boolean>,
    private readonly today: () => string = () => utcToday(),
  ) {}

  async getBotBudget(actor: BudgetActor, botId: string): Promise<Budget> {
    await this.bots.getOwnedRow(actor.id, botId);
    return this.read('bot', botId);
  }

  async putBotBudget(actor: BudgetActor, botId: string, body: BudgetBody): Promise<Budget> {
    await this.bots.getOwnedRow(actor.id, botId);
    return this.write('bot', botId, body);
  }

  async deleteBotBudget(actor: BudgetActor, botId: string): Promise<void> {
    await this.bots.getOwnedRow(actor.id, botId);
    if (!(await this.budgets.delete('bot', botId))) throw notFound('Budget');
  }

  /** A user may read their own; everyone else's is an admin's to read. */
  async getUserBudget(actor: BudgetActor, userId: string): Promise<Budget> {
    if (actor.role !== 'admin' && actor.id !== userId)
      throw forbidden("Only an admin may see another user's budget");
    await this.requireUser(userId);
    return this.read('user', userId);
  }

  async putUserBudget(actor: BudgetActor, userId: string, body: BudgetBody): Promise<Budget> {
    if (actor.role !== 'admin') throw forbidden('Only an admin may set user budgets');
    await this.requireUser(userId);
    if (actor.id === userId) {
      const current = await this.budgets.find('user', userId);
      const lenient = current && LENIENCY[body.action] > LENIENCY[current.action];
      if (current && (Math.round(body.monthlyUsd * 1e6) > current.monthly_micros || lenient))
        throw forbidden('You may lower your own budget, never raise it');
    }
    return this.write('user', userId, body);
  }

  async deleteUserBudget(actor: BudgetActor, userId: string): Promise<void> {
    if (actor.role !== 'admin') throw forbidden('Only an admin may remove user budgets');
    await this.requireUser(userId);
    if (actor.id === userId && (await this.budgets.find('user', userId)))
      throw forbidden('You may lower your own budget, never remove it');
    if (!(await this.budgets.delete('user', userId))) throw notFound('Budget');
  }

  private async requireUser(userId: string): Promise<void> {
    if (!(await this.budgets.userExists(userId))) throw notFound('User');
  }

  private async write(scope: BudgetScope, subjectId: string, body: BudgetBody): Promise<Budget> {
    const downgradeModel = body.action === 'downgrade' ? (body.downgradeModel ?? null) : null;
    if (downgradeModel && !(await this.modelExists(downgradeModel))) {
      const message = 'is not a model any configured provider offers';
      throw badRequest(`Invalid budget: downgradeModel: ${message}`, [
        { path: 'downgradeModel', message, code: 'unknown_model' },
      ]);
    }
    await this.budgets.put({
      scope,
      subject_id: subjectId,
      monthly_micros: Math.round(body.monthlyUsd * 1_000_000),
      action: body.action,
      downgrade_model: downgradeModel,
      updated_at: new Date().toISOString(),
    });
    return this.read(scope, subjectId);
  }

  private async read(scope: BudgetScope, subjectId: string): Promise<Budget> {
    const row = await this.budgets.find(scope, subjectId);
    const today = this.today();
    const spend = await this.budgets.monthSpend(scope, subjectId, monthStart(today), monthEnd(today));
    return {
      scope,
      subjectId,
      monthlyUsd: row ? microsToUsd(row.monthly_micros) : null,
      action: row?.action ?? null,
      ...(row?.downgrade_model ? { downgradeModel: row.downgrade_model } : {}),
      spentUsd: microsToUsd(spend.spentMicros),
      month: today.slice(0, 7),
      updatedAt: row?.updated_at ?? null,
    };
  }
}
