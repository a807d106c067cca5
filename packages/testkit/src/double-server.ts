// The protocol-neutral half of a provider double: a loopback HTTP server that records chat
// requests, resolves knobs, fails/hangs on demand and paces tokens. Each provider module plugs in
// a ProtocolAdapter that knows its paths and wire format.
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { copyHeaders, readJsonObject, sendJson } from './http-io.ts';
import {
  DirectiveError,
  type DoubleKnobs,
  mergeKnobs,
  parseDirective,
  planTokens,
  type TokenPlan,
} from './knobs.ts';
import { type DoubleRequest, RequestLog } from './request-log.ts';

export type { DoubleRequest } from './request-log.ts';

/** What an adapter reads out of a chat request body. */
export interface ParsedChat {
  model: string;
  messages: unknown[];
  /** Text of the last user message: where `[[double …]]` directives are looked for. */
  lastUserText: string;
  promptTokens: number;
  stream: boolean;
  maxTokens: number | undefined;
}

/** Everything an adapter needs to answer one chat request. */
export interface ChatExchange {
  res: http.ServerResponse;
  body: Record<string, unknown>;
  chat: ParsedChat;
  knobs: DoubleKnobs;
  plan: TokenPlan;
  reportedModel: string;
  /**
   * Calls `send` for each planned token, waiting the knob delays. Resolves 'stopped' when the
   * client went away or `cutAfter` cut the connection: the adapter must then write nothing more.
   */
  emitTokens(send: (token: string) => void): Promise<'done' | 'stopped'>;
}

export interface ProtocolAdapter {
  chatPath: string;
  modelsPath: string;
  defaultModels: string[];
  parseChat(body: Record<string, unknown>): ParsedChat;
  modelList(ids: string[]): unknown;
  errorBody(status: number, message: string): unknown;
  modelNotFoundBody(model: string): unknown;
  respond(exchange: ChatExchange): Promise<void>;
}

export interface DoubleOptions {
  /** Model ids served by the models endpoint (and accepted when `strictModels` is on). */
  models?: string[];
  /** Starting global knobs; `reset()` returns to these. */
  knobs?: DoubleKnobs;
  strictModels?: boolean;
  /** Defaults to 0: the OS picks a free port. */
  port?: number;
}

export interface ProviderDouble {
  readonly port: number;
  readonly models: string[];
  readonly requests: DoubleRequest[];
  /** Merges into the global knobs (an explicit `undefined` clears a knob). */
  configure(knobs: DoubleKnobs): void;
  /** Knobs for one requested model id; they override the global knobs. */
  configureModel(modelId: string, knobs: DoubleKnobs): void;
  /** Back to the start options: knobs, per-model knobs, failure counters and recorded requests. */
  reset(): void;
  waitForRequests(count: number, timeoutMs?: number): Promise<DoubleRequest[]>;
  /** Resolves once `predicate` holds; re-checked whenever a request starts or ends. */
  waitUntil(predicate: (requests: DoubleRequest[]) => boolean, timeoutMs?: number): Promise<DoubleRequest[]>;
  /** Stops the server and destroys every open connection, hanging ones included. */
  close(): Promise<void>;
}

