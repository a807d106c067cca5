import type { ChatFramePayload, RegenerateFramePayload } from '@cachibot/protocol';
import type { BotProviderService } from '../bots/bot-provider-service.ts';
import type { BotService } from '../bots/bot-service.ts';
import type { EventBus } from '../bus/event-bus.ts';
import { toChat } from '../chats/chat-repository.ts';
import type { ChatService } from '../chats/chat-service.ts';
import { type MessageRepository, toMessage } from '../chats/message-repository.ts';
import { isUniqueViolation } from '../db/database.ts';
import type { MessageTable } from '../db/schema.ts';
import { newId, nowIso } from '../ids.ts';
import type { ModelDirectory } from '../models/model-directory.ts';
import { AnswerPersister } from './answer-persister.ts';
import { runAttempts } from './attempt-loop.ts';
import { buildHistory } from './history.ts';
import { LiveTurn } from './live-turn.ts';
import { type Admission, TurnAdmission, type TurnHandle } from './turn-admission.ts';
import { TurnCapacity } from './turn-capacity.ts';
import { finishTurn } from './turn-finish.ts';
import { type Follower, followTurn } from './turn-follower.ts';
import { type Logger, TurnLifecycle } from './turn-lifecycle.ts';
import { buildTurnRows, type TurnPlan } from './turn-plan.ts';
import type { TurnRepository } from './turn-repository.ts';

export type { TurnHandle } from './turn-admission.ts';
export type { Logger } from './turn-lifecycle.ts';

/** Messages of the branch the model may see at most (the context window usually stops it earlier). */
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
  /** How long a turn stays owned without its process renewing the lease (default 30 s). */
  leaseMs?: number;
  /** Event logs of finished turns older than this are pruned (default 7 days). */
  eventRetentionMs?: number;
}

export interface TurnEngineDeps {
  bots: BotService;
  botProviders: BotProviderService;
  chats: ChatService;
  messages: MessageRepository;
  turns: TurnRepository;
  models: ModelDirectory;
  bus: EventBus;
  log: Logger;
}

/**
 * The heart, as a story: admission makes a plan (or finds the turn a resend started), the plan's
 * rows are stored, the turn is announced, the attempt loop streams the answer, and the answer is
 * stored before anyone hears `done`. Free of transport concerns: the WebSocket gateway, an HTTP
 * endpoint and the benchmark drive it alike.
 */
export class TurnEngine {
  readonly lifecycle: TurnLifecycle;
  private readonly capacity: TurnCapacity;
  private readonly admission: TurnAdmission;

  constructor(
    private readonly deps: TurnEngineDeps,
    private readonly options: TurnEngineOptions,
  ) {
    this.capacity = new TurnCapacity(options);
    this.admission = new TurnAdmission({ ...deps, capacity: this.capacity });
    this.lifecycle = new TurnLifecycle(
      { turns: deps.turns, capacity: this.capacity, log: deps.log },
      { leaseMs: options.leaseMs ?? 30_000, eventRetentionMs: options.eventRetentionMs ?? 7 * 86_400_000 },
    );
  }

  /** Closes the turns of processes that died, then keeps this process's leases fresh. */
  async start(): Promise<number> {
    this.lifecycle.startLeases();
    return this.lifecycle.recoverInterruptedTurns();
  }

  /** `receivedAt` is when the transport got the user's message: the start of the TTFT clock. */
  async startChatTurn(userId: string, payload: ChatFramePayload, receivedAt = Date.now()) {
    return this.launch(await this.admission.admitChat(userId, payload, receivedAt));
  }

  /** Answers a stored question again (optionally with another model): a sibling of earlier answers. */
  async startRegenerateTurn(userId: string, payload: RegenerateFramePayload, receivedAt = Date.now()) {
    return this.launch(await this.admission.admitRegenerate(userId, payload, receivedAt));
  }

  cancel(userId: string, turnId: string): void {
    this.lifecycle.cancel(userId, turnId);
  }

  shutdown(graceMs: number): Promise<void> {
    return this.lifecycle.shutdown(graceMs);
  }

  /** Subscribes a follower to a chat and replays what it missed of a turn (the chat's latest by default). */
  follow(follower: Follower, chatId: string, turnId: string | undefined, afterSeq: number): Promise<void> {
    const deps = { bus: this.deps.bus, live: this.lifecycle.live, turns: this.deps.turns };
    return followTurn(follower, deps, chatId, turnId, afterSeq);
  }

  runningCount(userId: string): number {
    return this.capacity.runningCount(userId);
  }

