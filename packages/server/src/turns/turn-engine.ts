import type {
  Chat,
  ChatFramePayload,
  CompareFramePayload,
  Message,
  RegenerateFramePayload,
} from '@cachibot/protocol';
import type { BotProviderService } from '../bots/bot-provider-service.ts';
import type { BotService } from '../bots/bot-service.ts';
import type { EventBus } from '../bus/event-bus.ts';
import { toChat } from '../chats/chat-repository.ts';
import type { ChatService } from '../chats/chat-service.ts';
import { type MessageRepository, toMessage } from '../chats/message-repository.ts';
import { isUniqueViolation } from '../db/database.ts';
import { notFound } from '../errors.ts';
import { newId, nowIso } from '../ids.ts';
import type { ModelDirectory } from '../models/model-directory.ts';
import { type Admission, TurnAdmission, type TurnHandle } from './turn-admission.ts';
import type { BudgetGate } from './turn-budget.ts';
import { TurnCapacity } from './turn-capacity.ts';
import { type Follower, followTurn } from './turn-follower.ts';
import { type Logger, TurnLifecycle } from './turn-lifecycle.ts';
import { buildTurnRows, type TurnPlan } from './turn-plan.ts';
import type { NewTurnRows, TurnRepository } from './turn-repository.ts';
import { announceTurn, runTurn } from './turn-run.ts';

export type { TurnHandle } from './turn-admission.ts';
export type { Logger } from './turn-lifecycle.ts';

