import type { LanguageModelV3StreamPart } from '@ai-sdk/provider';
import { APICallError, NoSuchModelError, RetryError } from 'ai';
import { MockLanguageModelV3 } from 'ai/test';
import { describe, expect, it } from 'vitest';
import type { ProviderSettings } from '../../src/config.ts';
import { createCatalogue } from '../../src/models/catalogue.ts';
import { ModelDirectory } from '../../src/models/model-directory.ts';
import { createProviderAdapter, createProviderAdapters } from '../../src/models/providers.ts';
import { callModel, describeProviderError, retryAfterMsFrom } from '../../src/turns/model-call.ts';

const apiError = (statusCode: number | undefined, responseHeaders?: Record<string, string>) =>
  new APICallError({
    message: `HTTP ${statusCode} from the provider`,
    url: 'http://127.0.0.1:1/v1/chat/completions',
    requestBodyValues: {},
    statusCode,
    responseHeaders,
  });

/** What the AI SDK's providers throw when an SSE body stops mid-way (undici `terminated`). */
const brokenBody = () =>
  new APICallError({
    message: 'Failed to process successful response',
    url: 'http://127.0.0.1:1/v1/chat/completions',
    requestBodyValues: {},
    statusCode: 200,
    isRetryable: true,
    cause: Object.assign(new TypeError('terminated'), { cause: { code: 'UND_ERR_SOCKET' } }),
  });

const usage = {
  inputTokens: { total: 3, noCache: 3, cacheRead: undefined, cacheWrite: undefined },
  outputTokens: { total: 2, text: 2, reasoning: undefined },
};

/** A provider stream: these parts, then (optionally) the stream itself errors, like a cut connection. */
function streamOf(parts: LanguageModelV3StreamPart[], breakWith?: unknown) {
  let next = 0;
  // Pulled one by one: erroring a stream drops what is still queued, so the break comes after the reads.
  return new ReadableStream<LanguageModelV3StreamPart>({
    pull(controller) {
      const part = parts[next++];
      if (part) controller.enqueue(part);
      else if (breakWith !== undefined) controller.error(breakWith);
      else controller.close();
    },
  });
}

const textDeltas = (count: number): LanguageModelV3StreamPart[] => [
  { type: 'text-start', id: 't' },
  ...Array.from({ length: count }, (_, i) => ({
    type: 'text-delta' as const,
    id: 't',
    delta: ` tok${i + 1}`,
  })),
];

async function run(model: MockLanguageModelV3) {
  const deltas: string[] = [];
  const result = await callModel({
    model: 'mock/model',
    languageModel: model,
    messages: [{ role: 'user', content: 'Hi' }],
    turnSignal: new AbortController().signal,
    firstTokenTimeoutMs: 10_000,
    onTextDelta: (delta) => deltas.push(delta),
    onReasoningDelta: () => {},
  });
  return { result, deltas };
}

