import type { ChatFramePayload, Message, RegenerateFramePayload, TurnEvent } from '@cachibot/protocol';
import { FailureLimiter } from '../auth/login-limiter.ts';
import type { BotProviderService } from '../bots/bot-provider-service.ts';
import type { BotService } from '../bots/bot-service.ts';
import type { EventBus } from '../bus/event-bus.ts';
import { toChat } from '../chats/chat-repository.ts';
import type { ChatService } from '../chats/chat-service.ts';
import { newChatRow, titleFromMessage } from '../chats/chat-service.ts';
import { type MessageRepository, toMessage } from '../chats/message-repository.ts';
import type { ProviderSettings } from '../config.ts';
import { isUniqueViolation } from '../db/database.ts';
import type { BotTable, ChatTable, MessageTable } from '../db/schema.ts';
import { AppError, notFound } from '../errors.ts';
import { newId, nowIso } from '../ids.ts';
import type { ModelDirectory } from '../models/model-directory.ts';
import { AnswerPersister } from './answer-persister.ts';
import { buildHistory } from './history.ts';
import { LiveTurn, LiveTurnRegistry } from './live-turn.ts';
import { callModel } from './model-call.ts';
import { type AttemptResult, buildMetadata, type TurnOutcome } from './turn-record.ts';
import type { TurnRepository } from './turn-repository.ts';

const HISTORY_ROWS = 400;

/** Long runs of key-like characters (API keys, tokens) are replaced; the rest of a message stays. */
export const scrubSecrets = (text: string): string =>
  text.slice(0, 300).replace(/[A-Za-z0-9_\-*.]{20,}/g, '[redacted]');

export interface TurnEngineOptions {
  maxConcurrentTurns: number;
  turnsPerMinute: number;
  persistIntervalMs: number;
  persistBytes: number;
  firstTokenTimeoutMs: number;
}

interface TurnStart {
  turnId: string;
  bot: BotTable;
  chat: ChatTable;
  createChat: boolean;
  chatChanges: Partial<ChatTable>;
  userMessage: MessageTable;
  /** False when regenerating: the user message exists already. */
  newUserMessage: boolean;
  assistantClientMessageId: string | null;
  clientMessageId: string;
  /** The message text, to detect a clientMessageId reused for other text; null for regenerate. */
  text: string | null;
  modelRequested: string;
  receivedAt: number;
}

export interface Logger {
  error(object: object, message: string): void;
  warn(object: object, message: string): void;
}

/** A started (or repeated) turn: what a transport needs to follow its events. */
export interface TurnHandle {
  turnId: string;
  chatId: string;
  repeated: boolean;
}

/**
 * The heart: resolve the model → build the history → stream → emit events → persist. Free of
 * transport concerns, so the WebSocket gateway, a future HTTP endpoint and the benchmark drive it alike.
 */
export class TurnEngine {
  readonly live = new LiveTurnRegistry();
  private shuttingDown = false;
  private readonly recentTurns: FailureLimiter;

  constructor(
    private readonly deps: {
      bots: BotService;
      botProviders: BotProviderService;
      chats: ChatService;
      messages: MessageRepository;
      turns: TurnRepository;
      models: ModelDirectory;
      bus: EventBus;
      log: Logger;
    },
    private readonly options: TurnEngineOptions,
  ) {
    this.recentTurns = new FailureLimiter(options.turnsPerMinute, 60_000);
  }

