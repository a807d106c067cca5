import { hostname } from 'node:os';
import type { Message, TurnEvent } from '@cachibot/protocol';
import type { EventBus } from '../bus/event-bus.ts';
import { toMessage } from '../chats/message-repository.ts';
import type { TurnTable } from '../db/schema.ts';
import { notFound } from '../errors.ts';
import { newId, nowIso } from '../ids.ts';
import { type LiveTurn, LiveTurnRegistry } from './live-turn.ts';
import type { TurnCapacity } from './turn-capacity.ts';
import type { TurnRepository } from './turn-repository.ts';

export interface Logger {
  error(object: object, message: string): void;
  warn(object: object, message: string): void;
}

export interface LifecycleOptions {
  /** How long a turn stays owned without its process renewing the lease. */
  leaseMs: number;
  /** Finished turns' event logs older than this are pruned, hourly. */
  eventRetentionMs: number;
  /** This process's id in turn leases and logs (one is made when absent). */
  instanceId?: string;
}

const PRUNE_EVERY_MS = 3_600_000;

/** `host:pid:random` — enough to tell, on the same host, whether the owning process still lives. */
export function newInstanceId(): string {
  return `${hostname()}:${process.pid}:${newId().slice(-12)}`;
}

/** Engines alive in this process (tests run several; a restart in-process starts a new one). */
const instancesHere = new Set<string>();

/** Whether the process that owns a turn is gone: for sure on this host, by its lease elsewhere. */
export function ownerIsGone(turn: TurnTable, self: string, now: number): boolean {
  if (!turn.owner) return true; // turns stored before leases existed
  if (turn.owner === self) return false;
  const [host, pid] = turn.owner.split(':');
  if (host === hostname() && Number(pid) === process.pid) return !instancesHere.has(turn.owner);
  if (host === hostname() && pid) {
    try {
      process.kill(Number(pid), 0);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ESRCH') return true;
    }
  }
  return Number(turn.lease_until ?? 0) < now;
}

/** Live turns, their cancel and shutdown, and what happens to turns whose process died. */
export class TurnLifecycle {
  readonly live = new LiveTurnRegistry();
  readonly instanceId: string;
  private leaseTimer: NodeJS.Timeout | undefined;
  private pruneTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly deps: { turns: TurnRepository; capacity: TurnCapacity; log: Logger; bus?: EventBus },
    private readonly options: LifecycleOptions,
  ) {
    this.instanceId = options.instanceId ?? newInstanceId();
  }

  leaseUntil(now = Date.now()): number {
    return now + this.options.leaseMs;
  }

  /** Renews this process's leases, and closes turns of processes that died, on a timer. */
  startLeases(): void {
    instancesHere.add(this.instanceId);
    const every = Math.max(50, Math.floor(this.options.leaseMs / 3));
    this.leaseTimer = setInterval(() => {
      this.deps.turns
        .renewLeases(this.instanceId, this.leaseUntil())
        .then(() => this.recoverInterruptedTurns())
        .catch((error) => this.deps.log.warn({ err: error }, 'renewing turn leases failed'));
    }, every);
    this.leaseTimer.unref();
    void this.pruneEvents();
    this.pruneTimer = setInterval(() => void this.pruneEvents(), PRUNE_EVERY_MS);
    this.pruneTimer.unref();
  }

  /** Drops old event logs; a resume of such a turn then gets the stored message as `resync`. */
  async pruneEvents(now = Date.now()): Promise<number> {
    const before = new Date(now - this.options.eventRetentionMs).toISOString();
    try {
      return await this.deps.turns.pruneEvents(before);
    } catch (error) {
      this.deps.log.warn({ err: error }, 'pruning old turn events failed');
      return 0;
    }
  }

  stopLeases(): void {
    clearInterval(this.leaseTimer);
    clearInterval(this.pruneTimer);
    instancesHere.delete(this.instanceId);
  }

  /** Stops a turn; idempotent. Another user's turn is `not_found`. */
  cancel(userId: string, turnId: string): void {
    const turn = this.live.get(turnId);
    if (!turn || turn.init.userId !== userId) throw notFound('Turn');
    if (turn.finished || turn.cancelRequested) return;
    turn.cancelRequested = true;
    turn.controller.abort();
  }

  /** Refuses new turns, lets running ones finish within `graceMs`, interrupts the rest, waits for them. */
  async shutdown(graceMs: number): Promise<void> {
    this.deps.capacity.close();
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
    this.stopLeases();
  }

  /**
   * Turns still marked running whose process died cannot continue (the provider call died with it).
   * Mark them `error`, keep their partial text, and close their event log with error + done. A turn
   * some live process owns is left alone; claiming it first makes two recoverers close it once.
   */
  async recoverInterruptedTurns(): Promise<number> {
    const now = Date.now();
    let recovered = 0;
    for (const row of await this.deps.turns.runningTurns()) {
      if (this.live.get(row.id) || !ownerIsGone(row, this.instanceId, now)) continue;
      if (!(await this.deps.turns.claimTurn(row, this.instanceId, this.leaseUntil(now)))) continue;
      const stored = await this.deps.turns.findMessage(row.assistant_message_id);
      if (!stored) continue;
      const previous = toMessage(stored);
      const error = { code: 'interrupted', message: 'The server stopped before this answer finished' };
      const metadata = { ...previous.metadata, finishReason: 'error' as const, error };
      const message: Message = { ...previous, status: 'error', metadata, updatedAt: nowIso() };
      const fields = { turnId: row.id, chatId: row.chat_id, botId: row.bot_id };
      // Clients may have seen seqs past last_seq live; the follower answers those with `resync`.
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
      // Followers on any instance (through Redis) hear the end too; the stored log serves the rest.
      for (const event of events) this.deps.bus?.publish(event);
      recovered++;
    }
    if (recovered > 0) this.deps.log.warn({ recovered }, 'marked interrupted turns as error');
    return recovered;
  }

  /** Keeps a finished turn's events in memory a little while, then lets it go. */
  retire(turn: LiveTurn): void {
    turn.markFinished();
    this.live.retire(turn);
  }
}
