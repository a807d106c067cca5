import {
  type AnthropicDouble,
  expectedText,
  type OpenAIDouble,
  startAnthropicDouble,
  startOpenAIDouble,
} from '@cachibot/testkit';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type ApiClient, setupAdmin } from '../support/api-client.ts';
import { removeDir, startServer, type TestServer } from '../support/server.ts';
import { sendAndWait } from '../support/turns.ts';
import { WsClient } from '../support/ws-client.ts';

let openai: OpenAIDouble;
let anthropic: AnthropicDouble;
let server: TestServer;
let admin: ApiClient;
let ws: WsClient;

beforeAll(async () => {
  // Strict: a model id the double does not serve gets 404 model_not_found, like the real API.
  openai = await startOpenAIDouble({ strictModels: true });
  anthropic = await startAnthropicDouble();
  server = await startServer({
    env: {
      OPENAI_API_KEY: 'k',
      OPENAI_BASE_URL: openai.url,
      ANTHROPIC_API_KEY: 'ak',
      ANTHROPIC_BASE_URL: anthropic.baseURL,
    },
  });
  admin = await setupAdmin(server.url);
  ws = await WsClient.connect(server.wsUrl, admin.token as string);
});
beforeEach(() => {
  openai.reset();
  anthropic.reset();
});
afterAll(async () => {
  await ws.close();
  await server.stop();
  await openai.close();
  await anthropic.close();
  removeDir(server.dataDir);
});

const createBot = async (name: string, model: string, fallbackModels: string[]) => {
  const created = await admin.post('/api/bots', { name, models: { default: model }, fallbackModels });
  expect(created.status).toBe(201);
  return created.body.id as string;
};