export async function startProviderDouble(
  adapter: ProtocolAdapter,
  options: DoubleOptions = {},
): Promise<ProviderDouble> {
  const models = [...(options.models ?? adapter.defaultModels)];
  const startKnobs = mergeKnobs(options.knobs, { strictModels: options.strictModels });
  let globalKnobs: DoubleKnobs = { ...startKnobs };
  const modelKnobs = new Map<string, DoubleKnobs>();
  const failuresServed = new Map<string, number>();
  const log = new RequestLog();
  const sockets = new Set<Socket>();
  let closing = false;

  // The first `failTimes` requests of a model fail; with no `failTimes` every request fails.
  const shouldFail = (model: string, knobs: DoubleKnobs): boolean => {
    if (knobs.status === undefined || knobs.status < 400) return false;
    const served = failuresServed.get(model) ?? 0;
    if (knobs.failTimes !== undefined && served >= knobs.failTimes) return false;
    failuresServed.set(model, served + 1);
    return true;
  };

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://double').pathname;
    if (req.method === 'GET' && path === adapter.modelsPath)
      return sendJson(res, 200, adapter.modelList(models));
    if (req.method !== 'POST' || path !== adapter.chatPath) {
      return sendJson(
        res,
        404,
        adapter.errorBody(404, `The provider double has no route ${req.method} ${path}`),
      );
    }
    const body = await readJsonObject(req);
    if (!body) return sendJson(res, 400, adapter.errorBody(400, 'The request body is not a JSON object'));

    const chat = adapter.parseChat(body);
    const record: DoubleRequest = {
      path,
      model: chat.model,
      messages: chat.messages,
      headers: copyHeaders(req.headers),
      body,
      aborted: false,
      startedAt: Date.now(),
      tokensSent: 0,
    };
    let cutByDouble = false;
    const clientGone = new AbortController();
    res.on('close', () => {
      record.finishedAt = Date.now();
      if (res.headersSent) record.status = res.statusCode;
      if (!res.writableFinished && !cutByDouble && !closing) record.aborted = true;
      clientGone.abort();
      log.changed();
    });
    log.add(record);

    let directive: DoubleKnobs;
    try {
      directive = parseDirective(chat.lastUserText);
    } catch (error) {
      if (error instanceof DirectiveError) return sendJson(res, 400, adapter.errorBody(400, error.message));
      throw error;
    }
    const knobs = mergeKnobs(globalKnobs, modelKnobs.get(chat.model), directive);
    if (knobs.strictModels && !models.includes(chat.model))
      return sendJson(res, 404, adapter.modelNotFoundBody(chat.model));
    if (shouldFail(chat.model, knobs)) {
      const status = knobs.status ?? 500;
      const headers: Record<string, string> =
        knobs.retryAfterMs !== undefined ? { 'retry-after-ms': String(knobs.retryAfterMs) } : {};
      return sendJson(
        res,
        status,
        adapter.errorBody(status, `Simulated ${status} error from the provider double`),
        headers,
      );
    }
    if (knobs.hang) return; // the 'close' listener records the client's abort

    const plan = planTokens(knobs, chat.maxTokens);
    const cutConnection = () => {
      cutByDouble = true;
      const socket = res.socket;
      // end() flushes the tokens already written before the connection goes away.
      socket?.end(() => socket.destroy());
    };
    const emitTokens = async (send: (token: string) => void): Promise<'done' | 'stopped'> => {
      const limit = knobs.cutAfter ?? Number.POSITIVE_INFINITY;
      for (const [index, token] of plan.tokens.entries()) {
        if (index >= limit) break;
        const wait = index === 0 ? (knobs.firstTokenDelayMs ?? knobs.delayMs ?? 0) : (knobs.delayMs ?? 0);
        if (wait > 0) await sleep(wait, undefined, { signal: clientGone.signal }).catch(() => undefined);
        if (clientGone.signal.aborted) return 'stopped';
        send(token);
        record.tokensSent += 1;
      }
      // cutAfter always cuts, even past the last token: the end-of-stream marker never arrives.
      if (knobs.cutAfter !== undefined) {
        cutConnection();
        return 'stopped';
      }
      return clientGone.signal.aborted ? 'stopped' : 'done';
    };
    const reportedModel = knobs.reportedModel ?? `${chat.model}-double`;
    await adapter.respond({ res, body, chat, knobs, plan, reportedModel, emitTokens });
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (res.headersSent) res.destroy();
      else sendJson(res, 500, adapter.errorBody(500, `Provider double failed: ${String(error)}`));
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });

  return {
    port: (server.address() as AddressInfo).port,
    models,
    requests: log.requests,
    configure: (knobs) => {
      globalKnobs = { ...globalKnobs, ...knobs };
    },
    configureModel: (modelId, knobs) => {
      modelKnobs.set(modelId, { ...modelKnobs.get(modelId), ...knobs });
    },
    reset: () => {
      globalKnobs = { ...startKnobs };
      modelKnobs.clear();
      failuresServed.clear();
      log.clear();
    },
    waitForRequests: (count, timeoutMs) => log.waitUntil((all) => all.length >= count, timeoutMs),
    waitUntil: (predicate, timeoutMs) => log.waitUntil(predicate, timeoutMs),
    close: async () => {
      closing = true;
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
