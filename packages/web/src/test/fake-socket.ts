import type { ClientFrame, ServerEvent } from '@cachibot/protocol';
import type { SocketTimers, WebSocketLike } from '../api/socket.ts';
import type { SocketEnvironment } from '../api/socket-environment.ts';

/** A scripted WebSocket: the test opens, drops and feeds it. */
export class FakeSocket implements WebSocketLike {
  readyState = 0;
  sent: ClientFrame[] = [];
  closed = false;
  onopen: ((event: unknown) => void) | null = null;
  onclose: ((event: unknown) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  constructor(readonly url: string) {}
  send(data: string) {
    this.sent.push(JSON.parse(data) as ClientFrame);
  }
  close() {
    this.closed = true;
    this.readyState = 3;
  }
  open() {
    this.readyState = 1;
    this.onopen?.({});
  }
  drop() {
    this.readyState = 3;
    this.onclose?.({});
  }
  receive(event: ServerEvent) {
    this.onmessage?.({ data: JSON.stringify(event) });
  }
  types() {
    return this.sent.map((frame) => frame.type);
  }
}

/** Timers driven by hand: `advance(ms)` runs what falls due, in order. */
export class ManualTimers implements SocketTimers {
  now = 0;
  private nextId = 1;
  private pending = new Map<number, { at: number; callback: () => void }>();
  setTimeout(callback: () => void, ms: number) {
    const id = this.nextId++;
    this.pending.set(id, { at: this.now + ms, callback });
    return id;
  }
  clearTimeout(handle: unknown) {
    this.pending.delete(handle as number);
  }
  advance(ms: number) {
    const end = this.now + ms;
    for (;;) {
      const due = [...this.pending.entries()]
        .filter(([, t]) => t.at <= end)
        .sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) break;
      this.pending.delete(due[0]);
      this.now = due[1].at;
      due[1].callback();
    }
    this.now = end;
  }
  delays() {
    return [...this.pending.values()].map((t) => t.at - this.now);
  }
}

/** Online state and browser events under the test's control. */
export class FakeEnvironment implements SocketEnvironment {
  online = true;
  handlers: { online(): void; offline(): void; visible(): void } | undefined;
  isOnline() {
    return this.online;
  }
  listen(handlers: { online(): void; offline(): void; visible(): void }) {
    this.handlers = handlers;
    return () => {
      this.handlers = undefined;
    };
  }
}
