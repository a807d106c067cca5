import type { ServerEvent, TurnEvent } from '@cachibot/protocol';
import type { WebSocket } from 'ws';

const MAX_BUFFERED_BYTES = 8 * 1024 * 1024;
/** A replay pauses while more than this is waiting to leave, and goes on at the socket's `drain`. */
const REPLAY_HIGH_WATER_BYTES = 512 * 1024;
/** Turns whose last seq a socket remembers, and chats it follows: the oldest go first. */
export const MAX_TRACKED_TURNS = 1_000;
export const MAX_FOLLOWED_CHATS = 200;
/** Live events held during one replay at most; beyond, the client's gap check asks for a resume. */
const MAX_HELD_EVENTS = 100_000;

/** The TCP socket under a `ws` WebSocket (not public API, hence optional). */
type Corkable = {
  cork(): void;
  uncork(): void;
  once?(event: 'drain' | 'close', listener: () => void): void;
  off?(event: 'drain' | 'close', listener: () => void): void;
};

/** One event object goes to every follower: serialize it once, not once per socket. */
const serialized = new WeakMap<object, string>();
function serialize(event: ServerEvent): string {
  let text = serialized.get(event);
  if (text === undefined) {
    text = JSON.stringify(event);
    serialized.set(event, text);
  }
  return text;
}

/**
 * One socket's view of the world: which chats it follows and the last seq it got per turn, so that a
 * replay overlapping live delivery never sends an event twice.
 */
export class ClientConnection {
  private readonly lastSeq = new Map<string, number>();
  private readonly subscriptions = new Map<string, () => void>();
  private pongTimer: NodeJS.Timeout | undefined;
  private tick: 'idle' | 'sent' | 'corked' = 'idle';

  constructor(
    readonly socket: WebSocket,
    readonly userId: string,
    readonly sessionId: string,
  ) {}

  send(event: ServerEvent): void {
    if (this.socket.readyState !== this.socket.OPEN) return;
    // A reader too slow to keep up is dropped; it resumes from its last seq when it reconnects.
    if (this.socket.bufferedAmount > MAX_BUFFERED_BYTES) {
      this.socket.terminate();
      return;
    }
    this.batchTick();
    this.socket.send(serialize(event));
  }

  /**
   * One syscall per frame was the top cost under load. The first frame of a tick leaves at once (the
   * first token is never held back); later frames of the same tick are corked and leave together.
   */
  private batchTick(): void {
    const raw = (this.socket as unknown as { _socket?: Corkable })._socket;
    if (!raw) return;
    if (this.tick === 'idle') {
      this.tick = 'sent';
      process.nextTick(() => {
        if (this.tick === 'corked') raw.uncork();
        this.tick = 'idle';
      });
    } else if (this.tick === 'sent') {
      this.tick = 'corked';
      raw.cork();
    }
  }

  /** Turns whose end this socket has had (a `done`, or a `resync` standing for it). */
  private readonly ended = new Set<string>();
  /** Chats whose live events wait while a replay of them runs (count of holds, events held). */
  private readonly held = new Map<string, { holds: number; events: TurnEvent[] }>();

  /**
   * Holds this chat's live events until the returned function is called: a replay from the database
   * goes out first, and what arrived meanwhile (from another instance) follows it, deduplicated.
   */
  hold(chatId: string): () => void {
    const entry = this.held.get(chatId) ?? { holds: 0, events: [] };
    entry.holds++;
    this.held.set(chatId, entry);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      if (--entry.holds > 0) return;
      this.held.delete(chatId);
      for (const event of entry.events) this.deliver(event);
    };
  }

  /** The client says it has a turn up to `seq`: what follows is sent again, even if sent before. */
  rewind(turnId: string, seq: number): void {
    const last = this.lastSeq.get(turnId);
    if (last !== undefined && last > seq) this.lastSeq.set(turnId, seq);
  }

  /** Sends a turn event unless this socket already has it; held while a replay of its chat runs. */
  deliver(event: TurnEvent): void {
    const waiting = this.held.get(event.payload.chatId);
    if (waiting) {
      if (waiting.events.length < MAX_HELD_EVENTS) waiting.events.push(event);
      return;
    }
    this.deliverReplay(event);
  }

  /** Sends a turn event of a replay (never held), unless this socket already has it. */
  deliverReplay(event: TurnEvent): void {
    const { turnId, seq } = event.payload;
    const last = this.lastSeq.get(turnId);
    if (event.type === 'done' && !this.ended.has(turnId)) {
      this.ended.add(turnId);
      if (this.ended.size > MAX_TRACKED_TURNS) this.ended.delete(this.ended.values().next().value as string);
      // The end of a turn closed by recovery may reuse seqs this socket saw live from the instance
      // that died: the stored message, as a snapshot, is what brings the client in line.
      if (last !== undefined && seq <= last) {
        const { chatId, botId } = event.payload;
        this.send({ type: 'resync', payload: { chatId, turnId, botId, message: event.payload.message } });
        return;
      }
    }
    if (last !== undefined && seq <= last) return;
    // Re-inserted so the map's order is least recently used first.
    this.lastSeq.delete(turnId);
    this.lastSeq.set(turnId, seq);
    if (this.lastSeq.size > MAX_TRACKED_TURNS)
      this.lastSeq.delete(this.lastSeq.keys().next().value as string);
    this.send(event);
  }

  /** Resolves when the socket has room for more (at once if it has); a closed socket resolves too. */
  drained(): Promise<void> {
    const raw = (this.socket as unknown as { _socket?: Corkable })._socket;
    if (this.socket.readyState !== this.socket.OPEN || this.socket.bufferedAmount <= REPLAY_HIGH_WATER_BYTES)
      return Promise.resolve();
    if (!raw?.once || !raw.off) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        raw.off?.('drain', done);
        raw.off?.('close', done);
        resolve();
      };
      raw.once?.('drain', done);
      raw.once?.('close', done);
    });
  }

  isFollowing(chatId: string): boolean {
    return this.subscriptions.has(chatId);
  }

  follow(chatId: string, unsubscribe: () => void): void {
    this.subscriptions.get(chatId)?.();
    this.subscriptions.delete(chatId);
    this.subscriptions.set(chatId, unsubscribe);
    if (this.subscriptions.size > MAX_FOLLOWED_CHATS) {
      const [oldest, stop] = this.subscriptions.entries().next().value as [string, () => void];
      stop();
      this.subscriptions.delete(oldest);
    }
  }

  /** Heartbeat: a protocol ping, and the socket is dropped if no pong comes back in time. */
  ping(timeoutMs: number): void {
    if (this.pongTimer) return;
    this.pongTimer = setTimeout(() => this.socket.terminate(), timeoutMs);
    this.socket.ping();
  }

  pong(): void {
    clearTimeout(this.pongTimer);
    this.pongTimer = undefined;
  }

  close(): void {
    clearTimeout(this.pongTimer);
    for (const unsubscribe of this.subscriptions.values()) unsubscribe();
    this.subscriptions.clear();
  }
}