export { scrubSecrets } from './turn-run.ts';

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
  /** This process's id in leases and logs (see `newInstanceId`). */
  instanceId?: string;
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
  /** Monthly budgets, checked at admission (absent: none apply). */
  budgets?: BudgetGate;
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
  private readonly storedListeners = new Set<(message: Message) => void>();

  constructor(
    private readonly deps: TurnEngineDeps,
    private readonly options: TurnEngineOptions,
  ) {
    this.capacity = new TurnCapacity(options);
    this.admission = new TurnAdmission({ ...deps, capacity: this.capacity });
    this.lifecycle = new TurnLifecycle(
      { turns: deps.turns, capacity: this.capacity, log: deps.log, bus: deps.bus },
      {
        leaseMs: options.leaseMs ?? 30_000,
        eventRetentionMs: options.eventRetentionMs ?? 7 * 86_400_000,
        instanceId: options.instanceId,
      },
    );
  }

  /** Closes the turns of processes that died, then keeps this process's leases fresh. */
  async start(): Promise<number> {
    // A cancel for a turn of this instance, sent from another one; the owner's check still applies.
    this.deps.bus.onCancelRequest?.((request) => {
      if (!this.lifecycle.live.get(request.turnId)) return;
      try {
        this.lifecycle.cancel(request.userId, request.turnId);
      } catch {
        // Another user's turn: ignored, exactly like a local not_found.
      }
    });
    this.lifecycle.startLeases();
    return this.lifecycle.recoverInterruptedTurns();
  }

  /** `receivedAt` is when the transport got the user's message: the start of the TTFT clock. */
  async startChatTurn(userId: string, payload: ChatFramePayload, receivedAt = Date.now()) {
    return this.launch(await this.admission.admitChat(userId, payload, receivedAt));
  }

  /** One question, 2–4 models at once: sibling answers, each an ordinary turn (`compareId` on each). */
  async startCompareTurns(userId: string, payload: CompareFramePayload, receivedAt = Date.now()) {
    const admission = await this.admission.admitCompare(userId, payload, receivedAt);
    return 'repeat' in admission ? admission.repeat : this.launchAll(admission.plans);
  }

  /** Answers a stored question again (optionally with another model): a sibling of earlier answers. */
  async startRegenerateTurn(userId: string, payload: RegenerateFramePayload, receivedAt = Date.now()) {
    return this.launch(await this.admission.admitRegenerate(userId, payload, receivedAt));
  }

  /** Stops a turn, here or (through the bus) on the instance that runs it; another user's is `not_found`. */
  async cancel(userId: string, turnId: string): Promise<void> {
    if (this.lifecycle.live.get(turnId) || !this.deps.bus.requestCancel)
      return this.lifecycle.cancel(userId, turnId);
    const row = await this.deps.turns.findTurn(turnId);
    if (row?.user_id !== userId) throw notFound('Turn');
    if (row.status === 'running') this.deps.bus.requestCancel({ turnId, userId });
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

  /** Turns running in this process. */
  activeTurns(): number {
    return this.lifecycle.live.running().length;
  }

  /** False once shutdown began: readiness reports it so a load balancer sends no new work. */
  get accepting(): boolean {
    return this.capacity.accepting;
  }

  /** Calls `listener` with each answer as stored at the end of its turn (metrics, usage). */
  onAnswerStored(listener: (message: Message) => void): () => void {
    this.storedListeners.add(listener);
    return () => this.storedListeners.delete(listener);
  }

  /** Stores the plan (all or nothing), announces it with `turn_started`, and runs it detached. */
  private async launch(admission: Admission): Promise<TurnHandle> {
    if ('repeat' in admission) return admission.repeat;
    const [handle] = await this.launchAll([admission.plan]);
    return handle as TurnHandle;
  }

  /** The plans of one question (several for a compare) are stored in one transaction, then each runs. */
  private async launchAll(plans: TurnPlan[]): Promise<TurnHandle[]> {
    const now = nowIso();
    const rows = plans.map((plan) => {
      const planned = buildTurnRows(plan, newId(), now);
      planned.turn.owner = this.lifecycle.instanceId;
      planned.turn.lease_until = this.lifecycle.leaseUntil();
      return planned;
    });
    const shared = rows[0] as NewTurnRows; // chat and question; the chat then shows the first answer
    try {
      await this.deps.turns.createTurns(shared, rows);
    } catch (error) {
      for (const plan of plans) plan.reservation.cancel();
      // Two concurrent sends with one clientMessageId: the loser follows the winner's turns.
      const plan = plans[0] as TurnPlan;
      if (!isUniqueViolation(error)) throw error;
      const winner = await this.deps.messages.findByClientId(plan.userId, plan.clientMessageId);
      if (!winner) throw error;
      if (plans.length === 1) return [await this.admission.repeatOf(winner, plan.text)];
      const turns = await this.deps.turns.findTurnsByUserMessage(winner.id);
      return turns.map((turn) => ({ turnId: turn.id, chatId: turn.chat_id, repeated: true }));
    }
    const stored = (shared.userMessage ? 1 : 0) + rows.length;
    const chat = toChat({
      ...shared.chat,
      ...shared.chatChanges,
      message_count: Number(shared.chat.message_count) + stored,
    });
    return plans.map((plan, index) => this.begin(plan, rows[index] as NewTurnRows, chat));
  }

  /** Registers a stored turn live, announces it, and runs it detached. */
  private begin(plan: TurnPlan, rows: NewTurnRows, chat: Chat): TurnHandle {
    const { assistantMessage } = rows;
    const { turn, persister } = announceTurn(plan, rows, chat, {
      ...this.deps,
      ...this.options,
      register: (live) => this.lifecycle.live.add(live),
    });
    const runDeps = {
      ...this.deps,
      firstTokenTimeoutMs: this.options.firstTokenTimeoutMs,
      // Kept in memory while its final write is retried; leaves once it landed or was given up.
      onLateStore: () => this.lifecycle.live.retire(turn),
    };
    void runTurn(turn, plan, toMessage(assistantMessage), persister, runDeps)
      .catch((error) => {
        this.deps.log.error({ err: error, turnId: turn.id }, 'turn failed unexpectedly');
        return 'stored' as const; // nothing left to store; the lease lets recovery close the row
      })
      .then((stored) => {
        plan.reservation.release();
        if (stored === 'stored') this.lifecycle.retire(turn);
        else turn.markFinished(); // stays in memory until the background write lands
        const done = turn.events.at(-1);
        if (done?.type !== 'done') return;
        for (const listener of this.storedListeners) {
          try {
            listener(done.payload.message);
          } catch (error) {
            this.deps.log.error({ err: error, turnId: turn.id }, 'an answer listener failed');
          }
        }
      });
    return { turnId: turn.id, chatId: plan.chat.id, repeated: false };
  }
}