  /** Stores the plan (all or nothing), announces it with `turn_started`, and runs it detached. */
  private async launch(admission: Admission): Promise<TurnHandle> {
    if ('repeat' in admission) return admission.repeat;
    const { plan } = admission;
    const rows = buildTurnRows(plan, newId(), nowIso());
    rows.turn.owner = this.lifecycle.instanceId;
    rows.turn.lease_until = this.lifecycle.leaseUntil();
    try {
      await this.deps.turns.createTurn(rows);
    } catch (error) {
      plan.reservation.cancel();
      // Two concurrent sends with one clientMessageId: the loser follows the winner's turn.
      if (!isUniqueViolation(error)) throw error;
      const winner = await this.deps.messages.findByClientId(plan.userId, plan.clientMessageId);
      if (!winner) throw error;
      return this.admission.repeatOf(winner, plan.text);
    }
    const { assistantMessage } = rows;
    const turn = new LiveTurn(
      {
        id: plan.turnId,
        userId: plan.userId,
        chatId: plan.chat.id,
        botId: plan.bot.id,
        assistantMessageId: assistantMessage.id,
      },
      this.deps.bus,
    );
    this.lifecycle.live.add(turn);
    const persister = new AnswerPersister(
      this.deps.turns,
      turn.id,
      plan.chat.id,
      assistantMessage.id,
      { intervalMs: this.options.persistIntervalMs, bytes: this.options.persistBytes },
      (error, failedWrites) =>
        this.deps.log.error({ err: error, turnId: turn.id, failedWrites }, 'persisting a batch failed'),
    );
    // Acknowledged only after commit: turn_started follows the stored question.
    const started = turn.record('turn_started', {
      userMessage: toMessage(plan.userMessage),
      assistantMessageId: assistantMessage.id,
      model: plan.modelRequested,
      chat: toChat({
        ...plan.chat,
        ...rows.chatChanges,
        message_count: Number(plan.chat.message_count) + (plan.newUserMessage ? 2 : 1),
      }),
      clientMessageId: plan.clientMessageId,
    });
    persister.add(started, '');
    turn.publish(started);
    this.run(turn, plan, assistantMessage, persister).catch((error) =>
      this.deps.log.error({ err: error, turnId: turn.id }, 'turn failed unexpectedly'),
    );
    return { turnId: turn.id, chatId: plan.chat.id, repeated: false };
  }

  /** Streams the answer through the attempt loop, then stores and announces the outcome. */
  private async run(turn: LiveTurn, plan: TurnPlan, row: MessageTable, persister: AnswerPersister) {
    const { bot } = plan;
    const messageId = turn.init.assistantMessageId;
    let content = '';
    let result: Awaited<ReturnType<typeof runAttempts>>;
    try {
      const settings = JSON.parse(bot.settings) as { temperature?: number; maxOutputTokens?: number };
      const fallbacks = JSON.parse(bot.fallback_models) as string[];
      const branch = await this.deps.messages.branchRows(plan.userMessage.id, HISTORY_ROWS);
      result = await runAttempts(
        {
          chain: [...new Set([plan.modelRequested, ...fallbacks])],
          historyFor: (model) =>
            buildHistory(branch, plan.userMessage.id, {
              contextWindow: this.deps.models.info(model).contextWindow,
              maxOutputTokens: settings.maxOutputTokens,
              systemPrompt: bot.system_prompt,
            }),
          system: bot.system_prompt,
          temperature: settings.temperature,
          maxOutputTokens: settings.maxOutputTokens,
          firstTokenTimeoutMs: this.options.firstTokenTimeoutMs,
          signal: turn.controller.signal,
          interrupted: () => turn.interrupted && !turn.cancelRequested,
        },
        {
          languageModel: (model) => this.deps.models.languageModel(model, plan.providerSettings),
          onText: (delta) => {
            content += delta;
            const event = turn.emit('text_delta', { messageId, delta });
            persister.add(event, content, Buffer.byteLength(delta));
          },
          onReasoning: (delta) => persister.add(turn.emit('reasoning_delta', { messageId, delta }), content),
          onFallback: (from, to, reason) =>
            persister.add(turn.emit('model_fallback', { from, to, reason }), content),
          // Providers may echo a (masked) key in a message: long opaque tokens are scrubbed.
          onAttemptFailed: (model, error) =>
            this.deps.log.warn(
              { turnId: turn.id, model, code: error.code, message: scrubSecrets(error.message) },
              'model attempt failed',
            ),
        },
      );
    } catch (unexpected) {
      this.deps.log.error({ err: unexpected, turnId: turn.id }, 'turn failed unexpectedly');
      const error = { code: 'internal', message: 'The answer failed because of an internal error' };
      result = { attempts: [], status: 'error', error };
    }
    const outcome = {
      modelRequested: plan.modelRequested,
      attempts: result.attempts,
      status: result.status,
      error: result.status === 'error' ? result.error : undefined,
      timing: { receivedAt: plan.receivedAt, firstTokenAt: result.firstTokenAt, endedAt: Date.now() },
    };
    const deps = { catalogue: this.deps.models.catalogue, log: this.deps.log };
    const stored = await finishTurn(turn, persister, toMessage(row), content, outcome, deps);
    plan.reservation.release();
    if (stored === 'stored') this.lifecycle.retire(turn);
    else turn.markFinished(); // stays in memory until the background write lands
  }
}
