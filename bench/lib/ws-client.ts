import WebSocket from 'ws';
import type { StreamTiming } from './direct-client.ts';
import { countWords } from './stats.ts';

/** The server's own clock readings for a turn, from the metadata of its `done` message (ms, Date.now()). */
export interface ServerTurnClock {
  /** receipt of the chat frame → first token handed to the sockets */
  ttftMs: number;
  /** receipt → end of the turn */
  durationMs: number;
  /** the model call itself: request to the provider → end of its stream */
  attemptMs: number;
}

export interface TurnTiming extends StreamTiming {
  turnId?: string;
  chatId?: string;
  server?: ServerTurnClock;
}

export interface ChatRequest {
  botId: string;
  chatId?: string;
  message: string;
}

interface InFlight {
  timing: TurnTiming;
  text: string;
  resolve: (timing: TurnTiming) => void;
  timer: NodeJS.Timeout;
}

let sent = 0;

/**
 * One authenticated WebSocket running at most one turn at a time, so every turn event on it belongs
 * to that turn. Records arrival times only; parsing is the minimum needed to tell events apart.
 */
export class BenchSocket {
  private current: InFlight | undefined;

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data) => this.onMessage(data as Buffer));
    socket.on('close', () => this.fail('socket closed'));
    socket.on('error', () => undefined);
  }

  static connect(wsUrl: string, token: string, timeoutMs = 30_000): Promise<BenchSocket> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(wsUrl, {
        headers: { authorization: `Bearer ${token}` },
        perMessageDeflate: false,
      });
      const timer = setTimeout(() => {
        socket.terminate();
        reject(new Error('WebSocket connect timed out'));
      }, timeoutMs);
      socket.once('open', () => {
        clearTimeout(timer);
        resolve(new BenchSocket(socket));
      });
      socket.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      socket.once('unexpected-response', (_request, response) => {
        clearTimeout(timer);
        reject(new Error(`upgrade refused: HTTP ${response.statusCode}`));
      });
    });
  }

  /** Sends a `chat` frame and resolves at the turn's `done` (or its failure), never rejects. */
  runTurn(request: ChatRequest, timeoutMs = 120_000): Promise<TurnTiming> {
    if (this.current) throw new Error('BenchSocket runs one turn at a time');
    return new Promise((resolve) => {
      const timing: TurnTiming = {
        sentAt: 0,
        firstTokenAt: Number.NaN,
        lastTokenAt: Number.NaN,
        endAt: Number.NaN,
        tokens: 0,
      };
      const timer = setTimeout(() => this.fail(`no done within ${timeoutMs} ms`), timeoutMs);
      this.current = { timing, text: '', resolve, timer };
      const frame = JSON.stringify({
        type: 'chat',
        payload: { clientMessageId: `bench-${process.pid}-${++sent}`, ...request },
      });
      timing.sentAt = performance.now();
      this.socket.send(frame);
    });
  }

  private onMessage(data: Buffer): void {
    const now = performance.now();
    const turn = this.current;
    if (!turn) return;
    const event = JSON.parse(data.toString('utf8')) as { type: string; payload: Record<string, unknown> };
    const { timing } = turn;
    switch (event.type) {
      case 'turn_started':
        timing.startedAt = now;
        timing.turnId = event.payload.turnId as string;
        timing.chatId = event.payload.chatId as string;
        return;
      case 'text_delta':
        if (Number.isNaN(timing.firstTokenAt)) timing.firstTokenAt = now;
        timing.lastTokenAt = now;
        turn.text += event.payload.delta as string;
        return;
      case 'error':
        timing.error = String(event.payload.code);
        // An error outside a turn (a refused chat) has no done to wait for.
        if (!event.payload.turnId) this.finish(now);
        return;
      case 'done': {
        const message = event.payload.message as
          | {
              status?: string;
              metadata?: { ttftMs?: number; durationMs?: number; attempts?: { durationMs: number }[] };
            }
          | undefined;
        if (message?.status !== 'complete') timing.error ??= `status ${message?.status}`;
        const metadata = message?.metadata;
        if (metadata?.ttftMs !== undefined && metadata.durationMs !== undefined && metadata.attempts?.[0]) {
          timing.server = {
            ttftMs: metadata.ttftMs,
            durationMs: metadata.durationMs,
            attemptMs: metadata.attempts[0].durationMs,
          };
        }
        this.finish(now);
        return;
      }
      default:
        return;
    }
  }

  private finish(now: number): void {
    const turn = this.current;
    if (!turn) return;
    this.current = undefined;
    clearTimeout(turn.timer);
    turn.timing.endAt = now;
    turn.timing.tokens = countWords(turn.text);
    turn.resolve(turn.timing);
  }

  private fail(reason: string): void {
    if (!this.current) return;
    this.current.timing.error ??= reason;
    this.finish(performance.now());
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      if (this.socket.readyState === WebSocket.CLOSED) return resolve();
      this.socket.once('close', () => resolve());
      this.socket.close();
      setTimeout(() => {
        this.socket.terminate();
        resolve();
      }, 2000).unref();
    });
  }
}

/** Opens `count` sockets with at most `parallel` upgrades in flight; tokens are used round-robin. */
export async function openSockets(
  wsUrl: string,
  tokens: string[],
  count: number,
  parallel = 50,
): Promise<BenchSocket[]> {
  const sockets: BenchSocket[] = new Array(count);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const index = next++;
      sockets[index] = await BenchSocket.connect(wsUrl, tokens[index % tokens.length] as string);
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, count) }, worker));
  return sockets;
}

export async function closeSockets(sockets: BenchSocket[], parallel = 500): Promise<void> {
  for (let i = 0; i < sockets.length; i += parallel) {
    await Promise.all(sockets.slice(i, i + parallel).map((socket) => socket.close()));
  }
}