describe('provider errors are classified by the AI SDK (MODL-10)', () => {
  it.each([408, 409])('calls HTTP %i retryable, as the AI SDK does', (status) => {
    const error = apiError(status);
    expect(error.isRetryable).toBe(true);
    expect(describeProviderError(error)).toMatchObject({
      code: 'provider_error',
      message: `The provider failed (HTTP ${status})`,
      retryable: true,
    });
  });

  it.each([400, 422])('calls HTTP %i permanent: the same request would be refused again', (status) => {
    expect(describeProviderError(apiError(status))).toMatchObject({
      code: 'provider_error',
      message: `The provider rejected the request (HTTP ${status})`,
      retryable: false,
    });
  });

  it('keeps the stable codes for rate limits, refused keys, unknown models, 5xx and unreachable providers', () => {
    expect(describeProviderError(apiError(429))).toMatchObject({
      code: 'rate_limited',
      message: 'The provider is rate limiting (HTTP 429)',
      retryable: true,
    });
    expect(describeProviderError(apiError(401))).toMatchObject({ code: 'provider_auth', retryable: false });
    expect(describeProviderError(apiError(403))).toMatchObject({
      code: 'provider_auth',
      message: 'The provider refused the API key (HTTP 403)',
      retryable: false,
    });
    // Another model of the chain may exist where this one does not.
    expect(describeProviderError(apiError(404))).toMatchObject({ code: 'unknown_model', retryable: true });
    expect(
      describeProviderError(new NoSuchModelError({ modelId: 'x', modelType: 'languageModel' })),
    ).toMatchObject({ code: 'unknown_model', retryable: true });
    expect(describeProviderError(apiError(503))).toMatchObject({
      code: 'provider_error',
      message: 'The provider failed (HTTP 503)',
      retryable: true,
    });
    const refused = new APICallError({
      message: 'Cannot connect to API: connect ECONNREFUSED',
      url: 'http://127.0.0.1:1',
      requestBodyValues: {},
      isRetryable: true,
    });
    expect(describeProviderError(refused)).toMatchObject({
      code: 'provider_unreachable',
      message: 'The provider could not be reached',
      retryable: true,
    });
    expect(describeProviderError(new TypeError('fetch failed'))).toMatchObject({
      code: 'provider_unreachable',
      retryable: true,
    });
  });

  it('tells a 200 answer cut off by the network from one that could not be read', () => {
    expect(describeProviderError(brokenBody())).toMatchObject({
      code: 'provider_error',
      message: 'The connection to the provider broke before the first token',
      retryable: true,
    });
    const unreadable = new APICallError({
      message: 'Invalid JSON response',
      url: 'u',
      requestBodyValues: {},
      statusCode: 200,
    });
    expect(describeProviderError(unreadable)).toMatchObject({
      code: 'provider_error',
      message: 'The provider sent an answer that could not be read (HTTP 200)',
      retryable: false,
    });
  });

  it("follows the error's own isRetryable over its status", () => {
    const permanent503 = new APICallError({
      message: 'no',
      url: 'u',
      requestBodyValues: {},
      statusCode: 503,
      isRetryable: false,
    });
    expect(describeProviderError(permanent503)).toMatchObject({ code: 'provider_error', retryable: false });
  });

  it('unwraps the last error of a RetryError', () => {
    const retry = new RetryError({
      message: 'gave up',
      reason: 'maxRetriesExceeded',
      errors: [apiError(408)],
    });
    expect(describeProviderError(retry)).toMatchObject({ code: 'provider_error', retryable: true });
  });

  it('reads Retry-After and retry-after-ms from the response headers', () => {
    expect(describeProviderError(apiError(429, { 'retry-after-ms': '1500' })).retryAfterMs).toBe(1500);
    expect(describeProviderError(apiError(429, { 'retry-after': '3' })).retryAfterMs).toBe(3000);
    // retry-after-ms is the more precise one and wins.
    expect(
      describeProviderError(apiError(503, { 'retry-after': '3', 'retry-after-ms': '250.5' })).retryAfterMs,
    ).toBe(250.5);
    expect(describeProviderError(apiError(429, { 'Retry-After': '2' })).retryAfterMs).toBe(2000);
    expect(describeProviderError(apiError(429)).retryAfterMs).toBeUndefined();
    expect(describeProviderError(apiError(429, { 'retry-after': 'soon' })).retryAfterMs).toBeUndefined();
    expect(describeProviderError(apiError(429, { 'retry-after-ms': '-5' })).retryAfterMs).toBeUndefined();
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(retryAfterMsFrom({ 'retry-after': 'Thu, 01 Jan 2026 00:00:07 GMT' }, now)).toBe(7000);
    expect(retryAfterMsFrom({ 'retry-after': 'Wed, 31 Dec 2025 23:59:00 GMT' }, now)).toBeUndefined();
  });
});

