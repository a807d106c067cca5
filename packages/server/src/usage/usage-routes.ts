import { BudgetBodySchema, IdParamsSchema, UsageQuerySchema } from '@cachibot/protocol';
import type { FastifyInstance, FastifyRequest, preHandlerHookHandler } from 'fastify';
import { principalOf } from '../auth/request-auth.ts';
import { parseInput } from '../validation.ts';
import type { BudgetService } from './budget-service.ts';
import { usageCsv } from './usage-csv.ts';
import type { UsageService } from './usage-service.ts';

/** `GET /api/usage`, `GET /api/usage.csv` and the bot and user budgets. */
export function registerUsageRoutes(
  app: FastifyInstance,
  usage: UsageService,
  budgets: BudgetService,
  authenticate: preHandlerHookHandler,
): void {
  const opts = { preHandler: authenticate };
  const actor = (request: FastifyRequest) => principalOf(request).user;

  app.get('/api/usage', opts, async (request) =>
    usage.report(actor(request), parseInput(UsageQuerySchema, request.query, 'query')),
  );

  app.get('/api/usage.csv', opts, async (request, reply) => {
    const query = parseInput(UsageQuerySchema, request.query, 'query');
    const report = await usage.report(actor(request), query);
    const file = `cachibot-usage-by-${report.groupBy}-${report.from}-to-${report.to}.csv`;
    return reply
      .type('text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="${file}"`)
      .send(usageCsv(report));
  });

  const botId = (request: FastifyRequest) => parseInput(IdParamsSchema.bot, request.params, 'path').botId;
  const userId = (request: FastifyRequest) => parseInput(IdParamsSchema.user, request.params, 'path').userId;
  const body = (request: FastifyRequest) => parseInput(BudgetBodySchema, request.body, 'budget');

  app.get('/api/bots/:botId/budget', opts, async (request) =>
    budgets.getBotBudget(actor(request), botId(request)),
  );
  app.put('/api/bots/:botId/budget', opts, async (request) =>
    budgets.putBotBudget(actor(request), botId(request), body(request)),
  );
  app.delete('/api/bots/:botId/budget', opts, async (request, reply) => {
    await budgets.deleteBotBudget(actor(request), botId(request));
    return reply.code(204).send();
  });

  app.get('/api/users/:userId/budget', opts, async (request) =>
    budgets.getUserBudget(actor(request), userId(request)),
  );
  app.put('/api/users/:userId/budget', opts, async (request) =>
    budgets.putUserBudget(actor(request), userId(request), body(request)),
  );
  app.delete('/api/users/:userId/budget', opts, async (request, reply) => {
    await budgets.deleteUserBudget(actor(request), userId(request));
    return reply.code(204).send();
  });
}
