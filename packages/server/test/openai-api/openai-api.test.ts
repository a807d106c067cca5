import { createHash } from 'node:crypto';
import type { Message } from '@cachibot/protocol';
import { expectedText, type OpenAIDouble, startOpenAIDouble } from '@cachibot/testkit';
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { UNSTORED_CHAT_TITLE } from '../../src/openai-api/api-chat-repository.ts';
import { type ApiClient, createUser, setupAdmin } from '../support/api-client.ts';
import { waitUntil } from '../support/deadlines.ts';
import { removeDir, startServer, type TestServer } from '../support/server.ts';

const CHAT_ID = 'x-cachibot-chat-id';

/** A key of the client's user, made through the REST API as the web app makes it. */
async function createKey(client: ApiClient, name = 'script'): Promise<string> {
  const created = await client.post('/api/keys', { name });
  if (created.status !== 201) throw new Error(`key creation failed: ${created.status}`);
  return created.body.key as string;
}

const openaiFor = (server: TestServer, apiKey: string) =>
  new OpenAI({ apiKey, baseURL: `${server.url}/v1`, maxRetries: 0 });

/** What an OpenAI call threw, as status, OpenAI error body and headers. */
async function failureOf(call: Promise<unknown>) {
  try {
    await call;
  } catch (error) {
    if (error instanceof OpenAI.APIError)
      return { status: error.status, error: error.error as Record<string, unknown>, headers: error.headers };
    throw error;
  }
  throw new Error('the call succeeded');
}

async function messagesOf(client: ApiClient, chatId: string): Promise<Message[]> {
  const page = await client.get(`/api/chats/${chatId}/messages`);
  expect(page.status).toBe(200);
  return page.body.messages as Message[];
}

