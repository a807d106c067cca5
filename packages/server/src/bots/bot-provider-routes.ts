import { BotProviderParamsSchema, IdParamsSchema, PutBotProviderBodySchema } from '@cachibot/protocol';
import type { FastifyInstance, preHandlerHookHandler } from 'fastify';
import { principalOf } from '../auth/request-auth.ts';
import { parseInput } from '../validation.ts';
import type { BotProviderService } from './bot-provider-service.ts';

export function registerBotProviderRoutes(
  app: FastifyInstance,
  providers: BotProviderService,
  authenticate: preHandlerHookHandler,
): void {
  const opts = { preHandler: authenticate };

  app.get('/api/bots/:botId/providers', opts, async (request) => {
    const { botId } = parseInput(IdParamsSchema.bot, request.params, 'path');
    return { providers: await providers.list(principalOf(request).user.id, botId) };
  });

  app.put('/api/bots/:botId/providers/:provider', opts, async (request) => {
    const { botId, provider } = parseInput(BotProviderParamsSchema, request.params, 'path');
    const body = parseInput(PutBotProviderBodySchema, request.body, 'provider setting');
    return providers.put(principalOf(request).user, botId, provider, body);
  });

  app.delete('/api/bots/:botId/providers/:provider', opts, async (request, reply) => {
    const { botId, provider } = parseInput(BotProviderParamsSchema, request.params, 'path');
    await providers.remove(principalOf(request).user.id, botId, provider);
    return reply.code(204).send();
  });
}
