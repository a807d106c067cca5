import {
  CreateChatBodySchema,
  IdParamsSchema,
  ListChatsQuerySchema,
  ListMessagesQuerySchema,
  UpdateChatBodySchema,
} from '@cachibot/protocol';
import type { FastifyInstance, preHandlerHookHandler } from 'fastify';
import { principalOf } from '../auth/request-auth.ts';
import { parseInput } from '../validation.ts';
import type { ChatService } from './chat-service.ts';

export function registerChatRoutes(
  app: FastifyInstance,
  chats: ChatService,
  authenticate: preHandlerHookHandler,
): void {
  const opts = { preHandler: authenticate };
  const userId = (request: Parameters<typeof principalOf>[0]) => principalOf(request).user.id;

  app.get('/api/bots/:botId/chats', opts, async (request) => {
    const { botId } = parseInput(IdParamsSchema.bot, request.params, 'path');
    const query = parseInput(ListChatsQuerySchema, request.query, 'query');
    return chats.listForBot(userId(request), botId, query);
  });

  app.post('/api/bots/:botId/chats', opts, async (request, reply) => {
    const { botId } = parseInput(IdParamsSchema.bot, request.params, 'path');
    const body = parseInput(CreateChatBodySchema, request.body ?? {}, 'chat');
    return reply.code(201).send(await chats.create(userId(request), botId, body.title));
  });

  app.get('/api/chats/:chatId', opts, async (request) => {
    const { chatId } = parseInput(IdParamsSchema.chat, request.params, 'path');
    return chats.get(userId(request), chatId);
  });

  app.patch('/api/chats/:chatId', opts, async (request) => {
    const { chatId } = parseInput(IdParamsSchema.chat, request.params, 'path');
    return chats.update(userId(request), chatId, parseInput(UpdateChatBodySchema, request.body, 'chat'));
  });

  app.delete('/api/chats/:chatId', opts, async (request, reply) => {
    const { chatId } = parseInput(IdParamsSchema.chat, request.params, 'path');
    await chats.delete(userId(request), chatId);
    return reply.code(204).send();
  });

  app.get('/api/chats/:chatId/messages', opts, async (request) => {
    const { chatId } = parseInput(IdParamsSchema.chat, request.params, 'path');
    const query = parseInput(ListMessagesQuerySchema, request.query, 'query');
    return chats.listMessages(userId(request), chatId, query);
  });
}