describe.each(['sqlite', 'postgres'] as const)('the OpenAI-compatible API on %s', (engine) => {
  let double: OpenAIDouble;
  let server: TestServer;
  let admin: ApiClient;
  let key: string;
  let openai: OpenAI;
  let users = 0;

  beforeAll(async () => {
    double = await startOpenAIDouble();
    server = await startServer({
      engine,
      env: { OPENAI_API_KEY: 'k', OPENAI_BASE_URL: double.url, CACHIBOT_MAX_CONCURRENT_TURNS: '20' },
    });
    admin = await setupAdmin(server.url);
    key = await createKey(admin);
    openai = openaiFor(server, key);
  });
  beforeEach(() => double.reset());
  afterAll(async () => {
    await server.stop();
    removeDir(server.dataDir);
    await double.close();
  });

  const freshUser = async () => {
    const client = await createUser(admin, `apiuser${++users}`);
    return { client, openai: openaiFor(server, await createKey(client)) };
  };
  const botOf = async (client: ApiClient, systemPrompt: string, model: string) =>
    (await client.post('/api/bots', { name: 'Pirate', systemPrompt, models: { default: model } })).body
      .id as string;

  it('creates, lists and revokes personal keys: shown once, stored hashed, last 4 and last use listed', async () => {
    const created = await admin.post('/api/keys', { name: 'CI job' });
    expect(created.status).toBe(201);
    const { id, key: secret } = created.body as { id: string; key: string };
    expect(secret).toMatch(/^cbk_[A-Za-z0-9_-]{43}$/);
    expect(created.body).toMatchObject({ name: 'CI job', last4: secret.slice(-4), lastUsedAt: null });

    const stored = await server.cachibot.database.db
      .withTables<{ api_keys: { id: string; key_hash: string } }>()
      .selectFrom('api_keys')
      .select('key_hash')
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    expect(stored.key_hash).toBe(createHash('sha256').update(secret).digest('base64url'));

    await openaiFor(server, secret).models.list();
    const listed = (await admin.get('/api/keys')).body.keys as Record<string, unknown>[];
    const entry = listed.find((listedKey) => listedKey.id === id);
    expect(entry).toMatchObject({ name: 'CI job', last4: secret.slice(-4) });
    expect(entry?.lastUsedAt).toEqual(expect.any(String));
    expect(JSON.stringify(listed)).not.toContain(secret);

    expect((await admin.delete(`/api/keys/${id}`)).status).toBe(204);
    const revoked = await failureOf(openaiFor(server, secret).models.list());
    expect(revoked.status).toBe(401);
    expect((await admin.delete(`/api/keys/${id}`)).status).toBe(404);
    expect((await admin.post('/api/keys', { name: ' ' })).status).toBe(400);
  });

  it('refuses a wrong key, a session token and another user’s key revocation with 401 / 404', async () => {
    const wrong = await failureOf(
      openaiFor(server, 'cbk_not-a-key').chat.completions.create({
        model: 'openai/gpt-4o-mini',
        messages: [{ role: 'user', content: 'Hello' }],
      }),
    );
    expect(wrong.status).toBe(401);
    expect(wrong.error).toMatchObject({ type: 'invalid_request_error', code: 'invalid_api_key' });
    const session = await failureOf(openaiFor(server, admin.token as string).models.list());
    expect(session.status).toBe(401);
    const keyless = await fetch(`${server.url}/v1/models`);
    expect(keyless.status).toBe(401);

    const other = await freshUser();
    const mine = (await admin.get('/api/keys')).body.keys[0].id as string;
    expect((await other.client.delete(`/api/keys/${mine}`)).status).toBe(404);
    expect(JSON.stringify((await other.client.get('/api/keys')).body)).not.toContain(mine);
    expect(double.requests).toHaveLength(0);
  });

  it('lists the models and the caller’s own bots as bot:<id>', async () => {
    const adminBots = (await admin.get('/api/bots')).body.bots as { id: string; name: string }[];
    const other = await freshUser();
    const { data } = await other.openai.models.list();
    const ids = data.map((model) => model.id);
    expect(ids).toEqual(
      expect.arrayContaining(['openai/gpt-4o-mini', 'openai/gpt-4o', 'openai/double-fast']),
    );
    const ownBots = (await other.client.get('/api/bots')).body.bots as { id: string; name: string }[];
    for (const bot of ownBots)
      expect(data).toContainEqual(expect.objectContaining({ id: `bot:${bot.id}`, name: bot.name }));
    for (const bot of adminBots) expect(ids).not.toContain(`bot:${bot.id}`);
    expect(data[0]).toMatchObject({ object: 'model', owned_by: 'cachibot' });
    expect(await other.openai.models.retrieve('openai/gpt-4o-mini')).toMatchObject({
      id: 'openai/gpt-4o-mini',
    });
    const typed = await fetch(`${server.url}/v1/models/openai/gpt-4o`, {
      headers: { authorization: `Bearer ${key}` },
    });
    expect(await typed.json()).toMatchObject({ id: 'openai/gpt-4o', owned_by: 'openai' });
    const ownBot = ownBots[0]?.id as string;
    expect(await other.openai.models.retrieve(`bot:${ownBot}`)).toMatchObject({ id: `bot:${ownBot}` });
    const foreign = await failureOf(other.openai.models.retrieve(`bot:${adminBots[0]?.id}`));
    expect(foreign.status).toBe(404);
  });

  describe.each([
    { via: 'a model', stream: false },
    { via: 'a model', stream: true },
    { via: 'a bot', stream: false },
    { via: 'a bot', stream: true },
  ])('a completion through $via (stream: $stream)', ({ via, stream }) => {
    it('answers in OpenAI’s shape with usage, and stores the answer with its full record', async () => {
      const { client, openai: own } = await freshUser();
      const botId = via === 'a bot' ? await botOf(client, 'You are a pirate.', 'openai/gpt-4o') : undefined;
      const model = botId ? `bot:${botId}` : 'openai/gpt-4o-mini';
      const messages = [{ role: 'user' as const, content: 'Say something [[double tokens=12]]' }];
      let text = '';
      let usage: OpenAI.CompletionUsage | undefined | null;
      let finishReason: string | null = null;
      let reportedModel = '';
      let chatId: string | null;
      if (stream) {
        const { data, response } = await own.chat.completions
          .create({ model, messages, stream: true, stream_options: { include_usage: true } })
          .withResponse();
        chatId = response.headers.get(CHAT_ID);
        expect(response.headers.get('content-type')).toContain('text/event-stream');
        const chunks: OpenAI.ChatCompletionChunk[] = [];
        for await (const chunk of data) chunks.push(chunk);
        text = chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join('');
        finishReason =
          chunks.find((chunk) => chunk.choices[0]?.finish_reason)?.choices[0]?.finish_reason ?? null;
        const last = chunks.at(-1);
        expect(last?.choices).toEqual([]);
        usage = last?.usage;
        reportedModel = last?.model ?? '';
        expect(chunks.slice(0, -1).every((chunk) => chunk.usage === null)).toBe(true);
      } else {
        const { data, response } = await own.chat.completions.create({ model, messages }).withResponse();
        chatId = response.headers.get(CHAT_ID);
        expect(data.object).toBe('chat.completion');
        text = data.choices[0]?.message.content ?? '';
        finishReason = data.choices[0]?.finish_reason ?? null;
        usage = data.usage;
        reportedModel = data.model;
      }
      const answeringModel = botId ? 'openai/gpt-4o' : 'openai/gpt-4o-mini';
      expect(text).toBe(expectedText(12));
      expect(finishReason).toBe('stop');
      expect(reportedModel).toBe(answeringModel);
      expect(usage).toMatchObject({ completion_tokens: 12 });
      expect(usage?.prompt_tokens).toBeGreaterThan(0);
      expect(usage?.total_tokens).toBe((usage?.prompt_tokens ?? 0) + 12);

      const [sent] = double.requests;
      expect(sent?.model).toBe(botId ? 'gpt-4o' : 'gpt-4o-mini');
      expect(sent?.messages).toEqual([
        ...(botId ? [{ role: 'system', content: 'You are a pirate.' }] : []),
        { role: 'user', content: 'Say something [[double tokens=12]]' },
      ]);

      expect(chatId).toEqual(expect.any(String));
      const chat = (await client.get(`/api/chats/${chatId}`)).body;
      const bot = (await client.get(`/api/bots/${chat.botId}`)).body;
      expect(bot.name).toBe(botId ? 'Pirate' : 'API');
      const [question, answer] = await messagesOf(client, chatId as string);
      expect(question).toMatchObject({ role: 'user', content: messages[0]?.content });
      expect(answer).toMatchObject({ role: 'assistant', status: 'complete', content: text });
      expect(answer?.metadata).toMatchObject({
        model: answeringModel,
        usage: { inputTokens: usage?.prompt_tokens, outputTokens: 12 },
        finishReason: 'stop',
      });
      expect(answer?.metadata.costUsd).toBeGreaterThan(0);
      expect(answer?.metadata.ttftMs).toEqual(expect.any(Number));
      const report = await client.get('/api/usage?groupBy=bot');
      expect(report.body.rows).toContainEqual(expect.objectContaining({ key: chat.botId, answers: 1 }));
    });
  });

  it('resolves a bare model name that one provider lists, and 404s an unknown model', async () => {
    const answer = await openai.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'Hi' }],
    });
    expect(answer.model).toBe('openai/gpt-4o-mini');
    const unknown = await failureOf(
      openai.chat.completions.create({
        model: 'openai/no-such-model',
        messages: [{ role: 'user', content: 'Hi' }],
      }),
    );
    expect(unknown.status).toBe(404);
    expect(unknown.error).toMatchObject({ code: 'model_not_found', param: 'model' });
    const noBot = await failureOf(
      openai.chat.completions.create({ model: 'bot:nope', messages: [{ role: 'user', content: 'Hi' }] }),
    );
    expect(noBot.status).toBe(404);
    expect(double.requests).toHaveLength(1);
  });

  it('404s another user’s bot and chat, without calling the model', async () => {
    const adminBot = (await admin.get('/api/bots')).body.bots[0].id as string;
    const first = await openai.chat.completions
      .create({ model: `bot:${adminBot}`, messages: [{ role: 'user', content: 'Mine' }] })
      .withResponse();
    const adminChat = first.response.headers.get(CHAT_ID) as string;
    double.reset();
    const other = await freshUser();
    const bot = await failureOf(
      other.openai.chat.completions.create({
        model: `bot:${adminBot}`,
        messages: [{ role: 'user', content: 'Hi' }],
      }),
    );
    expect(bot.status).toBe(404);
    expect(bot.error).toMatchObject({ code: 'model_not_found' });
    const chat = await failureOf(
      other.openai.chat.completions.create(
        { model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] },
        { headers: { 'X-Cachibot-Chat-Id': adminChat } },
      ),
    );
    expect(chat.status).toBe(404);
    expect(chat.error).toMatchObject({ code: 'chat_not_found' });
    expect(double.requests).toHaveLength(0);
    expect(await messagesOf(admin, adminChat)).toHaveLength(2);
  });

  it('answers a malformed body with 400 in OpenAI’s shape, and ignores unknown OpenAI fields', async () => {
    const post = (body: string, type = 'application/json') =>
      fetch(`${server.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': type },
        body,
      });
    const broken = await post('{"model": ');
    expect(broken.status).toBe(400);
    expect(await broken.json()).toEqual({
      error: { message: expect.any(String), type: 'invalid_request_error', param: null, code: 'bad_request' },
    });
    const noMessages = await post(JSON.stringify({ model: 'openai/gpt-4o-mini' }));
    expect(noMessages.status).toBe(400);
    expect((await noMessages.json()).error).toMatchObject({
      param: 'messages',
      type: 'invalid_request_error',
    });
    const notJson = await post('model=x', 'application/x-www-form-urlencoded');
    expect(notJson.status).toBe(400);
    const huge = await post(
      JSON.stringify({
        model: 'openai/gpt-4o-mini',
        messages: [{ role: 'user', content: 'x'.repeat(1_100_000) }],
      }),
    );
    expect(huge.status).toBe(413);
    expect((await huge.json()).error).toMatchObject({ code: 'payload_too_large' });
    const unknownUrl = await fetch(`${server.url}/v1/embeddings`, {
      headers: { authorization: `Bearer ${key}` },
    });
    expect(unknownUrl.status).toBe(404);
    expect((await unknownUrl.json()).error).toMatchObject({
      code: 'unknown_url',
      type: 'invalid_request_error',
    });

    const endsWithAnswer = await failureOf(
      openai.chat.completions.create({
        model: 'openai/gpt-4o-mini',
        messages: [
          { role: 'user', content: 'Hi' },
          { role: 'assistant', content: 'Hello' },
        ],
      }),
    );
    expect(endsWithAnswer.status).toBe(400);
    const image = await failureOf(
      openai.chat.completions.create({
        model: 'openai/gpt-4o-mini',
        messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://x/y.png' } }] }],
      }),
    );
    expect(image.status).toBe(400);
    const twoChoices = await failureOf(
      openai.chat.completions.create({
        model: 'openai/gpt-4o-mini',
        n: 2,
        messages: [{ role: 'user', content: 'Hi' }],
      }),
    );
    expect(twoChoices.status).toBe(400);
    expect(double.requests).toHaveLength(0);

    const extras = await openai.chat.completions.create({
      model: 'openai/gpt-4o-mini',
      messages: [{ role: 'user', content: [{ type: 'text', text: 'Hi there' }], name: 'sam' }],
      temperature: 0.2,
      top_p: 0.9,
      seed: 7,
      user: 'end-user-1',
      frequency_penalty: 0,
      logit_bias: {},
      metadata: { job: 'nightly' },
      // @ts-expect-error — a field OpenAI may add tomorrow: accepted and ignored
      some_future_field: { on: true },
    });
    expect(extras.choices[0]?.message.content).toBe(expectedText(20));
    expect(double.requests[0]?.messages).toEqual([{ role: 'user', content: 'Hi there' }]);
  });

  it('answers hostile bodies and paths with a 4xx in OpenAI’s shape, never a 5xx', async () => {
    const deep = (depth: number) =>
      `{"model":"openai/gpt-4o-mini","messages":${'['.repeat(depth)}${']'.repeat(depth)}}`;
    const hostile: { body: string; type?: string }[] = [
      { body: '{' },
      { body: '"x"' },
      { body: '[1,2]' },
      { body: 'nul' },
      { body: deep(10_000) },
      { body: '{"__proto__":{"polluted":1},"model":"openai/gpt-4o-mini","messages":[]}' },
      {
        body: JSON.stringify({
          model: 'openai/gpt-4o-mini',
          messages: [{ role: 'user', content: 'a\u0000b' }],
        }),
      },
      { body: JSON.stringify({ model: 7, messages: 'hi' }) },
      { body: JSON.stringify({ model: 'openai/gpt-4o-mini', messages: [{ role: 'robot', content: 'hi' }] }) },
      { body: 'model=x', type: 'text/plain' },
      { body: 'x'.repeat(1024 * 1024 + 1) },
    ];
    const shapes: string[] = [];
    for (const { body, type } of hostile) {
      const response = await fetch(`${server.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': type ?? 'application/json' },
        body,
      });
      const answer = (await response.json()) as { error?: Record<string, unknown> };
      shapes.push(`${response.status} ${Object.keys(answer.error ?? {}).join(',')}`);
      expect(response.status, body.slice(0, 80)).toBeGreaterThanOrEqual(400);
      expect(response.status, body.slice(0, 80)).toBeLessThan(500);
    }
    expect(new Set(shapes.map((shape) => shape.split(' ')[1]))).toEqual(new Set(['message,type,param,code']));
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    for (const path of ['/v1/models/x%00y', `/v1/models/${'z'.repeat(5000)}`, '/v1/models/a/b%E0%A4%A']) {
      const response = await fetch(`${server.url}${path}`, { headers: { authorization: `Bearer ${key}` } });
      expect(response.status, path).toBeGreaterThanOrEqual(400);
      expect(response.status, path).toBeLessThan(500);
    }
    for (const path of ['/v1/models', '/v1/models/openai/gpt-4o', '/v1/chat/completions']) {
      const anonymous = await fetch(`${server.url}${path}`, {
        method: path.endsWith('completions') ? 'POST' : 'GET',
      });
      expect(anonymous.status, path).toBe(401);
      expect((await anonymous.json()).error).toMatchObject({ code: 'invalid_api_key' });
    }
    expect(double.requests).toHaveLength(0);
  });

  it('stores a request’s system message and earlier turns in a new chat, where the model sees them', async () => {
    const { client, openai: own } = await freshUser();
    const { response } = await own.chat.completions
      .create({
        model: 'openai/gpt-4o-mini',
        messages: [
          { role: 'system', content: 'Answer in French.' },
          { role: 'user', content: 'What is 2 + 2?' },
          { role: 'assistant', content: 'Quatre.' },
          { role: 'tool', tool_call_id: 'call_1', content: 'left out' },
          { role: 'user', content: 'And 3 + 3?' },
        ],
      })
      .withResponse();
    expect(double.requests[0]?.messages).toEqual([
      { role: 'system', content: 'Answer in French.' },
      { role: 'user', content: 'What is 2 + 2?' },
      { role: 'assistant', content: 'Quatre.' },
      { role: 'user', content: 'And 3 + 3?' },
    ]);
    const chatId = response.headers.get(CHAT_ID) as string;
    const stored = await messagesOf(client, chatId);
    expect(stored.map((message) => [message.role, message.content])).toEqual([
      ['system', 'Answer in French.'],
      ['user', 'What is 2 + 2?'],
      ['assistant', 'Quatre.'],
      ['user', 'And 3 + 3?'],
      ['assistant', expectedText(20)],
    ]);
    expect(stored.slice(1).map((message) => message.parentId)).toEqual(stored.slice(0, -1).map((m) => m.id));
    expect((await client.get(`/api/chats/${chatId}`)).body.title).toBe('What is 2 + 2?');
  });

  it('continues the stored chat that X-Cachibot-Chat-Id names', async () => {
    const { client, openai: own } = await freshUser();
    const first = await own.chat.completions
      .create({
        model: 'openai/gpt-4o-mini',
        messages: [{ role: 'user', content: 'First [[double tokens=3]]' }],
      })
      .withResponse();
    const chatId = first.response.headers.get(CHAT_ID) as string;
    const second = await own.chat.completions
      .create(
        {
          model: 'openai/gpt-4o',
          messages: [
            { role: 'user', content: 'First [[double tokens=3]]' },
            { role: 'assistant', content: first.data.choices[0]?.message.content ?? '' },
            { role: 'user', content: 'Second' },
          ],
        },
        { headers: { 'X-Cachibot-Chat-Id': chatId } },
      )
      .withResponse();
    expect(second.response.headers.get(CHAT_ID)).toBe(chatId);
    expect(double.requests[1]).toMatchObject({
      model: 'gpt-4o',
      messages: [
        { role: 'user', content: 'First [[double tokens=3]]' },
        { role: 'assistant', content: expectedText(3) },
        { role: 'user', content: 'Second' },
      ],
    });
    const stored = await messagesOf(client, chatId);
    expect(stored.map((message) => message.content)).toEqual([
      'First [[double tokens=3]]',
      expectedText(3),
      'Second',
      expectedText(20),
    ]);
    expect(stored[3]?.metadata.model).toBe('openai/gpt-4o');
    const otherBot = await botOf(client, '', 'openai/gpt-4o-mini');
    const mismatch = await failureOf(
      own.chat.completions.create(
        { model: `bot:${otherBot}`, messages: [{ role: 'user', content: 'Third' }] },
        { headers: { 'X-Cachibot-Chat-Id': chatId } },
      ),
    );
    expect(mismatch.status).toBe(400);
    expect(mismatch.error).toMatchObject({ code: 'chat_of_another_bot', param: 'x-cachibot-chat-id' });
    expect(double.requests).toHaveLength(2);
  });

  it('with store: false records the usage but keeps no text', async () => {
    const { client, openai: own } = await freshUser();
    for (const stream of [false, true]) {
      const { data, response } = await own.chat.completions
        .create({
          model: 'openai/gpt-4o-mini',
          store: false,
          stream,
          messages: [
            { role: 'system', content: 'Secret instructions' },
            { role: 'user', content: 'A secret question [[double tokens=5]]' },
          ],
        })
        .withResponse();
      const text =
        data instanceof Object && 'choices' in data
          ? (data.choices[0]?.message.content ?? '')
          : await (async () => {
              let joined = '';
              for await (const chunk of data as AsyncIterable<OpenAI.ChatCompletionChunk>)
                joined += chunk.choices[0]?.delta.content ?? '';
              return joined;
            })();
      expect(text).toBe(expectedText(5));
      const chatId = response.headers.get(CHAT_ID) as string;
      const stored = await messagesOf(client, chatId);
      expect(stored.map((message) => message.content)).toEqual(['', '', '']);
      expect(stored[2]?.metadata).toMatchObject({ model: 'openai/gpt-4o-mini', usage: { outputTokens: 5 } });
      expect((await client.get(`/api/chats/${chatId}`)).body.title).toBe(UNSTORED_CHAT_TITLE);
      const events = await server.cachibot.database.db
        .selectFrom('turn_events')
        .innerJoin('turns', 'turns.id', 'turn_events.turn_id')
        .select('turn_events.payload')
        .where('turns.chat_id', '=', chatId)
        .execute();
      expect(events).toEqual([]);
    }
    const report = await client.get('/api/usage?groupBy=model');
    expect(report.body.rows).toContainEqual(
      expect.objectContaining({ key: 'openai/gpt-4o-mini', answers: 2, outputTokens: 10 }),
    );
  });

  it('keeps answering when the client disconnects mid-stream, and stores the whole answer', async () => {
    const { client, openai: own } = await freshUser();
    const { data, response } = await own.chat.completions
      .create({
        model: 'openai/gpt-4o-mini',
        stream: true,
        messages: [{ role: 'user', content: 'Long one [[double tokens=30 delay=20]]' }],
      })
      .withResponse();
    const chatId = response.headers.get(CHAT_ID) as string;
    for await (const chunk of data) if (chunk.choices[0]?.delta.content) break; // closes the stream
    await waitUntil(async () => {
      const answer = (await messagesOf(client, chatId))[1];
      return answer?.status === 'complete';
    }, 'the answer is stored');
    expect((await messagesOf(client, chatId))[1]?.content).toBe(expectedText(30));
    expect(double.requests[0]?.aborted).toBe(false);
  });

  it('answers a turn that fails before its first token with an error status, streaming or not', async () => {
    double.configure({ status: 500 });
    for (const stream of [false, true]) {
      const failed = await failureOf(
        openai.chat.completions.create({
          model: 'openai/gpt-4o-mini',
          stream,
          messages: [{ role: 'user', content: 'Fail please' }],
        }),
      );
      expect(failed.status).toBe(502);
      expect(failed.error).toMatchObject({ type: 'server_error', code: 'provider_error' });
      expect(failed.headers?.get(CHAT_ID)).toEqual(expect.any(String));
    }
  });

  it('refuses a call over a blocking budget with 402 before any provider call', async () => {
    const { client, openai: own } = await freshUser();
    const botId = await botOf(client, '', 'openai/gpt-4o-mini');
    await own.chat.completions.create({
      model: `bot:${botId}`,
      messages: [{ role: 'user', content: 'Spend' }],
    });
    const budget = await client.request('PUT', `/api/bots/${botId}/budget`, {
      monthlyUsd: 0.000001,
      action: 'block',
    });
    expect(budget.status).toBe(200);
    double.reset();
    const refused = await failureOf(
      own.chat.completions.create({ model: `bot:${botId}`, messages: [{ role: 'user', content: 'More' }] }),
    );
    expect(refused.status).toBe(402);
    expect(refused.error).toMatchObject({ type: 'insufficient_quota', code: 'budget_exceeded' });
    expect(double.requests).toHaveLength(0);
  });
});

