import {
  IdParamsSchema,
  InstallTemplateBodySchema,
  ListTemplatesQuerySchema,
  PublishBotBodySchema,
  TemplateParamsSchema,
} from '@cachibot/protocol';
import type { FastifyInstance, preHandlerHookHandler } from 'fastify';
import { attachmentHeader } from '../attachment-header.ts';
import { principalOf } from '../auth/request-auth.ts';
import type { BotService } from '../bots/bot-service.ts';
import { parseInput } from '../validation.ts';
import { parseBotImport, toBotExport } from './bot-file.ts';
import type { TemplateService } from './template-service.ts';

/** The marketplace, team publishing, and bot files (export / import). */
export function registerTemplateRoutes(
  app: FastifyInstance,
  templates: TemplateService,
  bots: BotService,
  authenticate: preHandlerHookHandler,
): void {
  const opts = { preHandler: authenticate };

  app.get('/api/templates', opts, async (request) =>
    templates.list(
      principalOf(request).user.id,
      parseInput(ListTemplatesQuerySchema, request.query, 'query'),
    ),
  );

  app.post('/api/templates/:templateId/install', opts, async (request, reply) => {
    const { templateId } = parseInput(TemplateParamsSchema, request.params, 'path');
    parseInput(InstallTemplateBodySchema, request.body ?? {}, 'install');
    return reply.code(201).send(await templates.install(principalOf(request).user.id, templateId));
  });

  app.put('/api/bots/:botId/publication', opts, async (request) => {
    const { botId } = parseInput(IdParamsSchema.bot, request.params, 'path');
    const body = parseInput(PublishBotBodySchema, request.body ?? {}, 'publication');
    return templates.publish(principalOf(request).user, botId, body);
  });

  app.delete('/api/bots/:botId/publication', opts, async (request, reply) => {
    const { botId } = parseInput(IdParamsSchema.bot, request.params, 'path');
    await templates.unpublish(principalOf(request).user.id, botId);
    return reply.code(204).send();
  });

  app.get('/api/bots/:botId/export', opts, async (request, reply) => {
    const { botId } = parseInput(IdParamsSchema.bot, request.params, 'path');
    const bot = await bots.get(principalOf(request).user.id, botId);
    reply.header('content-disposition', attachmentHeader(bot.name, 'cachibot-bot.json'));
    return toBotExport(bot);
  });

  app.post('/api/bots/import', opts, async (request, reply) => {
    const body = parseBotImport(request.body);
    return reply.code(201).send(await bots.create(principalOf(request).user.id, body));
  });
}
