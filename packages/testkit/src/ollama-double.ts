// Ollama double: `POST /api/chat` (NDJSON stream or one JSON object) and `GET /api/tags`, in the wire
// format of a local Ollama server, so `ollama-ai-provider-v2` and Ollama model discovery talk to it
// unchanged. Like the real server it reads sampling settings only from `options` (`num_predict`,
// `temperature`): top-level fields it does not know are ignored.
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

export interface OllamaDouble extends ProviderDouble {
  /** Origin without `/api`: what `OLLAMA_BASE_URL` holds. */
  readonly url: string;
}

/** Ollama names carry a tag; `/api/tags` lists them with it. */
export const DEFAULT_OLLAMA_MODELS = ['llama3.2:latest', 'qwen2.5:0.5b', 'double-fast:latest'];

// Fixed facts keep the tag list byte-for-byte stable across runs.
const MODIFIED_AT = '2025-01-01T00:00:00.000000000Z';

export async function startOllamaDouble(options: DoubleOptions = {}): Promise<OllamaDouble> {
  const double = await startProviderDouble(ollamaAdapter, options);
  return Object.assign(double, { url: `http://127.0.0.1:${double.port}` });
}

const ollamaAdapter: ProtocolAdapter = {
  chatPath: '/api/chat',
  modelsPath: '/api/tags',
  defaultModels: DEFAULT_OLLAMA_MODELS,

  parseChat(body): ParsedChat {
    const messages = Array.isArray(body.messages) ? (body.messages as unknown[]) : [];
    const options = isRecord(body.options) ? body.options : {};
    return {
      model: typeof body.model === 'string' ? body.model : '',
      messages,
      lastUserText: lastUserText(messages),
      promptTokens: countPromptWords(messages),
      // Ollama streams unless told not to.
      stream: body.stream !== false,
      maxTokens: numberField(options, 'num_predict'),
    };
  },

  modelList: (ids) => ({
    models: ids.map((name, index) => ({
      name,
      model: name,
      modified_at: MODIFIED_AT,
      size: 1_000_000 + index,
      digest: `${index}`.padStart(64, '0'),
      details: {
        parent_model: '',
        format: 'gguf',
        family: 'double',
        families: ['double'],
        parameter_size: '1B',
        quantization_level: 'Q4_K_M',
      },
    })),
  }),

  // Ollama's errors are a bare string.
  errorBody: (_status, message) => ({ error: message }),

  modelNotFoundBody: (model) => ({ error: `model "${model}" not found, try pulling it first` }),

  respond: (exchange) => (exchange.chat.stream ? streamChat(exchange) : sendChat(exchange)),
};

function finalFields(exchange: ChatExchange) {
  return {
    done: true,
    done_reason: exchange.plan.finishReason,
    total_duration: 1_000_000,
    load_duration: 1_000,
    prompt_eval_count: exchange.chat.promptTokens,
    prompt_eval_duration: 1_000,
    eval_count: exchange.plan.tokens.length,
    eval_duration: 1_000,
  };
}

async function sendChat(exchange: ChatExchange): Promise<void> {
  if ((await exchange.emitTokens(() => undefined)) === 'stopped') return;
  sendJson(exchange.res, 200, {
    model: exchange.reportedModel,
    created_at: new Date().toISOString(),
    message: { role: 'assistant', content: exchange.plan.tokens.join('') },
    ...finalFields(exchange),
  });
}

async function streamChat(exchange: ChatExchange): Promise<void> {
  const { res } = exchange;
  res.writeHead(200, { 'content-type': 'application/x-ndjson' });
  res.flushHeaders();
  const outcome = await exchange.emitTokens((token) => {
    writeLine(res, {
      model: exchange.reportedModel,
      created_at: new Date().toISOString(),
      message: { role: 'assistant', content: token },
      done: false,
    });
  });
  if (outcome === 'stopped') return;
  writeLine(res, {
    model: exchange.reportedModel,
    created_at: new Date().toISOString(),
    message: { role: 'assistant', content: '' },
    ...finalFields(exchange),
  });
  res.end();
}

function writeLine(res: http.ServerResponse, value: unknown): void {
  res.write(`${JSON.stringify(value)}\n`);
}