  /** `receivedAt` is when the transport got the user's message: the start of the TTFT clock. */
  async startChatTurn(
    userId: string,
    payload: ChatFramePayload,
    receivedAt = Date.now(),
  ): Promise<TurnHandle> {
    const { bots, chats, messages } = this.deps;
    const bot = await bots.getOwnedRow(userId, payload.botId);
    const chat = payload.chatId ? await chats.getOwnedRow(userId, payload.chatId) : undefined;
    if (chat && chat.bot_id !== bot.id) throw notFound('Chat');
    if (payload.replyToId !== undefined) {
      const parent = await messages.findById(payload.replyToId);
      if (!chat || !parent || parent.user_id !== userId || parent.chat_id !== chat.id)
        throw notFound('Message');
    }

    const existing = await messages.findByClientId(userId, payload.clientMessageId);
    if (existing) return this.repeatOf(existing, payload.message);
    this.checkCapacity(userId);
    const modelRequested = payload.model ?? chat?.model ?? (await this.botDefaultModel(bot));

    const now = nowIso();
    const chatRow: ChatTable =
      chat ?? newChatRow(userId, bot.id, titleFromMessage(payload.message), payload.model ?? null);
    const turnId = newId();
    const userMessage: MessageTable = {
      id: newId(),
      chat_id: chatRow.id,
      user_id: userId,
      role: 'user',
      content: payload.message,
      status: 'complete',
      parent_id: payload.replyToId ?? null,
      client_message_id: payload.clientMessageId,
      turn_id: turnId,
      metadata: '{}',
      created_at: now,
      updated_at: now,
    };
    return this.begin({
      turnId,
      bot,
      chat: chatRow,
      createChat: !chat,
      chatChanges: { updated_at: now, ...(payload.model ? { model: payload.model } : {}) },
      userMessage,
      newUserMessage: true,
      assistantClientMessageId: null,
      clientMessageId: payload.clientMessageId,
      text: payload.message,
      modelRequested,
      receivedAt,
    });
  }

  /**
   * Answers an existing user message again (optionally with another model). The new answer is a sibling
   * of the earlier ones: same `parentId`. `messageId` may name the user message or one of its answers.
   */
  async startRegenerateTurn(
    userId: string,
    payload: RegenerateFramePayload,
    receivedAt = Date.now(),
  ): Promise<TurnHandle> {
    const { bots, chats, messages } = this.deps;
    const target = await messages.findById(payload.messageId);
    if (!target || target.user_id !== userId) throw notFound('Message');
    const userMessage =
      target.role === 'user'
        ? target
        : target.parent_id
          ? await messages.findById(target.parent_id)
          : undefined;
    if (userMessage?.role !== 'user')
      throw new AppError('bad_request', 'This message answers nothing to regenerate');
    const chat = await chats.getOwnedRow(userId, userMessage.chat_id);
    const bot = await bots.getOwnedRow(userId, chat.bot_id);

    const existing = await messages.findByClientId(userId, payload.clientMessageId);
    if (existing) return this.repeatOf(existing, null);
    this.checkCapacity(userId);
    const modelRequested = payload.model ?? chat.model ?? (await this.botDefaultModel(bot));
    return this.begin({
      turnId: newId(),
      bot,
      chat,
      createChat: false,
      chatChanges: { updated_at: nowIso() },
      userMessage,
      newUserMessage: false,
      assistantClientMessageId: payload.clientMessageId,
      clientMessageId: payload.clientMessageId,
      text: null,
      modelRequested,
      receivedAt,
    });
  }

  /** Stops a turn; idempotent. Another user's turn is `not_found`. */
  cancel(userId: string, turnId: string): void {
    const turn = this.live.get(turnId);
    if (!turn || turn.init.userId !== userId) throw notFound('Turn');
    if (turn.finished || turn.cancelRequested) return;
    turn.cancelRequested = true;
    turn.controller.abort();
  }

