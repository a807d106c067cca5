import type { FastifyInstance, preHandlerHookHandler } from 'fastify';
import type { ModelDirectory } from './model-directory.ts';

export function registerModelRoutes(
  app: FastifyInstance,
  models: ModelDirectory,
  authenticate: preHandlerHookHandler,
): void {
  app.get('/api/models', { preHandler: authenticate }, async (request) => {
    const refresh = (request.query as { refresh?: string } | undefined)?.refresh === '1';
    return models.list(refresh);
  });
}
