import {
  CreateBotBodySchema,
  IdParamsSchema,
  ListBotsQuerySchema,
  UpdateBotBodySchema,
} from '@cachibot/protocol';
import type { FastifyInstance, preHandlerHookHandler } from 'fastify';
import { principalOf } from '../auth/request-auth.ts';
import { parseInput } from '../validation.ts';
import type { BotService } from './bot-service.ts';

export function registerBotRoutes(
  app: FastifyInstance,
  bots: BotService,
  authenticate: preHandlerHookHandler,
): void {
  const opts = { preHandler: authenticate };
  const userId = (request: Parameters<typeof principalOf>[0]) => principalOf(request).user.id;

  app.get('/api/bots', opts, async (request) =>
    bots.list(userId(request), parseInput(ListBotsQuerySchema, request.query, 'query')),
  );

  app.post('/api/bots', opts, async (request, reply) => {
    const body = parseInput(CreateBotBodySchema, request.body, 'bot');
    return reply.code(201).send(await bots.create(userId(request), body));
  });

  app.get('/api/bots/:botId', opts, async (request) => {
    const { botId } = parseInput(IdParamsSchema.bot, request.params, 'path');
    return bots.get(userId(request), botId);
  });

  app.patch('/api/bots/:botId', opts, async (request) => {
    const { botId } = parseInput(IdParamsSchema.bot, request.params, 'path');
    return bots.update(userId(request), botId, parseInput(UpdateBotBodySchema, request.body, 'bot'));
  });

  app.delete('/api/bots/:botId', opts, async (request, reply) => {
    const { botId } = parseInput(IdParamsSchema.bot, request.params, 'path');
    await bots.delete(userId(request), botId);
    return reply.code(204).send();
  });
}
