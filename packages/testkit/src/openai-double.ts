// OpenAI Chat Completions double: `POST /v1/chat/completions` (JSON or SSE) and `GET /v1/models`,
// in the wire format of api.openai.com, so `@ai-sdk/openai` (`openai.chat(id)`) and
// `@ai-sdk/openai-compatible` talk to it unchanged.
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
import { countPromptWords, isRecord, lastUserText, numberField } from './message-text.ts';

export interface OpenAIDouble extends ProviderDouble {
  /** Base URL including `/v1`: pass it as `baseURL` to `createOpenAI` / `createOpenAICompatible`. */
  readonly url: string;
}

export const DEFAULT_OPENAI_MODELS = ['gpt-4o-mini', 'gpt-4o', 'double-fast'];

const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
  connection: 'keep-alive',
};

// A fixed creation time keeps the models list byte-for-byte stable across runs.
const MODEL_CREATED = 1_715_367_049;

export async function startOpenAIDouble(options: DoubleOptions = {}): Promise<OpenAIDouble> {
  const double = await startProviderDouble(openAIAdapter, options);
  return Object.assign(double, { url: `http://127.0.0.1:${double.port}/v1` });
}

const openAIAdapter: ProtocolAdapter = {
  chatPath: '/v1/chat/completions',
  modelsPath: '/v1/models',
  defaultModels: DEFAULT_OPENAI_MODELS,

  parseChat(body): ParsedChat {
    const messages = Array.isArray(body.messages) ? (body.messages as unknown[]) : [];
    return {
      model: typeof body.model === 'string' ? body.model : '',
      messages,
      lastUserText: lastUserText(messages),
      promptTokens: countPromptWords(messages),
      stream: body.stream === true,
      // Reasoning models take max_completion_tokens; older ones max_tokens.
      maxTokens: numberField(body, 'max_completion_tokens') ?? numberField(body, 'max_tokens'),
    };
  },

  modelList: (ids) => ({
    object: 'list',
    data: ids.map((id) => ({ id, object: 'model', created: MODEL_CREATED, owned_by: 'provider-double' })),
  }),

  errorBody: (status, message) => ({ error: { message, ...openAIErrorKind(status), param: null } }),

  modelNotFoundBody: (model) => ({
    error: {
      message: `The model \`${model}\` does not exist or you do not have access to it.`,
      type: 'invalid_request_error',
      param: null,
      code: 'model_not_found',
    },
  }),

  respond: (exchange) => (exchange.chat.stream ? streamCompletion(exchange) : sendCompletion(exchange)),
};

function openAIErrorKind(status: number): { type: string; code: string | null } {
  if (status === 401) return { type: 'invalid_request_error', code: 'invalid_api_key' };
  if (status === 429) return { type: 'requests', code: 'rate_limit_exceeded' };
  if (status >= 500) return { type: 'server_error', code: null };
  return { type: 'invalid_request_error', code: null };
}

function completionBase(exchange: ChatExchange, object: string) {
  return {
    id: `chatcmpl-${randomUUID().replaceAll('-', '').slice(0, 24)}`,
    object,
    created: Math.floor(Date.now() / 1000),
    model: exchange.reportedModel,
    system_fingerprint: 'fp_double',
  };
}

function usageFor(exchange: ChatExchange, completionTokens: number) {
  const promptTokens = exchange.chat.promptTokens;
  return {
    prompt_tokens: promptTokens,
    completion_tokens: completionTokens,
    total_tokens: promptTokens + completionTokens,
    prompt_tokens_details: { cached_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: 0 },
  };
}

async function sendCompletion(exchange: ChatExchange): Promise<void> {
  // Pace like a stream would so latency knobs mean the same thing for JSON answers.
  if ((await exchange.emitTokens(() => undefined)) === 'stopped') return;
  const { plan } = exchange;
  sendJson(exchange.res, 200, {
    ...completionBase(exchange, 'chat.completion'),
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: plan.tokens.join(''), refusal: null },
        logprobs: null,
        finish_reason: plan.finishReason,
      },
    ],
    usage: usageFor(exchange, plan.tokens.length),
  });
}

async function streamCompletion(exchange: ChatExchange): Promise<void> {
  const { res, body, plan } = exchange;
  const base = completionBase(exchange, 'chat.completion.chunk');
  const includeUsage = isRecord(body.stream_options) && body.stream_options.include_usage === true;
  // OpenAI puts `usage: null` on every chunk when usage was requested; only the last has numbers.
  const usageSlot = includeUsage ? { usage: null } : {};
  res.writeHead(200, SSE_HEADERS);
  res.flushHeaders();

  let sentFirst = false;
  const outcome = await exchange.emitTokens((token) => {
    // The role rides on the first content chunk so "first chunk" means "first token" for timing.
    const delta = sentFirst ? { content: token } : { role: 'assistant', content: token };
    writeEvent(res, {
      ...base,
      choices: [{ index: 0, delta, logprobs: null, finish_reason: null }],
      ...usageSlot,
    });
    sentFirst = true;
  });
  if (outcome === 'stopped') return;

  const finalDelta = sentFirst ? {} : { role: 'assistant', content: '' };
  writeEvent(res, {
    ...base,
    choices: [{ index: 0, delta: finalDelta, logprobs: null, finish_reason: plan.finishReason }],
    ...usageSlot,
  });
  if (includeUsage) writeEvent(res, { ...base, choices: [], usage: usageFor(exchange, plan.tokens.length) });
  res.end('data: [DONE]\n\n');
}

function writeEvent(res: http.ServerResponse, chunk: unknown): void {
  res.write(`data: ${JSON.stringify(chunk)}\n\n`);
}
