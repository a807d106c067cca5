import {
  type AnthropicDouble,
  expectedText,
  type OllamaDouble,
  type OpenAIDouble,
  startAnthropicDouble,
  startOllamaDouble,
  startOpenAIDouble,
} from '@cachibot/testkit';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type ApiClient, setupAdmin } from '../support/api-client.ts';
import { removeDir, startServer, type TestServer } from '../support/server.ts';
import { clientMessageId, sendAndWait } from '../support/turns.ts';
import { WsClient } from '../support/ws-client.ts';

let openai: OpenAIDouble;
let anthropic: AnthropicDouble;
let ollama: OllamaDouble;
let server: TestServer;
let admin: ApiClient;
let ws: WsClient;

beforeAll(async () => {
  openai = await startOpenAIDouble();
  anthropic = await startAnthropicDouble();
  ollama = await startOllamaDouble();
  server = await startServer({
    env: {
      OPENAI_API_KEY: 'k',
      OPENAI_BASE_URL: openai.url,
      ANTHROPIC_API_KEY: 'ak',
      ANTHROPIC_BASE_URL: anthropic.baseURL,
      OLLAMA_BASE_URL: ollama.url,
    },
  });
  admin = await setupAdmin(server.url);
  ws = await WsClient.connect(server.wsUrl, admin.token as string);
});
beforeEach(() => {
  openai.reset();
  anthropic.reset();
  ollama.reset();
});
afterAll(async () => {
  await ws.close();
  await server.stop();
  await openai.close();
  await anthropic.close();
  await ollama.close();
  removeDir(server.dataDir);
});

let bots = 0;
const createBot = async (model: string, fallbackModels: string[]) => {
  const created = await admin.post('/api/bots', {
    name: `Provider errors ${++bots}`,
    models: { default: model },
    fallbackModels,
  });
  expect(created.status).toBe(201);
  return created.body.id as string;
};

describe('provider errors through the real server (MODL-10)', () => {
  it.each([408, 409])('falls back to the next model when the provider answers HTTP %i', async (status) => {
    const botId = await createBot('openai/gpt-4o', ['anthropic/claude-sonnet-4-5']);
    openai.configureModel('gpt-4o', { status });
    const turn = await sendAndWait(ws, { botId, message: `Survive a ${status}` });

    const fallbacks = turn.events.filter((event) => event.type === 'model_fallback');
    expect(fallbacks.map((event) => event.payload)).toEqual([
      expect.objectContaining({
        from: 'openai/gpt-4o',
        to: 'anthropic/claude-sonnet-4-5',
        reason: 'provider_error',
      }),
    ]);
    expect(turn.done).toMatchObject({ status: 'complete', content: expectedText(20) });
    expect(turn.done.metadata.attempts?.map((attempt) => [attempt.model, attempt.error])).toEqual([
      ['openai/gpt-4o', { code: 'provider_error', message: `The provider failed (HTTP ${status})` }],
      ['anthropic/claude-sonnet-4-5', undefined],
    ]);
    expect(openai.requests.map((request) => request.status)).toEqual([status]);
    expect(anthropic.requests).toHaveLength(1);
  });

  it('does not fall back on HTTP 400: the next model would be sent the same refused request', async () => {
    const botId = await createBot('openai/gpt-4o', ['anthropic/claude-sonnet-4-5']);
    openai.configureModel('gpt-4o', { status: 400 });
    const turn = await sendAndWait(ws, { botId, message: 'A bad request' });

    expect(turn.done).toMatchObject({ status: 'error', content: '' });
    expect(turn.done.metadata.error).toEqual({
      code: 'provider_error',
      message: 'The provider rejected the request (HTTP 400)',
    });
    expect(turn.events.map((event) => event.type)).not.toContain('model_fallback');
    expect(openai.requests.map((request) => request.status)).toEqual([400]);
    expect(anthropic.requests).toHaveLength(0);
  });

  it.each([
    ['openai', 'openai/gpt-4o', () => openai.configureModel('gpt-4o', { tokens: 50, cutAfter: 5 })],
    [
      'anthropic',
      'anthropic/claude-sonnet-4-5',
      () => anthropic.configureModel('claude-sonnet-4-5', { tokens: 50, cutAfter: 5 }),
    ],
    [
      'ollama',
      'ollama/llama3.2:latest',
      () => ollama.configureModel('llama3.2:latest', { tokens: 50, cutAfter: 5 }),
    ],
  ] as const)(
    'says the connection to the provider broke after 5 tokens when a %s stream is cut',
    async (_name, model, cut) => {
      const botId = await createBot(model, ['openai/gpt-4o-mini']);
      cut();
      const turn = await sendAndWait(ws, { botId, message: 'Break after five tokens' });

      const broke = {
        code: 'provider_error',
        message: 'The connection to the provider broke after 5 tokens',
      };
      expect(turn.done).toMatchObject({ status: 'error', content: expectedText(5) });
      expect(turn.done.metadata.error).toEqual(broke);
      const errorEvent = turn.events.find((event) => event.type === 'error');
      expect(errorEvent?.payload).toMatchObject(broke);
      expect(turn.events.map((event) => event.type)).not.toContain('model_fallback');
      const stored = (await admin.get(`/api/chats/${turn.chatId}/messages`)).body.messages[1];
      expect(stored.metadata.error).toEqual(broke);
    },
  );

  it.each(['constructor/x', '__proto__/x', 'toString/x', 'hasOwnProperty/x'])(
    'answers a chat frame for model %s with a bad_request error frame, not internal',
    async (model) => {
      const botId = await createBot('openai/gpt-4o', []);
      // A socket of its own: a frame the schema refuses gets an error without its clientMessageId.
      const own = await WsClient.connect(server.wsUrl, admin.token as string);
      try {
        own.send('chat', { botId, message: `Use ${model}`, model, clientMessageId: clientMessageId() });
        const error = await own.waitFor('error');
        expect(error.payload.code).toBe('bad_request');
        if (model === 'constructor/x')
          expect(error.payload.message).toContain('Unknown provider "constructor"');
        expect(own.events.map((event) => event.type)).not.toContain('turn_started');
      } finally {
        await own.close();
      }
    },
  );
});