  /** Refuses new turns, lets running ones finish within `graceMs`, cancels the rest, waits for persistence. */
  async shutdown(graceMs: number): Promise<void> {
    this.shuttingDown = true;
    const running = this.live.running();
    const allDone = Promise.all(running.map((turn) => turn.whenFinished()));
    let timer: NodeJS.Timeout | undefined;
    const graceOver = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), graceMs);
    });
    if ((await Promise.race([allDone, graceOver])) === 'timeout') {
      for (const turn of this.live.running()) {
        turn.interrupted = true;
        turn.controller.abort();
      }
      await allDone;
    }
    clearTimeout(timer);
  }

  /**
   * After a crash or kill: turns still marked running cannot continue (the provider call died with the
   * process). Mark them `error`, keep their partial text, and close their event log with error + done.
   */
  async recoverInterruptedTurns(): Promise<number> {
    const interrupted = await this.deps.turns.runningTurns();
    for (const row of interrupted) {
      const stored = await this.deps.turns.findMessage(row.assistant_message_id);
      if (!stored) continue;
      const previous = toMessage(stored);
      const error = { code: 'interrupted', message: 'The server stopped before this answer finished' };
      const metadata = { ...previous.metadata, finishReason: 'error' as const, error };
      const message: Message = { ...previous, status: 'error', metadata, updatedAt: nowIso() };
      const fields = { turnId: row.id, chatId: row.chat_id, botId: row.bot_id };
      const events: TurnEvent[] = [
        { type: 'error', payload: { ...fields, seq: row.last_seq + 1, ...error } },
        { type: 'done', payload: { ...fields, seq: row.last_seq + 2, message } },
      ];
      await this.deps.turns.finishTurn(row.id, row.chat_id, row.assistant_message_id, events, {
        content: previous.content,
        status: 'error',
        metadata,
        updatedAt: message.updatedAt,
      });
    }
    return interrupted.length;
  }

  /** Events of a turn after `afterSeq`, from memory while live, else from the database log. */
  async eventsOf(turnId: string, afterSeq: number): Promise<TurnEvent[]> {
    const turn = this.live.get(turnId);
    if (turn) return turn.eventsAfter(afterSeq);
    return this.deps.turns.loadEvents(turnId, afterSeq);
  }

  private checkCapacity(userId: string): void {
    if (this.shuttingDown)
      throw new AppError('unavailable', 'The server is shutting down; try again in a moment');
    if (this.live.runningCountForUser(userId) >= this.options.maxConcurrentTurns) {
      throw new AppError(
        'rate_limited',
        `At most ${this.options.maxConcurrentTurns} answers may run at once`,
        undefined,
        1,
      );
    }
    const wait = this.recentTurns.retryAfterSeconds(userId);
    if (wait > 0) {
      throw new AppError(
        'rate_limited',
        `At most ${this.options.turnsPerMinute} messages per minute`,
        undefined,
        wait,
      );
    }
  }

  private async botDefaultModel(bot: BotTable): Promise<string> {
    const model = bot.default_model || (await this.deps.models.defaultModel());
    if (!model)
      throw new AppError(
        'bad_request',
        'No model is configured: set a provider key (see the README) or pick a model',
      );
    return model;
  }

  /** Stores the turn (all or nothing), acknowledges it with `turn_started`, and runs it detached. */
  private async begin(start: TurnStart): Promise<TurnHandle> {
    const { bot, chat, userMessage, modelRequested, turnId } = start;
    const userId = userMessage.user_id;
    const providerSettings = await this.deps.botProviders.settingsFor(bot.id);
    // An unknown provider fails here, before anything is stored.
    this.deps.models.languageModel(modelRequested, providerSettings);
    const now = nowIso();
    const assistantMessage: MessageTable = {
      ...userMessage,
      id: newId(),
      role: 'assistant',
      content: '',
      status: 'streaming',
      parent_id: userMessage.id,
      client_message_id: start.assistantClientMessageId,
      turn_id: turnId,
      metadata: JSON.stringify({ model: modelRequested, modelRequested }),
      created_at: now,
      updated_at: now,
    };
    try {
      await this.deps.turns.createTurn({
        chat,
        createChat: start.createChat,
        chatChanges: start.chatChanges,
        userMessage: start.newUserMessage ? userMessage : undefined,
        assistantMessage,
        turn: {
          id: turnId,
          user_id: userId,
          chat_id: chat.id,
          bot_id: bot.id,
          user_message_id: userMessage.id,
          assistant_message_id: assistantMessage.id,
          status: 'running',
          last_seq: 0,
          created_at: now,
          updated_at: now,
        },
      });
    } catch (error) {
      // Two concurrent sends with one clientMessageId: the loser follows the winner's turn.
      if (!isUniqueViolation(error)) throw error;
      const winner = await this.deps.messages.findByClientId(userId, start.clientMessageId);
      if (!winner) throw error;
      return this.repeatOf(winner, start.text);
    }

    this.recentTurns.recordFailure(userId); // counts turns started, in the same sliding window
    const turn = new LiveTurn(
      { id: turnId, userId, chatId: chat.id, botId: bot.id, assistantMessageId: assistantMessage.id },
      this.deps.bus,
    );
    this.live.add(turn);
    // Acknowledge only after commit (turn_started follows the stored user message).
    const startedEvent = turn.record('turn_started', {
      userMessage: toMessage(userMessage),
      assistantMessageId: assistantMessage.id,
      model: modelRequested,
      chat: toChat({
        ...chat,
        ...start.chatChanges,
        message_count: Number(chat.message_count) + (start.newUserMessage ? 2 : 1),
      }),
      clientMessageId: start.clientMessageId,
    });
    const persister = new AnswerPersister(
      this.deps.turns,
      turnId,
      chat.id,
      assistantMessage.id,
      { intervalMs: this.options.persistIntervalMs, bytes: this.options.persistBytes },
      (error) => this.deps.log.error({ err: error, turnId }, 'persisting a batch failed'),
    );
    persister.add(startedEvent, '');
    turn.publish(startedEvent);
    const placeholder = toMessage(assistantMessage);
    void this.run(
      turn,
      bot,
      providerSettings,
      userMessage,
      placeholder,
      modelRequested,
      persister,
      start.receivedAt,
    );
    return { turnId, chatId: chat.id, repeated: false };
  }

  /** A clientMessageId seen before: follow that turn; the same id with other text is a conflict. */
  private async repeatOf(existing: MessageTable, text: string | null): Promise<TurnHandle> {
    if (text !== null && (existing.role !== 'user' || existing.content !== text)) {
      throw new AppError('conflict', 'This clientMessageId was already used for a different message');
    }
    const turn =
      existing.role === 'user'
        ? await this.deps.turns.findTurnByUserMessage(existing.id)
        : await this.deps.turns.findTurnByAssistantMessage(existing.id);
    if (!turn) throw new AppError('conflict', 'This clientMessageId was already used');
    return { turnId: turn.id, chatId: turn.chat_id, repeated: true };
  }

  private async run(
    turn: LiveTurn,
    bot: BotTable,
    providerSettings: Record<string, ProviderSettings>,
    userMessage: MessageTable,
    placeholder: Message,
    modelRequested: string,
    persister: AnswerPersister,
    receivedAt: number,
  ): Promise<void> {
    const attempts: AttemptResult[] = [];
    let content = '';
    let firstTokenAt: number | undefined;
    let outcome: TurnOutcome['status'] = 'error';
    let error: TurnOutcome['error'];
    const settings = JSON.parse(bot.settings) as { temperature?: number; maxOutputTokens?: number };
    try {
      const chain = [...new Set([modelRequested, ...(JSON.parse(bot.fallback_models) as string[])])];
      const rows = await this.deps.messages.historyRows(turn.init.chatId, userMessage.id, HISTORY_ROWS);
      for (let index = 0; index < chain.length; index++) {
        const model = chain[index] as string;
        const info = this.deps.models.info(model);
        const history = buildHistory(rows, userMessage.id, {
          contextWindow: info.contextWindow,
          maxOutputTokens: settings.maxOutputTokens,
          systemPrompt: bot.system_prompt,
        });
        const result = await this.attempt(turn, model, bot, settings, providerSettings, history, {
          onText: (delta) => {
            firstTokenAt ??= Date.now();
            content += delta;
            const event = turn.emit('text_delta', { messageId: turn.init.assistantMessageId, delta });
            persister.add(event, content, Buffer.byteLength(delta));
          },
          onReasoning: (delta) => {
            const event = turn.emit('reasoning_delta', { messageId: turn.init.assistantMessageId, delta });
            persister.add(event, content);
          },
        });
        attempts.push(result);
        if (result.cancelled && turn.interrupted && !turn.cancelRequested) {
          // Like a crash, but announced: the text so far is kept and the user may retry.
          error = { code: 'interrupted', message: 'The server shut down before this answer finished' };
          break;
        }
        if (result.cancelled) {
          outcome = 'cancelled';
          break;
        }
        if (!result.error) {
          outcome = 'complete';
          break;
        }
        error = result.error;
        // Operators see provider trouble. Providers may echo a (masked) key in a message: long opaque
        // tokens are scrubbed before logging.
        this.deps.log.warn(
          { turnId: turn.id, model, code: result.error.code, message: scrubSecrets(result.error.message) },
          'model attempt failed',
        );
        const next = chain[index + 1];
        if (!result.retryable || !next) break;
        const event = turn.emit('model_fallback', { from: model, to: next, reason: result.error.code });
        persister.add(event, content);
      }
    } catch (unexpected) {
      this.deps.log.error({ err: unexpected, turnId: turn.id }, 'turn failed unexpectedly');
      error = { code: 'internal', message: 'The answer failed because of an internal error' };
    }
    if (outcome !== 'error') error = undefined;
    await this.finish(turn, persister, placeholder, content, {
      modelRequested,
      attempts,
      status: outcome,
      error,
      timing: { receivedAt, firstTokenAt, endedAt: Date.now() },
    });
  }

  private attempt(
    turn: LiveTurn,
    model: string,
    bot: BotTable,
    settings: { temperature?: number; maxOutputTokens?: number },
    providerSettings: Record<string, ProviderSettings>,
    messages: ReturnType<typeof buildHistory>,
    on: { onText(delta: string): void; onReasoning(delta: string): void },
  ) {
    const startedAt = Date.now();
    let languageModel: ReturnType<ModelDirectory['languageModel']>;
    try {
      languageModel = this.deps.models.languageModel(model, providerSettings);
    } catch (error) {
      const message = error instanceof Error ? error.message : 'Unknown model';
      return Promise.resolve({
        model,
        startedAt,
        endedAt: Date.now(),
        error: { code: 'unknown_model', message },
        producedText: false,
        cancelled: false,
        retryable: true,
      });
    }
    return callModel({
      model,
      languageModel,
      system: bot.system_prompt,
      messages,
      temperature: settings.temperature,
      maxOutputTokens: settings.maxOutputTokens,
      turnSignal: turn.controller.signal,
      firstTokenTimeoutMs: this.options.firstTokenTimeoutMs,
      onTextDelta: on.onText,
      onReasoningDelta: on.onReasoning,
    });
  }

  /** Persist first, then tell the clients: `done` carries the message exactly as stored. */
  private async finish(
    turn: LiveTurn,
    persister: AnswerPersister,
    placeholder: Message,
    content: string,
    outcome: TurnOutcome,
  ): Promise<void> {
    const metadata = buildMetadata(outcome, this.deps.models.catalogue);
    const messageId = turn.init.assistantMessageId;
    // The row as created at the start, completed here: no need to read it back.
    const message: Message = {
      ...placeholder,
      content,
      status: outcome.status,
      updatedAt: nowIso(),
      metadata,
    };
    const finalEvents: TurnEvent[] = [turn.record('usage', { messageId, metadata })];
    if (outcome.error) finalEvents.push(turn.record('error', outcome.error));
    finalEvents.push(turn.record('done', { message }));
    try {
      await persister.finish(finalEvents, {
        content,
        status: outcome.status,
        metadata,
        updatedAt: message.updatedAt,
      });
    } catch (error) {
      this.deps.log.error({ err: error, turnId: turn.id }, 'persisting the final answer failed');
    }
    for (const event of finalEvents) turn.publish(event);
    turn.markFinished();
    this.live.retire(turn);
  }
}
