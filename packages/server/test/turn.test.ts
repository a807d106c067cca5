import { expectedText, type OpenAIDouble, startOpenAIDouble } from '@cachibot/testkit';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type ApiClient, createUser, setupAdmin } from './support/api-client.ts';
import { scaled } from './support/deadlines.ts';
import { removeDir, startServer, type TestServer } from './support/server.ts';
import { clientMessageId, coveredSeqs, sendAndWait, startTurn, textOf } from './support/turns.ts';
import { WsClient } from './support/ws-client.ts';

let double: OpenAIDouble;
let server: TestServer;
let admin: ApiClient;
let ws: WsClient;
let botId: string;

const env = () => ({
  OPENAI_API_KEY: 'global-test-key',
  OPENAI_BASE_URL: double.url,
  CACHIBOT_FIRST_TOKEN_TIMEOUT_MS: '1000',
});

beforeAll(async () => {
  double = await startOpenAIDouble();
  server = await startServer({ env: env() });
  admin = await setupAdmin(server.url);
  const bot = await admin.post('/api/bots', {
    name: 'Tester',
    systemPrompt: 'You are the test bot. Prompt from the database.',
    models: { default: 'openai/gpt-4o-mini' },
  });
  botId = bot.body.id;
  ws = await WsClient.connect(server.wsUrl, admin.token as string);
});
beforeEach(() => double.reset());
afterAll(async () => {
  await ws.close();
  await server.stop();
  await double.close();
  removeDir(server.dataDir);
});

