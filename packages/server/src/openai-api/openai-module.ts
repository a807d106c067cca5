import type { FastifyInstance, preHandlerHookHandler } from 'fastify';
import { registerApiKeyRoutes } from '../auth/api-key-routes.ts';
import { ApiKeyService } from '../auth/api-key-service.ts';
import type { BotProviderService } from '../bots/bot-provider-service.ts';
import type { BotService } from '../bots/bot-service.ts';
import type { ChatService } from '../chats/chat-service.ts';
import type { Db } from '../db/database.ts';
import type { ModelDirectory } from '../models/model-directory.ts';
import type { Logger, TurnEngine } from '../turns/turn-engine.ts';
import { ApiBotService } from './api-bot-service.ts';
import { ApiChatRepository } from './api-chat-repository.ts';
import { ApiModels } from './api-models.ts';
import { CompletionService } from './completion-service.ts';
import { registerOpenAIRoutes } from './openai-routes.ts';

export interface OpenAIModuleDeps {
  db: Db;
  engine: TurnEngine;
  bots: BotService;
  chats: ChatService;
  botProviders: BotProviderService;
  models: ModelDirectory;
  log: Logger;
}

/** Personal API keys (`/api/keys`) and the OpenAI-compatible API (`/v1`), wired in one place. */
export function createOpenAIModule(deps: OpenAIModuleDeps) {
  const keys = new ApiKeyService(deps.db);
  const models = new ApiModels(deps.models, deps.bots);
  const completions = new CompletionService({
    engine: deps.engine,
    bots: deps.bots,
    chats: deps.chats,
    botProviders: deps.botProviders,
    apiBots: new ApiBotService(deps.db, deps.bots),
    apiChats: new ApiChatRepository(deps.db),
    models,
    log: deps.log,
  });
  return {
    keys,
    async register(app: FastifyInstance, authenticate: preHandlerHookHandler): Promise<void> {
      registerApiKeyRoutes(app, keys, authenticate);
      await registerOpenAIRoutes(app, { keys, models, completions });
    },
  };
}
