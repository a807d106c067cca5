import type { FastifyInstance, preHandlerHookHandler } from 'fastify';
import type { BotService } from '../bots/bot-service.ts';
import type { Db } from '../db/database.ts';
import type { ModelDirectory } from '../models/model-directory.ts';
import { BudgetGuard } from './budget-guard.ts';
import { BudgetLedger } from './budget-ledger.ts';
import { BudgetRepository } from './budget-repository.ts';
import { BudgetService } from './budget-service.ts';
import { UsageRepository } from './usage-repository.ts';
import { registerUsageRoutes } from './usage-routes.ts';
import { UsageService } from './usage-service.ts';

/** A model id some configured provider offers (what `GET /api/models` lists). */
export async function isOfferedModel(models: ModelDirectory, modelId: string): Promise<boolean> {
  const { groups } = await models.list();
  return Object.values(groups).some((group) => group.some((model) => model.id === modelId));
}

/** The usage domain, built once in the composition root: the admission guard and the routes. */
export function createUsageModule(db: Db, models: ModelDirectory, bots: BotService) {
  const budgets = new BudgetRepository(db);
  const guard = new BudgetGuard(budgets, new BudgetLedger(), (model) => models.info(model).pricing);
  const usage = new UsageService(new UsageRepository(db), (model) => models.info(model).name);
  const budgetService = new BudgetService(budgets, bots, (model) => isOfferedModel(models, model));
  return {
    guard,
    register(app: FastifyInstance, authenticate: preHandlerHookHandler) {
      registerUsageRoutes(app, usage, budgetService, authenticate);
    },
  };
}
