import type { ClientFrame, ServerEvent } from '@cachibot/protocol';
import { vi } from 'vitest';

type Handler = (request: {
  method: string;
  url: URL;
  body: unknown;
}) => { status?: number; body?: unknown } | undefined;

/** Stubs `fetch` with route handlers (`"GET /api/bots"`) and records every call. */
export function fakeRest(routes: Record<string, Handler | unknown>) {
  const calls: { method: string; path: string; body: unknown }[] = [];
  const fetch = vi.fn(async (input: string, init: RequestInit = {}) => {
    const url = new URL(input, 'http://localhost');
    const method = init.method ?? 'GET';
    const body = typeof init.body === 'string' ? JSON.parse(init.body) : undefined;
    calls.push({ method, path: url.pathname, body });
    const route = routes[`${method} ${url.pathname}`];
    const answer = typeof route === 'function' ? (route as Handler)({ method, url, body }) : { body: route };
    if (!answer || route === undefined) {
      return new Response(
        JSON.stringify({ error: { code: 'not_found', message: `No route ${method} ${url.pathname}` } }),
        { status: 404 },
      );
    }
    const status = answer.status ?? 200;
    return new Response(status === 204 ? null : JSON.stringify(answer.body ?? {}), { status });
  });
  vi.stubGlobal('fetch', fetch);
  return { calls };
}

/** Replaces the global WebSocket; each instance records frames and can be driven by the test. */
export function fakeWebSockets() {
  const sockets: FakeBrowserSocket[] = [];
  class FakeBrowserSocket {
    static readonly OPEN = 1;
    readyState = 0;
    sent: ClientFrame[] = [];
    onopen: ((event: unknown) => void) | null = null;
    onclose: ((event: unknown) => void) | null = null;
    onerror: ((event: unknown) => void) | null = null;
    onmessage: ((event: { data: unknown }) => void) | null = null;
    constructor(readonly url: string) {
      sockets.push(this);
    }
    send(data: string) {
      this.sent.push(JSON.parse(data) as ClientFrame);
    }
    close() {
      this.readyState = 3;
    }
    open() {
      this.readyState = 1;
      this.onopen?.({});
    }
    emit(event: ServerEvent) {
      this.onmessage?.({ data: JSON.stringify(event) });
    }
  }
  vi.stubGlobal('WebSocket', FakeBrowserSocket);
  return sockets;
}
