import type { ServerEvent, TurnEvent } from '@cachibot/protocol';
import WebSocket from 'ws';
import { scaled } from './deadlines.ts';

/** A WebSocket test client that records every event and can wait for one. */
export class WsClient {
  readonly events: ServerEvent[] = [];
  private waiters: { predicate: (event: ServerEvent) => boolean; resolve: (event: ServerEvent) => void }[] =
    [];
  /** Conditions over all events so far (see `until`): each returns true once it is settled. */
  private conditions: (() => boolean)[] = [];

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data) => {
      const event = JSON.parse(String(data)) as ServerEvent;
      this.events.push(event);
      this.waiters = this.waiters.filter((waiter) => {
        if (!waiter.predicate(event)) return true;
        waiter.resolve(event);
        return false;
      });
      this.settleConditions();
    });
    socket.on('close', () => this.settleConditions());
  }

  private settleConditions(): void {
    this.conditions = this.conditions.filter((settled) => !settled());
  }

  static connect(url: string, token: string, headers: Record<string, string> = {}): Promise<WsClient> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url, { headers: { authorization: `Bearer ${token}`, ...headers } });
      socket.once('open', () => resolve(new WsClient(socket)));
      socket.once('error', reject);
      socket.once('unexpected-response', (_request, response) =>
        reject(new Error(`upgrade refused: ${response.statusCode}`)),
      );
    });
  }

  send(type: string, payload?: unknown): void {
    this.socket.send(JSON.stringify(payload === undefined ? { type } : { type, payload }));
  }

  sendRaw(data: string | Buffer, binary = false): void {
    this.socket.send(data, { binary });
  }

  /** Resolves with the first event (already received or coming) that matches. */
  waitFor<T extends ServerEvent['type']>(
    type: T,
    predicate: (event: Extract<ServerEvent, { type: T }>) => boolean = () => true,
    timeoutMs = scaled(10_000),
  ): Promise<Extract<ServerEvent, { type: T }>> {
    const matches = (event: ServerEvent) =>
      event.type === type && predicate(event as Extract<ServerEvent, { type: T }>);
    const seen = this.events.find(matches);
    if (seen) return Promise.resolve(seen as Extract<ServerEvent, { type: T }>);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${type}`)),
        timeoutMs,
      );
      this.waiters.push({
        predicate: matches,
        resolve: (event) => {
          clearTimeout(timer);
          resolve(event as Extract<ServerEvent, { type: T }>);
        },
      });
    });
  }

  /**
   * Resolves once `check` holds over the events received so far; checked now, at every event and when
   * the socket closes (so a check can also end on `socket.readyState`). Rejects after the deadline.
   */
  until(check: (events: ServerEvent[]) => boolean, what: string, timeoutMs = scaled(10_000)): Promise<void> {
    if (check(this.events)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.conditions = this.conditions.filter((condition) => condition !== settled);
        reject(new Error(`timed out after ${timeoutMs} ms waiting until ${what}`));
      }, timeoutMs);
      const settled = () => {
        if (!check(this.events)) return false;
        clearTimeout(timer);
        resolve();
        return true;
      };
      this.conditions.push(settled);
    });
  }

  /** The events of one turn, in arrival order. */
  turnEvents(turnId: string): TurnEvent[] {
    return this.events.filter(
      (event): event is TurnEvent =>
        event.type !== 'resync' &&
        (event.payload as { turnId?: string; seq?: number }).turnId === turnId &&
        'seq' in event.payload,
    );
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      if (this.socket.readyState === WebSocket.CLOSED) return resolve();
      this.socket.once('close', () => resolve());
      this.socket.close();
    });
  }
}
