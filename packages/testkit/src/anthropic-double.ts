// Anthropic Messages double: `POST /v1/messages` (JSON or SSE with named events) and
// `GET /v1/models`, in the wire format of api.anthropic.com, so `@ai-sdk/anthropic` talks to it
// unchanged.
import { randomUUID } from 'node:crypto';
import type http from 'node:http';
import {
  type ChatExchange,
  type DoubleOptions,
  type ParsedChat,
  type ProtocolAdapter,
  type ProviderDouble,
  startProviderDouble,
} from './double-server.ts';
import { sendJson } from './http-io.ts';
import type { FinishReason } from './knobs.ts';
import { contentText, countPromptWords, lastUserText, numberField } from './message-text.ts';

export interface AnthropicDouble extends ProviderDouble {
  /** Origin without `/v1` (Anthropic's own base URL style). */
  readonly url: string;
  /** `${url}/v1`: what `createAnthropic({ baseURL })` expects. */
  readonly baseURL: string;
}

export const DEFAULT_ANTHROPIC_MODELS = ['claude-sonnet-4-5', 'claude-haiku-4-5', 'double-fast'];

const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
  connection: 'keep-alive',
};

const MODEL_CREATED_AT = '2025-01-01T00:00:00Z';

const STOP_REASONS: Record<FinishReason, string> = { stop: 'end_turn', length: 'max_tokens' };

export async function startAnthropicDouble(options: DoubleOptions = {}): Promise<AnthropicDouble> {
  const double = await startProviderDouble(anthropicAdapter, options);
  const url = `http://127.0.0.1:${double.port}`;
  return Object.assign(double, { url, baseURL: `${url}/v1` });
}

const anthropicAdapter: ProtocolAdapter = {
  chatPath: '/v1/messages',
  modelsPath: '/v1/models',
  defaultModels: DEFAULT_ANTHROPIC_MODELS,

  parseChat(body): ParsedChat {
    const messages = Array.isArray(body.messages) ? (body.messages as unknown[]) : [];
    return {
      model: typeof body.model === 'string' ? body.model : '',
      messages,
      lastUserText: lastUserText(messages),
      // The system prompt is a top-level field here, not a message, but it still costs input tokens.
      promptTokens: countPromptWords(messages, contentText(body.system)),
      stream: body.stream === true,
      maxTokens: numberField(body, 'max_tokens'),
    };
  },

  modelList: (ids) => ({
    data: ids.map((id) => ({ type: 'model', id, display_name: id, created_at: MODEL_CREATED_AT })),
    has_more: false,
    first_id: ids[0] ?? null,
    last_id: ids.at(-1) ?? null,
  }),

  errorBody: (status, message) => ({ type: 'error', error: { type: anthropicErrorType(status), message } }),

  modelNotFoundBody: (model) => ({
    type: 'error',
    error: { type: 'not_found_error', message: `model: ${model}` },
  }),

  respond: (exchange) => (exchange.chat.stream ? streamMessage(exchange) : sendMessage(exchange)),
};

function anthropicErrorType(status: number): string {
  const types: Record<number, string> = {
    400: 'invalid_request_error',
    401: 'authentication_error',
    403: 'permission_error',
    404: 'not_found_error',
    413: 'request_too_large',
    429: 'rate_limit_error',
    529: 'overloaded_error',
  };
  return types[status] ?? (status >= 500 ? 'api_error' : 'invalid_request_error');
}

function newMessageId(): string {
  return `msg_double${randomUUID().replaceAll('-', '').slice(0, 20)}`;
}

async function sendMessage(exchange: ChatExchange): Promise<void> {
  // Pace like a stream would so latency knobs mean the same thing for JSON answers.
  if ((await exchange.emitTokens(() => undefined)) === 'stopped') return;
  const { plan } = exchange;
  sendJson(exchange.res, 200, {
    id: newMessageId(),
    type: 'message',
    role: 'assistant',
    model: exchange.reportedModel,
    content: [{ type: 'text', text: plan.tokens.join('') }],
    stop_reason: STOP_REASONS[plan.finishReason],
    stop_sequence: null,
    usage: { input_tokens: exchange.chat.promptTokens, output_tokens: plan.tokens.length },
  });
}

async function streamMessage(exchange: ChatExchange): Promise<void> {
  const { res, plan } = exchange;
  res.writeHead(200, SSE_HEADERS);
  writeEvent(res, 'message_start', {
    type: 'message_start',
    message: {
      id: newMessageId(),
      type: 'message',
      role: 'assistant',
      model: exchange.reportedModel,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      // Anthropic reports a provisional output count here; the real one comes in message_delta.
      usage: { input_tokens: exchange.chat.promptTokens, output_tokens: 1 },
    },
  });
  writeEvent(res, 'content_block_start', {
    type: 'content_block_start',
    index: 0,
    content_block: { type: 'text', text: '' },
  });
  writeEvent(res, 'ping', { type: 'ping' });

  const outcome = await exchange.emitTokens((text) => {
    writeEvent(res, 'content_block_delta', {
      type: 'content_block_delta',
      index: 0,
      delta: { type: 'text_delta', text },
    });
  });
  if (outcome === 'stopped') return;

  writeEvent(res, 'content_block_stop', { type: 'content_block_stop', index: 0 });
  writeEvent(res, 'message_delta', {
    type: 'message_delta',
    delta: { stop_reason: STOP_REASONS[plan.finishReason], stop_sequence: null },
    usage: { output_tokens: plan.tokens.length },
  });
  writeEvent(res, 'message_stop', { type: 'message_stop' });
  res.end();
}

function writeEvent(res: http.ServerResponse, name: string, data: unknown): void {
  res.write(`event: ${name}\ndata: ${JSON.stringify(data)}\n\n`);
}