describe('a chat turn', () => {
  it('streams the answer of the picked model, with turn fields and a gap-free seq on every event', async () => {
    const turn = await sendAndWait(ws, { botId, message: 'Hello there', model: 'openai/gpt-4o' });
    const types = turn.events.map((event) => event.type);
    expect(types[0]).toBe('turn_started');
    expect(types.slice(-2)).toEqual(['usage', 'done']);
    expect(types.filter((type) => type === 'text_delta')).toHaveLength(20);
    turn.events.forEach((event, index) => {
      expect(event.payload).toMatchObject({
        turnId: turn.turnId,
        chatId: turn.chatId,
        botId,
        seq: index + 1,
      });
    });
    expect(textOf(turn.events)).toBe(expectedText(20));
    expect(turn.done.content).toBe(expectedText(20));
    expect(turn.done.status).toBe('complete');
    // The override reached the provider, and the chat (created by this message) remembers it.
    expect(double.requests[0]?.model).toBe('gpt-4o');
    const chat = await admin.get(`/api/chats/${turn.chatId}`);
    expect(chat.body).toMatchObject({ model: 'openai/gpt-4o', title: 'Hello there', botId });
  });

  it('records the full per-message metadata of the model that answered', async () => {
    const turn = await sendAndWait(ws, { botId, message: 'Price me', model: 'openai/gpt-4o-mini' });
    const metadata = turn.done.metadata;
    expect(metadata).toMatchObject({
      model: 'openai/gpt-4o-mini',
      modelRequested: 'openai/gpt-4o-mini',
      providerModelId: 'gpt-4o-mini-double',
      finishReason: 'stop',
      catalogueVersion: expect.any(String),
    });
    const request = double.requests[0];
    const inputTokens = metadata.usage?.inputTokens ?? 0;
    expect(inputTokens).toBeGreaterThan(0);
    expect(metadata.usage).toMatchObject({ outputTokens: 20, totalTokens: inputTokens + 20 });
    // gpt-4o-mini: $0.15 in / $0.60 out per 1M tokens = micro-dollars per token, rounded to whole µ$.
    expect(metadata.costUsd).toBe(Math.round(inputTokens * 0.15 + 20 * 0.6) / 1e6);
    expect(metadata.ttftMs).toBeGreaterThanOrEqual(0);
    expect(metadata.durationMs).toBeGreaterThanOrEqual(metadata.ttftMs ?? 0);
    expect(metadata.attempts).toHaveLength(1);
    expect(metadata.attempts?.[0]).toMatchObject({ model: 'openai/gpt-4o-mini' });
    expect(metadata.attempts?.[0]?.error).toBeUndefined();
    expect(metadata.perModel?.['openai/gpt-4o-mini']).toMatchObject({
      inputTokens,
      outputTokens: 20,
      calls: 1,
    });
    expect(request?.body.stream).toBe(true);
    const usageEvent = turn.events.find((event) => event.type === 'usage');
    expect((usageEvent?.payload as { metadata?: unknown } | undefined)?.metadata).toEqual(metadata);
  });

  it('stores no cost when the model has no known price', async () => {
    const turn = await sendAndWait(ws, { botId, message: 'No price', model: 'openai/double-fast' });
    expect(turn.done.metadata.usage?.outputTokens).toBe(20);
    expect(turn.done.metadata).not.toHaveProperty('costUsd');
  });

  it("uses the chat's remembered model, else the bot default", async () => {
    const first = await sendAndWait(ws, { botId, message: 'Pick gpt-4o', model: 'openai/gpt-4o' });
    await sendAndWait(ws, { botId, chatId: first.chatId, message: 'No override now' });
    expect(double.requests.map((request) => request.model)).toEqual(['gpt-4o', 'gpt-4o']);
    const fresh = await sendAndWait(ws, { botId, message: 'Fresh chat' });
    expect(double.requests[2]?.model).toBe('gpt-4o-mini');
    expect(fresh.done.metadata.modelRequested).toBe('openai/gpt-4o-mini');
  });

  it('sends the real conversation, with the system prompt from the database', async () => {
    const first = await sendAndWait(ws, { botId, message: 'My name is Ada' });
    await sendAndWait(ws, { botId, chatId: first.chatId, message: 'What is my name?' });
    const messages = double.requests[1]?.messages as { role: string; content: unknown }[];
    const flat = messages.map((message) => [
      message.role,
      typeof message.content === 'string' ? message.content : JSON.stringify(message.content),
    ]);
    expect(flat).toEqual([
      ['system', 'You are the test bot. Prompt from the database.'],
      ['user', expect.stringContaining('My name is Ada')],
      ['assistant', expect.stringContaining(expectedText(20))],
      ['user', expect.stringContaining('What is my name?')],
    ]);
  });

  it('lists messages with their metadata, and keeps them across a server restart', async () => {
    const turn = await sendAndWait(ws, { botId, message: 'Remember me', model: 'openai/gpt-4o' });
    const before = (await admin.get(`/api/chats/${turn.chatId}/messages`)).body;
    expect(before.messages.map((message: { role: string }) => message.role)).toEqual(['user', 'assistant']);
    expect(before.messages[1]).toEqual(turn.done);
    expect(before.messages[1].parentId).toBe(before.messages[0].id);

    await ws.close();
    await server.stop();
    server = await startServer({ env: env(), dataDir: server.dataDir });
    admin.baseUrl !== server.url && Object.assign(admin, { baseUrl: server.url });
    ws = await WsClient.connect(server.wsUrl, admin.token as string);
    const after = (await admin.get(`/api/chats/${turn.chatId}/messages`)).body;
    expect(after).toEqual(before);
    expect(after.messages[1].metadata.model).toBe('openai/gpt-4o');
  });

  it('stops on cancel and stores the partial answer as cancelled before done', async () => {
    const { turnId, chatId } = await startTurn(ws, {
      botId,
      message: 'Long one [[double tokens=500 delay=10]]',
    });
    await ws.waitFor('text_delta', (event) => event.payload.turnId === turnId && event.payload.seq >= 4);
    ws.send('cancel', { turnId });
    const done = (await ws.waitFor('done', (event) => event.payload.turnId === turnId)).payload.message;
    expect(done.status).toBe('cancelled');
    expect(done.metadata.finishReason).toBe('cancelled');
    expect(done.content.length).toBeGreaterThan(0);
    expect(expectedText(500).startsWith(done.content)).toBe(true);
    expect(done.content).toBe(textOf(ws.turnEvents(turnId)));
    const stored = (await admin.get(`/api/chats/${chatId}/messages`)).body.messages[1];
    expect(stored).toMatchObject({ status: 'cancelled', content: done.content });
    await double.waitUntil((requests) => requests[0]?.aborted === true, scaled(5_000));
  });

  it('keeps the partial text and marks the answer error when the provider stream breaks', async () => {
    const turn = await sendAndWait(ws, { botId, message: 'Break [[double tokens=50 cut=6]]' });
    expect(turn.done.status).toBe('error');
    expect(turn.done.content.length).toBeGreaterThan(0);
    expect(expectedText(50).startsWith(turn.done.content)).toBe(true);
    expect(turn.done.metadata.error?.code).toBeTruthy();
    const types = turn.events.map((event) => event.type);
    expect(types.slice(-2)).toEqual(['error', 'done']);
    const stored = (await admin.get(`/api/chats/${turn.chatId}/messages`)).body.messages;
    expect(stored.map((message: { status: string }) => message.status)).toEqual(['complete', 'error']);
  });

  it('stores a provider HTTP error on the message, never an orphan user message', async () => {
    const turn = await sendAndWait(ws, { botId, message: 'Fail [[double status=500]]' });
    expect(turn.done).toMatchObject({ status: 'error', content: '' });
    expect(turn.done.metadata.error).toMatchObject({ code: 'provider_error' });
    expect(turn.done.metadata.attempts?.[0]?.error?.code).toBe('provider_error');
    const stored = (await admin.get(`/api/chats/${turn.chatId}/messages`)).body.messages;
    expect(stored).toHaveLength(2);
  });

  it('falls back to the next model on a rate limit and records both attempts', async () => {
    const bot = (
      await admin.post('/api/bots', {
        name: 'Fallback',
        models: { default: 'openai/gpt-4o' },
        fallbackModels: ['openai/gpt-4o-mini'],
      })
    ).body;
    double.configureModel('gpt-4o', { status: 429 });
    const turn = await sendAndWait(ws, { botId: bot.id, message: 'Try twice' });
    const fallback = turn.events.find((event) => event.type === 'model_fallback');
    expect(fallback?.payload).toMatchObject({
      from: 'openai/gpt-4o',
      to: 'openai/gpt-4o-mini',
      reason: 'rate_limited',
    });
    expect(turn.done.status).toBe('complete');
    expect(turn.done.metadata).toMatchObject({
      model: 'openai/gpt-4o-mini',
      modelRequested: 'openai/gpt-4o',
    });
    expect(turn.done.metadata.attempts?.map((attempt) => [attempt.model, attempt.error?.code])).toEqual([
      ['openai/gpt-4o', 'rate_limited'],
      ['openai/gpt-4o-mini', undefined],
    ]);
    expect(double.requests.map((request) => request.model)).toEqual(['gpt-4o', 'gpt-4o-mini']);
  });

  it('falls back when the first model sends no token in time', async () => {
    const bot = (
      await admin.post('/api/bots', {
        name: 'Hang',
        models: { default: 'openai/gpt-4o' },
        fallbackModels: ['openai/gpt-4o-mini'],
      })
    ).body;
    double.configureModel('gpt-4o', { hang: true });
    const turn = await sendAndWait(ws, { botId: bot.id, message: 'Hang first' });
    expect(turn.done.status).toBe('complete');
    expect(turn.done.metadata.attempts?.[0]?.error?.code).toBe('timeout');
    expect(turn.done.metadata.model).toBe('openai/gpt-4o-mini');
  });

  it('refuses a model of an unconfigured provider, naming the configured ones, and stores nothing', async () => {
    const id = clientMessageId();
    ws.send('chat', { clientMessageId: id, botId, message: 'Nope', model: 'nosuch/model-x' });
    const error = await ws.waitFor(
      'error',
      (event) => (event.payload as { clientMessageId?: string }).clientMessageId === id,
    );
    expect(error.payload.code).toBe('bad_request');
    expect(error.payload.message).toContain('openai');
    expect(double.requests).toHaveLength(0);
  });

  it('never starts a second turn for a repeated clientMessageId, and replays the first', async () => {
    const id = clientMessageId();
    const first = await sendAndWait(ws, { botId, message: 'Once only', clientMessageId: id });
    const other = await WsClient.connect(server.wsUrl, admin.token as string);
    other.send('chat', { clientMessageId: id, botId, message: 'Once only' });
    const replayed = await other.waitFor('done', (event) => event.payload.turnId === first.turnId);
    expect(replayed.payload.message).toEqual(first.done);
    // The replay joins consecutive deltas (fromSeq … seq) but stands for exactly the same events.
    expect(coveredSeqs(other.turnEvents(first.turnId))).toEqual(coveredSeqs(first.events));
    expect(textOf(other.turnEvents(first.turnId))).toBe(textOf(first.events));
    expect(double.requests).toHaveLength(1);
    other.send('chat', { clientMessageId: id, botId, message: 'Different text' });
    expect((await other.waitFor('error')).payload.code).toBe('conflict');
    await other.close();
  });

  it('does not cancel when the socket drops, and resume replays exactly the missing events', async () => {
    const dropping = await WsClient.connect(server.wsUrl, admin.token as string);
    const { turnId, chatId } = await startTurn(dropping, {
      botId,
      message: 'Survive [[double tokens=40 delay=15]]',
    });
    await dropping.waitFor(
      'text_delta',
      (event) => event.payload.turnId === turnId && event.payload.seq >= 5,
    );
    await dropping.close();
    const seen = dropping.turnEvents(turnId);
    const lastSeq = seen[seen.length - 1]?.payload.seq as number;

    const back = await WsClient.connect(server.wsUrl, admin.token as string);
    back.send('resume', { chatId, afterSeq: lastSeq });
    const done = await back.waitFor('done', (event) => event.payload.turnId === turnId);
    const rest = back.turnEvents(turnId);
    expect(coveredSeqs(rest)[0]).toBe(lastSeq + 1);
    expect(coveredSeqs([...seen, ...rest])).toEqual(
      Array.from({ length: done.payload.seq }, (_, index) => index + 1),
    );
    expect(textOf([...seen, ...rest])).toBe(expectedText(40));
    expect(done.payload.message.status).toBe('complete');
    expect(double.requests[0]?.aborted).toBe(false);
    await back.close();
  });
});

