import type { ServerEvent, TurnEvent } from '@cachibot/protocol';
import type { WebSocket } from 'ws';

const MAX_BUFFERED_BYTES = 8 * 1024 * 1024;

/**
 * One socket's view of the world: which chats it follows and the last seq it got per turn, so that a
 * replay overlapping live delivery never sends an event twice.
 */
export class ClientConnection {
  private readonly lastSeq = new Map<string, number>();
  private readonly subscriptions = new Map<string, () => void>();
  private pongTimer: NodeJS.Timeout | undefined;

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
    this.socket.send(JSON.stringify(event));
  }

  /** Sends a turn event unless this socket already has it. */
  deliver(event: TurnEvent): void {
    const { turnId, seq } = event.payload;
    if (seq <= (this.lastSeq.get(turnId) ?? 0)) return;
    this.lastSeq.set(turnId, seq);
    this.send(event);
  }

  isFollowing(chatId: string): boolean {
    return this.subscriptions.has(chatId);
  }

  follow(chatId: string, unsubscribe: () => void): void {
    this.subscriptions.get(chatId)?.();
    this.subscriptions.set(chatId, unsubscribe);
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