describe.each(['sqlite', 'postgres'] as const)('rate limits of the OpenAI-compatible API on %s', (engine) => {
  let double: OpenAIDouble;
  let server: TestServer;

  beforeAll(async () => {
    double = await startOpenAIDouble();
    server = await startServer({
      engine,
      env: {
        OPENAI_API_KEY: 'k',
        OPENAI_BASE_URL: double.url,
        CACHIBOT_MAX_CONCURRENT_TURNS: '20',
        CACHIBOT_TURNS_PER_MINUTE: '3',
      },
    });
  });
  afterAll(async () => {
    await server.stop();
    removeDir(server.dataDir);
    await double.close();
  });

  it('answers calls over the per-minute limit with 429 and Retry-After, in parallel', async () => {
    const admin = await setupAdmin(server.url);
    const openai = openaiFor(server, await createKey(admin));
    const calls = Array.from({ length: 6 }, (_, index) =>
      openai.chat.completions
        .create({
          model: 'openai/gpt-4o-mini',
          messages: [
            { role: 'system', content: 'Be brief.' },
            { role: 'user', content: `Call ${index}` },
          ],
        })
        .then(
          () => ({ status: 200, retryAfter: null as string | null }),
          (error: InstanceType<typeof OpenAI.APIError>) => ({
            status: error.status,
            retryAfter: error.headers?.get('retry-after') ?? null,
            error: error.error,
          }),
        ),
    );
    const results = await Promise.all(calls);
    expect(results.filter((result) => result.status === 200)).toHaveLength(3);
    const limited = results.filter((result) => result.status === 429);
    expect(limited).toHaveLength(3);
    for (const result of limited) {
      expect(Number(result.retryAfter)).toBeGreaterThanOrEqual(1);
      expect(result).toMatchObject({ error: { type: 'requests', code: 'rate_limit_exceeded' } });
    }
    expect(double.requests).toHaveLength(3);
    // A refused call leaves no chat behind (the chat made for its system message goes again).
    const bots = (await admin.get('/api/bots')).body.bots as { id: string; name: string }[];
    const apiBot = bots.find((bot) => bot.name === 'API');
    const chats = (await admin.get(`/api/bots/${apiBot?.id}/chats`)).body.chats;
    expect(chats).toHaveLength(3);
  });
});