describe('the fallback chain (MODL-08)', () => {
  it("moves to the bot's next model, on another provider, when the first answers HTTP 5xx", async () => {
    const botId = await createBot('Five hundred', 'openai/gpt-4o', ['anthropic/claude-sonnet-4-5']);
    openai.configureModel('gpt-4o', { status: 503 });
    const turn = await sendAndWait(ws, { botId, message: 'Survive an outage' });

    const fallbacks = turn.events.filter((event) => event.type === 'model_fallback');
    expect(fallbacks.map((event) => event.payload)).toEqual([
      expect.objectContaining({
        from: 'openai/gpt-4o',
        to: 'anthropic/claude-sonnet-4-5',
        reason: 'provider_error',
      }),
    ]);
    expect(turn.done).toMatchObject({ status: 'complete', content: expectedText(20) });
    expect(turn.done.metadata).toMatchObject({
      model: 'anthropic/claude-sonnet-4-5',
      modelRequested: 'openai/gpt-4o',
      providerModelId: 'claude-sonnet-4-5-double',
      finishReason: 'stop',
    });
    expect(turn.done.metadata.attempts?.map((attempt) => [attempt.model, attempt.error?.code])).toEqual([
      ['openai/gpt-4o', 'provider_error'],
      ['anthropic/claude-sonnet-4-5', undefined],
    ]);
    expect(turn.done.metadata.error).toBeUndefined();
    expect(openai.requests.map((request) => [request.model, request.status])).toEqual([['gpt-4o', 503]]);
    expect(anthropic.requests.map((request) => request.model)).toEqual(['claude-sonnet-4-5']);

    // The record survives: the stored message says the same.
    const stored = (await admin.get(`/api/chats/${turn.chatId}/messages`)).body.messages[1];
    expect(stored.metadata.model).toBe('anthropic/claude-sonnet-4-5');
    expect(stored.metadata.attempts).toHaveLength(2);
  });

  it('moves on past a model the provider does not know (404) and a provider that is not configured', async () => {
    const botId = await createBot('Unknown', 'openai/gpt-5-does-not-exist', [
      'nosuch/model-x',
      'openai/gpt-4o-mini',
    ]);
    const turn = await sendAndWait(ws, { botId, message: 'Find a model that exists' });
    expect(turn.done).toMatchObject({ status: 'complete', content: expectedText(20) });
    expect(turn.done.metadata.model).toBe('openai/gpt-4o-mini');
    expect(turn.done.metadata.attempts?.map((attempt) => [attempt.model, attempt.error?.code])).toEqual([
      ['openai/gpt-5-does-not-exist', 'unknown_model'],
      ['nosuch/model-x', 'unknown_model'],
      ['openai/gpt-4o-mini', undefined],
    ]);
    const fallbacks = turn.events
      .filter((event) => event.type === 'model_fallback')
      .map((event) => [event.payload.from, event.payload.to, event.payload.reason]);
    expect(fallbacks).toEqual([
      ['openai/gpt-5-does-not-exist', 'nosuch/model-x', 'unknown_model'],
      ['nosuch/model-x', 'openai/gpt-4o-mini', 'unknown_model'],
    ]);
    expect(openai.requests.map((request) => [request.model, request.status])).toEqual([
      ['gpt-5-does-not-exist', 404],
      ['gpt-4o-mini', 200],
    ]);
  });

  it('ends in error with the partial text when a stream breaks after tokens, never starting the next model', async () => {
    const botId = await createBot('Cut', 'openai/gpt-4o', [
      'openai/gpt-4o-mini',
      'anthropic/claude-haiku-4-5',
    ]);
    openai.configureModel('gpt-4o', { tokens: 50, cutAfter: 5 });
    const turn = await sendAndWait(ws, { botId, message: 'Break after five tokens' });

    expect(turn.done.status).toBe('error');
    expect(turn.done.content).toBe(expectedText(5));
    expect(turn.done.metadata.error?.code).toEqual(expect.any(String));
    expect(turn.done.metadata.model).toBe('openai/gpt-4o');
    expect(turn.done.metadata.attempts?.map((attempt) => attempt.model)).toEqual(['openai/gpt-4o']);
    const types = turn.events.map((event) => event.type);
    expect(types).not.toContain('model_fallback');
    expect(types.slice(-2)).toEqual(['error', 'done']);
    // Exactly one provider request: text already shown is never silently replaced by another model.
    expect(openai.requests.map((request) => request.model)).toEqual(['gpt-4o']);
    expect(openai.requests[0]?.tokensSent).toBe(5);
    expect(anthropic.requests).toHaveLength(0);
    const stored = (await admin.get(`/api/chats/${turn.chatId}/messages`)).body.messages[1];
    expect(stored).toMatchObject({ status: 'error', content: expectedText(5) });
  });

  it('does not fall back when the provider refuses the key (401): the next model would not help', async () => {
    const botId = await createBot('Bad key', 'openai/gpt-4o', ['openai/gpt-4o-mini']);
    openai.configureModel('gpt-4o', { status: 401 });
    const turn = await sendAndWait(ws, { botId, message: 'Wrong key' });
    expect(turn.done.status).toBe('error');
    expect(turn.done.metadata.error?.code).toBe('provider_auth');
    expect(turn.events.map((event) => event.type)).not.toContain('model_fallback');
    expect(openai.requests.map((request) => request.model)).toEqual(['gpt-4o']);
  });

  it('ends in error naming the last failure when every model of the chain fails', async () => {
    const botId = await createBot('All down', 'openai/gpt-4o', ['openai/gpt-4o-mini']);
    openai.configure({ status: 500 });
    const turn = await sendAndWait(ws, { botId, message: 'Nobody answers' });
    expect(turn.done).toMatchObject({ status: 'error', content: '' });
    expect(turn.done.metadata.error?.code).toBe('provider_error');
    expect(turn.done.metadata.attempts?.map((attempt) => [attempt.model, attempt.error?.code])).toEqual([
      ['openai/gpt-4o', 'provider_error'],
      ['openai/gpt-4o-mini', 'provider_error'],
    ]);
    expect(turn.events.filter((event) => event.type === 'model_fallback')).toHaveLength(1);
  });
});
