import type { TurnEvent, TurnEventPayloads, TurnEventType, TurnFields } from '@cachibot/protocol';
import type { EventBus } from '../bus/event-bus.ts';

export interface LiveTurnInit {
  id: string;
  userId: string;
  chatId: string;
  botId: string;
  assistantMessageId: string;
}

/**
 * A running turn in memory: every event it emitted (for resume), its own AbortController (fired only
 * by an explicit cancel or shutdown, never by a socket), and the gap-free seq counter.
 */
export class LiveTurn {
  readonly events: TurnEvent[] = [];
  readonly controller = new AbortController();
  cancelRequested = false;
  /** Stopped because the server shut down past its grace: an interruption, not the user's cancel. */
  interrupted = false;
  finished = false;
  private readonly finishedWaiters: (() => void)[] = [];

  constructor(
    readonly init: LiveTurnInit,
    private readonly bus: EventBus,
  ) {}

  get id() {
    return this.init.id;
  }
  get lastSeq() {
    return this.events.length;
  }

  /** Builds the next event (seq = previous + 1) and keeps it; `publish` sends it to subscribers. */
  record<K extends TurnEventType>(type: K, payload: TurnEventPayloads[K]): TurnEvent {
    const fields: TurnFields = {
      turnId: this.init.id,
      chatId: this.init.chatId,
      botId: this.init.botId,
      seq: this.events.length + 1,
    };
    const event = { type, payload: { ...payload, ...fields } } as TurnEvent;
    this.events.push(event);
    return event;
  }

  /** A listener's failure is the bus's to report; it never reaches the turn. */
  publish(event: TurnEvent): void {
    this.bus.publish(event);
  }

  /** Takes back the newest `count` events, recorded but never published (a final write that failed). */
  unrecord(count: number): void {
    this.events.splice(this.events.length - count, count);
  }

  emit<K extends TurnEventType>(type: K, payload: TurnEventPayloads[K]): TurnEvent {
    const event = this.record(type, payload);
    this.publish(event);
    return event;
  }

  eventsAfter(seq: number): TurnEvent[] {
    return this.events.slice(Math.max(0, seq));
  }

  markFinished(): void {
    this.finished = true;
    for (const resolve of this.finishedWaiters.splice(0)) resolve();
  }

  whenFinished(): Promise<void> {
    if (this.finished) return Promise.resolve();
    return new Promise((resolve) => this.finishedWaiters.push(resolve));
  }
}

/**
 * Live turns by id and by chat. A finished turn stays a little while (its events are already stored)
 * so that a resume racing its end is served from memory; after that the database log serves it.
 */
export class LiveTurnRegistry {
  private readonly turns = new Map<string, LiveTurn>();
  private readonly latestByChat = new Map<string, LiveTurn>();

  constructor(private readonly keepFinishedMs = 5_000) {}

  add(turn: LiveTurn): void {
    this.turns.set(turn.id, turn);
    this.latestByChat.set(turn.init.chatId, turn);
  }

  get(turnId: string): LiveTurn | undefined {
    return this.turns.get(turnId);
  }

  latestOfChat(chatId: string): LiveTurn | undefined {
    return this.latestByChat.get(chatId);
  }

  /** The chat's turns still running in this process (several during a compare), oldest first. */
  runningOfChat(chatId: string): LiveTurn[] {
    return [...this.turns.values()].filter((turn) => turn.init.chatId === chatId && !turn.finished);
  }

  running(): LiveTurn[] {
    return [...this.turns.values()].filter((turn) => !turn.finished);
  }

  /** Called once, when the turn has finished and is stored: it leaves memory soon. */
  retire(turn: LiveTurn): void {
    const timer = setTimeout(() => {
      this.turns.delete(turn.id);
      if (this.latestByChat.get(turn.init.chatId) === turn) this.latestByChat.delete(turn.init.chatId);
    }, this.keepFinishedMs);
    timer.unref();
  }
}
