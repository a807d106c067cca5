import type { ClientFrame, ServerEvent } from '@cachibot/protocol';
import { type BackoffPolicy, backoffDelay, DEFAULT_BACKOFF } from './backoff.ts';
import { globalTimers, NamedTimers, type SocketTimers } from './named-timers.ts';
import { browserEnvironment, type SocketEnvironment } from './socket-environment.ts';

export type { SocketTimers } from './named-timers.ts';

export type ConnectionState = 'connecting' | 'connected' | 'reconnecting' | 'offline';

/** The part of the DOM `WebSocket` the client uses (a fake in tests). */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((event: unknown) => void) | null;
  onclose: ((event: unknown) => void) | null;
  onerror: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
}

export interface SocketClientOptions {
  url: string | (() => string);
  onEvent(event: ServerEvent): void;
  onStateChange?(state: ConnectionState): void;
  /** Frames sent first on every (re)connect, before queued sends: `resume` for chats with running turns. */
  resumeFrames?(): ClientFrame[];
  /**
   * A connection attempt closed before opening, `count` times in a row. Browsers hide the HTTP status of
   * a refused upgrade (401 after the session ended), so the app can check its session here.
   */
  onConnectFailure?(count: number): void;
  createSocket?(url: string): WebSocketLike;
  timers?: SocketTimers;
  random?(): number;
  environment?: SocketEnvironment;
  backoff?: BackoffPolicy;
  /** Application ping period and how long a `pong` may take before the socket counts as dead. */
  heartbeat?: { intervalMs: number; timeoutMs: number };
  /** After this long connected, the backoff starts over from its first step. */
  stableAfterMs?: number;
}

const OPEN = 1;
type TimerName = 'reconnect' | 'ping' | 'pong' | 'stable';
type OptionalHooks = 'onStateChange' | 'resumeFrames' | 'onConnectFailure';

/**
 * The one WebSocket of the app: reconnects forever (full-jitter backoff), detects dead connections with
 * an application ping, resumes running turns after each reconnect and delivers sends made while away.
 */
export class SocketClient {
  private readonly options: Required<Omit<SocketClientOptions, OptionalHooks>> &
    Pick<SocketClientOptions, OptionalHooks>;
  private socket: WebSocketLike | undefined;
  private started = false;
  private everConnected = false;
  private opened = false;
  private attempt = 0;
  private failuresInARow = 0;
  private state: ConnectionState = 'connecting';
  private readonly timers: NamedTimers<TimerName>;
  /** Sends that must reach the server at least once (idempotent by key): re-sent on every connect until acked. */
  private readonly outbox = new Map<string, ClientFrame>();
  /** Fire-and-forget frames issued while disconnected. */
  private queue: ClientFrame[] = [];
  private unlisten: (() => void) | undefined;

  constructor(options: SocketClientOptions) {
    this.options = {
      createSocket: (url) => new WebSocket(url) as unknown as WebSocketLike,
      timers: globalTimers,
      random: Math.random,
      environment: browserEnvironment,
      backoff: DEFAULT_BACKOFF,
      heartbeat: { intervalMs: 30_000, timeoutMs: 10_000 },
      stableAfterMs: 60_000,
      ...options,
    };
    this.timers = new NamedTimers<TimerName>(this.options.timers);
  }

  get connectionState(): ConnectionState {
    return this.state;
  }

  /** True between the socket's `open` and its loss. */
  get isOpen(): boolean {
    return this.opened && this.socket?.readyState === OPEN;
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    this.unlisten = this.options.environment.listen({
      online: () => this.reconnectNow(),
      offline: () => {
        this.updateState();
        this.sendPing(); // the socket may be dead without knowing it yet
      },
      visible: () => (this.isOpen ? this.sendPing() : this.reconnectNow()),
    });
    this.connect();
  }

  stop(): void {
    this.started = false;
    this.unlisten?.();
    this.unlisten = undefined;
    this.timers.clearAll();
    this.dropSocket();
    this.outbox.clear();
    this.queue = [];
    this.attempt = 0;
    this.everConnected = false;
    this.setState('connecting');
  }

  /** Sends now, or queues until the next connect. */
  send(frame: ClientFrame): void {
    if (this.isOpen) this.write(frame);
    else this.queue.push(frame);
  }

