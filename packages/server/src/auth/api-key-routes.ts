import { CreateApiKeyBodySchema, IdSchema } from '@cachibot/protocol';
import type { FastifyInstance, preHandlerHookHandler } from 'fastify';
import { z } from 'zod';
import { parseInput } from '../validation.ts';
import type { ApiKeyService } from './api-key-service.ts';
import { principalOf } from './request-auth.ts';

const KeyParamsSchema = z.strictObject({ keyId: IdSchema });

/** `/api/keys`: a user's personal API keys, managed with the session (an API key cannot make keys). */
export function registerApiKeyRoutes(
  app: FastifyInstance,
  keys: ApiKeyService,
  authenticate: preHandlerHookHandler,
): void {
  const opts = { preHandler: authenticate };

  app.get('/api/keys', opts, async (request) => ({ keys: await keys.list(principalOf(request).user.id) }));

  app.post('/api/keys', opts, async (request, reply) => {
    const { name } = parseInput(CreateApiKeyBodySchema, request.body, 'API key');
    return reply.code(201).send(await keys.create(principalOf(request).user.id, name));
  });

  app.delete('/api/keys/:keyId', opts, async (request, reply) => {
    const { keyId } = parseInput(KeyParamsSchema, request.params, 'path');
    await keys.revoke(principalOf(request).user.id, keyId);
    return reply.code(204).send();
  });
}
