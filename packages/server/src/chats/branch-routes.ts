import { ForkChatBodySchema, IdParamsSchema, VoteBodySchema } from '@cachibot/protocol';
import type { FastifyInstance, preHandlerHookHandler } from 'fastify';
import { principalOf } from '../auth/request-auth.ts';
import { parseInput } from '../validation.ts';
import type { BranchService } from './branch-service.ts';

export function registerBranchRoutes(
  app: FastifyInstance,
  branches: BranchService,
  authenticate: preHandlerHookHandler,
): void {
  const opts = { preHandler: authenticate };
  const userId = (request: Parameters<typeof principalOf>[0]) => principalOf(request).user.id;

  app.post('/api/chats/:chatId/fork', opts, async (request, reply) => {
    const { chatId } = parseInput(IdParamsSchema.chat, request.params, 'path');
    const { messageId } = parseInput(ForkChatBodySchema, request.body, 'fork');
    return reply.code(201).send(await branches.fork(userId(request), chatId, messageId));
  });

  app.post('/api/messages/:messageId/vote', opts, async (request, reply) => {
    const { messageId } = parseInput(IdParamsSchema.message, request.params, 'path');
    const { value } = parseInput(VoteBodySchema, request.body, 'vote');
    await branches.vote(userId(request), messageId, value);
    return reply.code(204).send();
  });

  app.get('/api/leaderboard', opts, async (request) => ({
    models: await branches.leaderboard(userId(request)),
  }));
}