describe('the WebSocket gateway', () => {
  it('refuses an unauthenticated upgrade with 401 and a foreign origin with 403', async () => {
    await expect(WsClient.connect(server.wsUrl, 'bad-token')).rejects.toThrow('401');
    const login = await fetch(`${server.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: 'correct horse battery' }),
    });
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] as string;
    const viaCookie = (origin: string) =>
      new Promise<number>((resolve) => {
        import('ws').then(({ default: WebSocket }) => {
          const socket = new WebSocket(server.wsUrl, { headers: { cookie, origin } });
          socket.once('open', () => {
            socket.close();
            resolve(101);
          });
          socket.once('unexpected-response', (_request, response) => resolve(response.statusCode ?? 0));
          socket.once('error', () => {});
        });
      });
    expect(await viaCookie('https://evil.example')).toBe(403);
    expect(await viaCookie(server.url)).toBe(101);
  });

  it('answers bad frames with clear errors and keeps the socket open', async () => {
    const client = await WsClient.connect(server.wsUrl, admin.token as string);
    client.sendRaw('{not json');
    client.send('teleport', {});
    client.send('chat', { botId });
    client.sendRaw(JSON.stringify({ type: 'ping', payload: { ts: 1, pad: 'x'.repeat(1024 * 1024 + 10) } }));
    client.sendRaw(Buffer.from([1, 2, 3]), true);
    const errors = async () => {
      await client.until(
        (events) => events.filter((event) => event.type === 'error').length >= 5,
        'five errors',
      );
      return client.events
        .filter((event) => event.type === 'error')
        .map((event) => event.payload as { code: string; message: string });
    };
    const got = await errors();
    expect(got[0]).toMatchObject({ code: 'bad_request', message: expect.stringContaining('JSON') });
    expect(got[1]).toMatchObject({ code: 'bad_request', message: expect.stringContaining('teleport') });
    expect(got[2]).toMatchObject({
      code: 'bad_request',
      message: expect.stringMatching(/clientMessageId|message/),
    });
    expect(got[3]).toMatchObject({ code: 'payload_too_large' });
    expect(got[4]).toMatchObject({ code: 'bad_request', message: expect.stringContaining('Binary') });
    client.send('ping', { ts: 42 });
    expect((await client.waitFor('pong')).payload).toEqual({ ts: 42 });
    await client.close();
  });

  it("keeps a second user away from the first user's bots, chats and turns", async () => {
    const bob = await createUser(admin, `bob${Date.now()}`);
    const bobWs = await WsClient.connect(server.wsUrl, bob.token as string);
    const bobBot = (await bob.get('/api/bots')).body.bots[0].id;
    const { turnId, chatId } = await startTurn(ws, { botId, message: 'Mine [[double tokens=30 delay=10]]' });

    const attempts: [string, unknown][] = [
      ['chat', { clientMessageId: clientMessageId(), botId, message: 'use your bot' }],
      ['chat', { clientMessageId: clientMessageId(), botId: bobBot, chatId, message: 'into your chat' }],
      ['resume', { chatId }],
      ['cancel', { turnId }],
    ];
    for (const [type, payload] of attempts) {
      const before = bobWs.events.length;
      bobWs.send(type, payload);
      const error = await bobWs.waitFor('error', () => bobWs.events.length > before);
      expect(error.payload.code).toBe('not_found');
    }
    const done = await ws.waitFor('done', (event) => event.payload.turnId === turnId);
    expect(done.payload.message.status).toBe('complete');
    expect(bobWs.events.some((event) => (event.payload as { turnId?: string }).turnId === turnId)).toBe(
      false,
    );
    expect((await bob.get(`/api/chats/${chatId}/messages`)).status).toBe(404);
    await bobWs.close();
  });
});
