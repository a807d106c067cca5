import { ChatExportQuerySchema, IdParamsSchema } from '@cachibot/protocol';
import type { FastifyInstance, preHandlerHookHandler } from 'fastify';
import { attachmentHeader } from '../attachment-header.ts';
import { principalOf } from '../auth/request-auth.ts';
import { parseInput } from '../validation.ts';
import { type ChatExportService, toChatFile, toChatMarkdown } from './chat-export.ts';

export function registerChatExportRoutes(
  app: FastifyInstance,
  exports: ChatExportService,
  authenticate: preHandlerHookHandler,
): void {
  app.get('/api/chats/:chatId/export', { preHandler: authenticate }, async (request, reply) => {
    const { chatId } = parseInput(IdParamsSchema.chat, request.params, 'path');
    const { format } = parseInput(ChatExportQuerySchema, request.query, 'query');
    const data = await exports.load(principalOf(request).user.id, chatId);
    reply.header('content-disposition', attachmentHeader(data.chat.title, format));
    if (format === 'json') return toChatFile(data);
    return reply.type('text/markdown; charset=utf-8').send(toChatMarkdown(data));
  });
}
