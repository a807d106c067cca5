import {
  BOT_MODEL_PREFIX,
  type ChatCompletionRequest,
  ChatFramePayloadSchema,
  IdSchema,
} from '@cachibot/protocol';
import type { BotProviderService } from '../bots/bot-provider-service.ts';
import type { BotService } from '../bots/bot-service.ts';
import type { ChatService } from '../chats/chat-service.ts';
import type { ChatTable } from '../db/schema.ts';
import { AppError } from '../errors.ts';
import { newId } from '../ids.ts';
import type { Logger, TurnEngine } from '../turns/turn-engine.ts';
import { parseInput } from '../validation.ts';
import type { ApiBotService } from './api-bot-service.ts';
import type { ApiChatRepository } from './api-chat-repository.ts';
import { type ApiModels, modelNotFound } from './api-models.ts';
import { splitConversation } from './conversation.ts';
import { OpenAIApiError } from './openai-errors.ts';
import { TurnCollector, type TurnEnd } from './turn-collector.ts';

export const CHAT_ID_HEADER = 'x-cachibot-chat-id';

export interface CompletionDeps {
  engine: TurnEngine;
  bots: BotService;
  chats: ChatService;
  botProviders: BotProviderService;
  apiBots: ApiBotService;
  apiChats: ApiChatRepository;
  models: ApiModels;
  log: Logger;
}

export interface CompletionOptions {
  /** `X-Cachibot-Chat-Id`: continue this stored chat instead of starting one. */
  chatId?: string;
  /** When the request arrived: the start of the answer's TTFT clock. */
  receivedAt: number;
}

/** A running completion: follow `collector.parts()`; `settled` is the end, after `store: false` forgot. */
export interface StartedCompletion {
  turnId: string;
  chatId: string;
  collector: TurnCollector;
  settled: Promise<TurnEnd>;
}

/** Which bot answers, with which model override (none: the bot's own models). */
interface Target {
  botId: string;
  model?: string;
}

const otherBotsChat = () =>
  new OpenAIApiError(
    'bad_request',
    'X-Cachibot-Chat-Id names a chat of another bot than `model`',
    'chat_of_another_bot',
    CHAT_ID_HEADER,
  );

/**
 * An OpenAI chat completion as a Cachibot turn, started through the same engine as the WebSocket.
 * Without `X-Cachibot-Chat-Id` each call is a new chat: its instructions and earlier messages are
 * stored in it as plain messages (the model sees them as history), the last user message is the
 * turn's question. With the header the stored chat is the history, and only the last user message
 * of the request is new.
 */
export class CompletionService {
  constructor(private readonly deps: CompletionDeps) {}

  async start(
    userId: string,
    request: ChatCompletionRequest,
    options: CompletionOptions,
  ): Promise<StartedCompletion> {
    const { engine, apiChats, chats, log } = this.deps;
    const conversation = splitConversation(request.messages);
    const chat = options.chatId ? await this.ownedChat(userId, options.chatId) : undefined;
    const target = await this.target(userId, request.model, chat);
    const payload = parseInput(
      ChatFramePayloadSchema,
      {
        clientMessageId: `v1-${newId()}`,
        botId: target.botId,
        message: conversation.question,
        ...(chat ? { chatId: chat.id } : {}),
        ...(target.model ? { model: target.model } : {}),
      },
      'request',
    );
    const history = !chat && (conversation.system !== null || conversation.prior.length > 0);
    if (history) {
      payload.chatId = await apiChats.createWithConversation(
        userId,
        target.botId,
        target.model ?? null,
        conversation,
      );
    }
    let handle: Awaited<ReturnType<TurnEngine['startChatTurn']>>;
    try {
      handle = await engine.startChatTurn(userId, payload, options.receivedAt);
    } catch (error) {
      // Refused (a limit, a budget): the chat made for its history goes again.
      if (history && payload.chatId)
        await chats.delete(userId, payload.chatId).catch((cause: unknown) => {
          log.error({ err: cause, chatId: payload.chatId, userId }, 'removing a refused call’s chat failed');
        });
      throw error;
    }
    const collector = new TurnCollector(handle.turnId);
    try {
      await engine.follow(collector, handle.chatId, handle.turnId, 0);
    } catch (error) {
      collector.close();
      throw error;
    }
    collector.replayed();
    const settled =
      request.store === false
        ? collector.ended.then((end) => this.forget(end, handle.turnId, handle.chatId, !chat))
        : collector.ended;
    return { turnId: handle.turnId, chatId: handle.chatId, collector, settled };
  }

  private async ownedChat(userId: string, chatId: string): Promise<ChatTable> {
    const notFound = () =>
      new OpenAIApiError(
        'not_found',
        'The chat named by X-Cachibot-Chat-Id does not exist',
        'chat_not_found',
        CHAT_ID_HEADER,
      );
    if (!IdSchema.safeParse(chatId).success) throw notFound();
    return this.deps.chats.getOwnedRow(userId, chatId).catch((error: unknown) => {
      throw AppError.isInstance(error) && error.code === 'not_found' ? notFound() : error;
    });
  }

  /** `bot:<id>` is that bot with its own models; a model id is the chat's bot, else the API bot, with it. */
  private async target(userId: string, model: string, chat: ChatTable | undefined): Promise<Target> {
    const { bots, apiBots, botProviders, models } = this.deps;
    if (model.startsWith(BOT_MODEL_PREFIX)) {
      const bot = await bots
        .getOwnedRow(userId, model.slice(BOT_MODEL_PREFIX.length))
        .catch((error: unknown) => {
          throw AppError.isInstance(error) && error.code === 'not_found' ? modelNotFound(model) : error;
        });
      if (chat && chat.bot_id !== bot.id) throw otherBotsChat();
      return { botId: bot.id };
    }
    const botId = chat?.bot_id ?? (await apiBots.botFor(userId)).id;
    const own = Object.keys(await botProviders.settingsFor(botId));
    return { botId, model: await models.resolve(model, own) };
  }

  /** `store: false`: the text goes once the answer is stored; the record (usage, cost) stays. */
  private async forget(end: TurnEnd, turnId: string, chatId: string, wholeChat: boolean): Promise<TurnEnd> {
    const ids = [end.message.id, ...(end.message.parentId ? [end.message.parentId] : [])];
    try {
      await this.deps.apiChats.forgetText(turnId, chatId, wholeChat ? 'whole chat' : ids);
    } catch (error) {
      this.deps.log.error({ err: error, turnId, chatId }, 'forgetting a store:false answer’s text failed');
    }
    return end;
  }
}
