import {
  expectedText,
  type OllamaDouble,
  type OpenAIDouble,
  startOllamaDouble,
  startOpenAIDouble,
} from '@cachibot/testkit';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type ApiClient, setupAdmin } from '../support/api-client.ts';
import { removeDir, startServer, type TestServer } from '../support/server.ts';
import { sendAndWait } from '../support/turns.ts';
import { WsClient } from '../support/ws-client.ts';

/**
 * The hosted OpenAI-compatible providers have no base URL setting: the server calls their public
 * endpoints. This test process has no business on the internet, so its `fetch` (which the server runs
 * in-process) sends exactly these endpoints to the OpenAI double instead and refuses anything else that
 * is not loopback. What the server asked for is recorded, so the endpoints themselves are checked too.
 */
const HOSTED: Record<string, { env: string; key: string; baseURL: string }> = {
  openrouter: { env: 'OPENROUTER_API_KEY', key: 'sk-or-test-1111', baseURL: 'https://openrouter.ai/api/v1' },
  groq: { env: 'GROQ_API_KEY', key: 'gsk-test-2222', baseURL: 'https://api.groq.com/openai/v1' },
  google: {
    env: 'GOOGLE_GENERATIVE_AI_API_KEY',
    key: 'AIza-test-3333',
    baseURL: 'https://generativelanguage.googleapis.com/v1beta/openai',
  },
  mistral: { env: 'MISTRAL_API_KEY', key: 'mistral-test-4444', baseURL: 'https://api.mistral.ai/v1' },
  deepseek: { env: 'DEEPSEEK_API_KEY', key: 'sk-ds-test-5555', baseURL: 'https://api.deepseek.com/v1' },
  xai: { env: 'XAI_API_KEY', key: 'xai-test-6666', baseURL: 'https://api.x.ai/v1' },
};
const COMPATIBLE_KEY = 'sk-compatible-test-7777';

interface Rerouted {
  provider: string;
  url: string;
  authorization: string | null;
}

let openai: OpenAIDouble;
let ollama: OllamaDouble;
let server: TestServer;
let admin: ApiClient;
let ws: WsClient;
const realFetch = globalThis.fetch;
const rerouted: Rerouted[] = [];
const refused: string[] = [];

function installFetchReroute(): void {
  globalThis.fetch = async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const { hostname } = new URL(url);
    if (hostname === '127.0.0.1' || hostname === 'localhost') return realFetch(input, init);
    const hosted = Object.entries(HOSTED).find(([, provider]) => url.startsWith(`${provider.baseURL}/`));
    if (!hosted) {
      refused.push(url);
      throw new TypeError(`fetch failed: the test allows no network access to ${url}`);
    }
    const headers = new Headers(init?.headers ?? (input instanceof Request ? input.headers : undefined));
    rerouted.push({ provider: hosted[0], url, authorization: headers.get('authorization') });
    const target = `${openai.url}${url.slice(hosted[1].baseURL.length)}`;
    return input instanceof Request ? realFetch(new Request(target, input), init) : realFetch(target, init);
  };
}

beforeAll(async () => {
  openai = await startOpenAIDouble();
  ollama = await startOllamaDouble({ models: ['qwen2.5:0.5b', 'llama3.2:latest'] });
  installFetchReroute();
  server = await startServer({
    env: {
      ...Object.fromEntries(Object.values(HOSTED).map((provider) => [provider.env, provider.key])),
      OPENAI_COMPATIBLE_BASE_URL: openai.url,
      OPENAI_COMPATIBLE_API_KEY: COMPATIBLE_KEY,
      LMSTUDIO_BASE_URL: openai.url,
      OLLAMA_BASE_URL: ollama.url,
      CACHIBOT_DISCOVERY_TIMEOUT_MS: '3000',
    },
  });
  admin = await setupAdmin(server.url);
  ws = await WsClient.connect(server.wsUrl, admin.token as string);
});
beforeEach(() => {
  openai.reset();
  ollama.reset();
  rerouted.length = 0;
});
afterAll(async () => {
  await ws?.close();
  await server?.stop();
  globalThis.fetch = realFetch;
  await openai?.close();
  await ollama?.close();
  if (server) removeDir(server.dataDir);
});

const modelIds = (body: { groups: Record<string, { id: string }[]> }, provider: string) =>
  (body.groups[provider] ?? []).map((model) => model.id);