  /** Sends and keeps the frame until `ack(key)`; it is re-sent (same key) after every reconnect. */
  sendTracked(key: string, frame: ClientFrame): void {
    this.outbox.set(key, frame);
    if (this.isOpen) this.write(frame);
  }

  ack(key: string): void {
    this.outbox.delete(key);
  }

  /** Skips the backoff wait (browser back online, tab visible again). */
  reconnectNow(): void {
    this.updateState();
    if (!this.started || this.isOpen) return;
    this.timers.clear('reconnect');
    if (this.socket) this.dropSocket();
    this.connect();
  }

  private connect(): void {
    this.timers.clear('reconnect');
    this.updateState();
    const url = typeof this.options.url === 'function' ? this.options.url() : this.options.url;
    let socket: WebSocketLike;
    try {
      socket = this.options.createSocket(url);
    } catch {
      this.scheduleReconnect();
      return;
    }
    this.socket = socket;
    socket.onopen = () => socket === this.socket && this.handleOpen();
    socket.onmessage = (event) => socket === this.socket && this.handleMessage(event.data);
    socket.onclose = () => socket === this.socket && this.handleLost();
    socket.onerror = () => undefined; // a close event always follows
  }

  private handleOpen(): void {
    this.everConnected = true;
    this.opened = true;
    this.failuresInARow = 0;
    this.updateState();
    this.timers.set('stable', this.options.stableAfterMs, () => {
      this.attempt = 0;
    });
    for (const frame of this.options.resumeFrames?.() ?? []) this.write(frame);
    for (const frame of this.outbox.values()) this.write(frame);
    const queued = this.queue;
    this.queue = [];
    for (const frame of queued) this.write(frame);
    this.schedulePing();
  }

  private handleMessage(data: unknown): void {
    if (typeof data !== 'string') return;
    let event: unknown;
    try {
      event = JSON.parse(data);
    } catch {
      return;
    }
    if (!event || typeof event !== 'object') return;
    const { type, payload } = event as { type?: unknown; payload?: unknown };
    if (typeof type !== 'string' || !payload || typeof payload !== 'object') return;
    if (type === 'pong') this.timers.clear('pong');
    this.options.onEvent(event as ServerEvent);
  }

  /** The socket closed or was declared dead: schedule the next try. */
  private handleLost(): void {
    const neverOpened = !this.opened;
    this.dropSocket();
    if (neverOpened && this.started) this.options.onConnectFailure?.(++this.failuresInARow);
    if (this.started) this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    const delay = backoffDelay(this.attempt, this.options.random, this.options.backoff);
    this.attempt += 1;
    this.timers.set('reconnect', delay, () => this.connect());
    this.updateState();
  }

  private dropSocket(): void {
    this.timers.clear('ping', 'pong', 'stable');
    const socket = this.socket;
    this.socket = undefined;
    this.opened = false;
    if (!socket) return;
    socket.onopen = socket.onmessage = socket.onclose = socket.onerror = null;
    try {
      socket.close(1000);
    } catch {
      // Closing a socket that never opened may throw in some browsers; it is gone either way.
    }
  }

  private schedulePing(): void {
    this.timers.set('ping', this.options.heartbeat.intervalMs, () => {
      this.sendPing();
      this.schedulePing();
    });
  }

  private sendPing(): void {
    if (!this.isOpen) return;
    this.write({ type: 'ping', payload: { ts: Date.now() } });
    if (!this.timers.has('pong')) {
      this.timers.set('pong', this.options.heartbeat.timeoutMs, () => this.handleLost());
    }
  }

  private write(frame: ClientFrame): void {
    try {
      this.socket?.send(JSON.stringify(frame));
    } catch {
      // A send on a dying socket: the close handler reconnects and tracked frames are re-sent.
    }
  }

  private updateState(): void {
    if (!this.options.environment.isOnline()) this.setState('offline');
    else if (this.isOpen) this.setState('connected');
    else this.setState(this.everConnected ? 'reconnecting' : 'connecting');
  }

  private setState(state: ConnectionState): void {
    if (state === this.state) return;
    this.state = state;
    this.options.onStateChange?.(state);
  }
}