describe('one model call against the AI SDK mock model', () => {
  it('says the connection broke after N tokens when the stream breaks after text, never "HTTP 200"', async () => {
    const model = new MockLanguageModelV3({
      doStream: async () => ({ stream: streamOf(textDeltas(5), brokenBody()) }),
    });
    const { result, deltas } = await run(model);
    expect(deltas).toHaveLength(5);
    expect(result.error).toEqual({
      code: 'provider_error',
      message: 'The connection to the provider broke after 5 tokens',
    });
    expect(result.error?.message).not.toMatch(/HTTP 200|rejected/);
    expect(result).toMatchObject({
      producedText: true,
      brokeMidStream: true,
      tokensStreamed: 5,
      retryable: false,
      cancelled: false,
    });
  });

  it('says so too when the socket error arrives bare (Ollama: undici "terminated")', async () => {
    const terminated = Object.assign(new TypeError('terminated'), {
      cause: Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' }),
    });
    const model = new MockLanguageModelV3({
      doStream: async () => ({ stream: streamOf(textDeltas(1), terminated) }),
    });
    const { result } = await run(model);
    expect(result.error?.message).toBe('The connection to the provider broke after 1 token');
    expect(result).toMatchObject({ brokeMidStream: true, tokensStreamed: 1, retryable: false });
  });

  it('names the token count when the provider reports an error part after text', async () => {
    const model = new MockLanguageModelV3({
      doStream: async () => ({
        stream: streamOf([
          ...textDeltas(3),
          { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } },
        ]),
      }),
    });
    const { result } = await run(model);
    expect(result.error).toEqual({
      code: 'provider_error',
      message: 'The provider stopped with an error after 3 tokens',
    });
    expect(result).toMatchObject({ brokeMidStream: true, tokensStreamed: 3, retryable: false });
  });

  it('is not a mid-stream break when the stream fails before the first token', async () => {
    const model = new MockLanguageModelV3({ doStream: async () => ({ stream: streamOf([], brokenBody()) }) });
    const { result } = await run(model);
    expect(result).toMatchObject({
      producedText: false,
      brokeMidStream: false,
      tokensStreamed: 0,
      retryable: true,
    });
    expect(result.error?.code).toBe('provider_error');
    expect(result.error?.message).not.toMatch(/HTTP 200|rejected/);
  });

  it('passes the retryability and Retry-After of a refused call on to the caller', async () => {
    const model = new MockLanguageModelV3({
      doStream: async () => {
        throw apiError(429, { 'retry-after-ms': '1200' });
      },
    });
    const { result } = await run(model);
    expect(result).toMatchObject({
      error: { code: 'rate_limited' },
      retryable: true,
      retryAfterMs: 1200,
      brokeMidStream: false,
    });
    const conflict = new MockLanguageModelV3({
      doStream: async () => {
        throw apiError(409);
      },
    });
    expect((await run(conflict)).result).toMatchObject({
      error: { code: 'provider_error' },
      retryable: true,
    });
  });

  it('ends without error or break flags when the stream finishes', async () => {
    const model = new MockLanguageModelV3({
      doStream: async () => ({
        stream: streamOf([
          ...textDeltas(2),
          { type: 'text-end', id: 't' },
          { type: 'finish', usage, finishReason: { unified: 'stop', raw: 'stop' } },
        ]),
      }),
    });
    const { result } = await run(model);
    expect(result.error).toBeUndefined();
    expect(result).toMatchObject({ brokeMidStream: false, tokensStreamed: 2, finishReason: 'stop' });
  });
});

describe('provider names are looked up in maps, never on a plain object', () => {
  const catalogue = createCatalogue();
  const options = { ttlMs: 60_000, discoveryTimeoutMs: 1000 };
  const global = { openai: { apiKey: 'k', baseURL: 'http://127.0.0.1:9/v1' } };
  const directory = new ModelDirectory(createProviderAdapters(global), catalogue, options, global);

  it.each(['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf'])(
    'answers %s/x as an unknown provider (bad_request)',
    (provider) => {
      const settings: (Record<string, ProviderSettings> | undefined)[] = [
        undefined,
        {},
        { openai: { apiKey: 'bot' } },
      ];
      for (const botSettings of settings) {
        let thrown: unknown;
        try {
          directory.languageModel(`${provider}/x`, botSettings);
        } catch (error) {
          thrown = error;
        }
        expect(thrown).toMatchObject({ name: 'AppError', code: 'bad_request' });
        expect((thrown as Error).message).toContain(`Unknown provider "${provider}"`);
      }
    },
  );

  it('still finds a configured provider and a bot-only provider setting', () => {
    expect(directory.languageModel('openai/gpt-4o').modelId).toBe('gpt-4o');
    expect(
      directory.languageModel('anthropic/claude-sonnet-4-5', { anthropic: { apiKey: 'bot' } }).modelId,
    ).toBe('claude-sonnet-4-5');
  });

  it('builds an OpenAI-compatible adapter for a provider named like an Object method', () => {
    for (const id of ['constructor', 'toString', '__proto__'])
      expect(() => createProviderAdapter(id, {})).not.toThrow();
  });
});