describe('providers configured from the environment', () => {
  it('lists each configured provider in GET /api/models, and only those', async () => {
    const { status, body } = await admin.get('/api/models?refresh=1');
    expect(status).toBe(200);
    const providers = Object.fromEntries(
      (body.providers as { id: string; available: boolean }[]).map((provider) => [provider.id, provider]),
    );
    expect(Object.keys(providers).sort()).toEqual(
      [...Object.keys(HOSTED), 'compatible', 'lmstudio', 'ollama', 'local'].sort(),
    );
    // No OPENAI_API_KEY / ANTHROPIC_API_KEY: those two are not configured.
    expect(providers.openai).toBeUndefined();
    expect(providers.anthropic).toBeUndefined();
    for (const id of [...Object.keys(HOSTED), 'compatible', 'ollama']) {
      expect(providers[id], id).toMatchObject({ available: true });
    }
    // Each listing comes from the provider itself: the double's models under the provider's prefix.
    for (const id of [...Object.keys(HOSTED), 'compatible']) {
      expect(modelIds(body, id), id).toEqual(
        expect.arrayContaining([`${id}/gpt-4o-mini`, `${id}/double-fast`]),
      );
    }
    expect(refused).toEqual([]);
  });

  it("asks each hosted provider's public endpoint for its models with that provider's own key", async () => {
    await admin.get('/api/models?refresh=1');
    for (const [id, provider] of Object.entries(HOSTED)) {
      expect(
        rerouted.filter((call) => call.provider === id),
        id,
      ).toEqual([
        { provider: id, url: `${provider.baseURL}/models`, authorization: `Bearer ${provider.key}` },
      ]);
    }
  });

  it.each([
    ...Object.keys(HOSTED).map((id) => [id, `Bearer ${HOSTED[id]?.key}`] as const),
    ['compatible', `Bearer ${COMPATIBLE_KEY}`] as const,
    ['lmstudio', undefined] as const,
  ])(
    'answers a real turn through %s with its key and the model id unchanged',
    async (provider, authorization) => {
      // OpenRouter ids hold a slash themselves: everything after the first one goes to the provider.
      const name = provider === 'openrouter' ? 'openai/gpt-4o-mini' : 'gpt-4o-mini';
      const bot = (await admin.post('/api/bots', { name: `Via ${provider}` })).body;
      const turn = await sendAndWait(ws, {
        botId: bot.id,
        message: `Hello ${provider} [[double tokens=4]]`,
        model: `${provider}/${name}`,
      });
      expect(turn.done).toMatchObject({ status: 'complete', content: expectedText(4) });
      expect(turn.done.metadata).toMatchObject({
        model: `${provider}/${name}`,
        providerModelId: `${name}-double`,
        usage: { outputTokens: 4 },
      });
      expect(openai.requests).toHaveLength(1);
      expect(openai.requests[0]?.path).toBe('/v1/chat/completions');
      expect(openai.requests[0]?.model).toBe(name);
      expect(openai.requests[0]?.headers.authorization).toBe(authorization);
      const hosted = HOSTED[provider];
      if (hosted) expect(rerouted.map((call) => call.url)).toEqual([`${hosted.baseURL}/chat/completions`]);
      expect(refused).toEqual([]);
    },
  );
});

describe('Ollama discovery', () => {
  it('merges the models of /api/tags into GET /api/models as ollama/<name>', async () => {
    const { body } = await admin.get('/api/models?refresh=1');
    expect(modelIds(body, 'ollama')).toEqual(['ollama/llama3.2:latest', 'ollama/qwen2.5:0.5b']);
    expect(body.groups.ollama[0]).toMatchObject({ provider: 'ollama', name: 'llama3.2:latest' });
    // Ollama needs no key and is not keyed: nothing from the catalogue is added to its live list.
    expect(body.providers).toContainEqual({ id: 'ollama', available: true });
  });

  it('answers a turn through /api/chat with the model name after the first slash, text and usage', async () => {
    const bot = (
      await admin.post('/api/bots', { name: 'Local llama', models: { default: 'ollama/llama3.2:latest' } })
    ).body;
    const turn = await sendAndWait(ws, { botId: bot.id, message: 'Hi llama [[double tokens=6]]' });
    expect(turn.done).toMatchObject({ status: 'complete', content: expectedText(6) });
    expect(turn.done.metadata).toMatchObject({
      model: 'ollama/llama3.2:latest',
      providerModelId: 'llama3.2:latest-double',
      usage: { outputTokens: 6 },
      finishReason: 'stop',
    });
    expect(ollama.requests.map((request) => [request.path, request.model])).toEqual([
      ['/api/chat', 'llama3.2:latest'],
    ]);
  });

  it("passes the bot's max output tokens and temperature to Ollama where Ollama reads them (options)", async () => {
    const bot = (
      await admin.post('/api/bots', {
        name: 'Capped llama',
        models: { default: 'ollama/llama3.2:latest' },
        settings: { maxOutputTokens: 7, temperature: 0.2 },
      })
    ).body;
    const turn = await sendAndWait(ws, { botId: bot.id, message: 'Talk a lot [[double tokens=40]]' });
    // Ollama's /api/chat takes sampling settings only in `options` (num_predict, temperature) and
    // ignores unknown top-level fields, so anything else leaves the bot's limits unenforced.
    expect(ollama.requests[0]?.body.options).toMatchObject({ num_predict: 7, temperature: 0.2 });
    expect(turn.done.content).toBe(expectedText(7));
    expect(turn.done.metadata.finishReason).toBe('length');
  });
});
