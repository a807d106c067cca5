import { expectedText, type OpenAIDouble, startOpenAIDouble } from '@cachibot/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TurnRepository } from '../src/turns/turn-repository.ts';
import { type ApiClient, createUser, setupAdmin } from './support/api-client.ts';
import { removeDir, startServer, type TestServer } from './support/server.ts';
import { sendAndWait } from './support/turns.ts';
import { WsClient } from './support/ws-client.ts';

/** The same REST behaviour on both storage engines, so no SQLite-only SQL creeps in. */
describe.each(['sqlite', 'postgres'] as const)('bots and chats on %s', (engine) => {
  let server: TestServer;
  let admin: ApiClient;
  let bob: ApiClient;
  let double: OpenAIDouble;

  beforeAll(async () => {
    double = await startOpenAIDouble();
    server = await startServer({
      engine,
      env: { OPENAI_API_KEY: 'k', OPENAI_BASE_URL: double.url, CACHIBOT_MAX_CONCURRENT_TURNS: '20' },
    });
    admin = await setupAdmin(server.url);
    bob = await createUser(admin, 'bob');
  });
  afterAll(async () => {
    await server.stop();
    removeDir(server.dataDir);
    await double.close();
  });

  it('stores every answer of many concurrent turns completely, each with its own record', async () => {
    const botId = (await admin.get('/api/bots')).body.bots[0].id;
    const ws = await WsClient.connect(server.wsUrl, admin.token as string);
    const turns = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        sendAndWait(ws, {
          botId,
          message: `Concurrent ${i} [[double tokens=${10 + i} delay=2]]`,
          model: 'openai/gpt-4o-mini',
        }),
      ),
    );
    await ws.close();
    for (const [i, turn] of turns.entries()) {
      const stored = (await admin.get(`/api/chats/${turn.chatId}/messages`)).body.messages;
      expect(stored.map((message: { role: string }) => message.role)).toEqual(['user', 'assistant']);
      expect(stored[1]).toEqual(turn.done);
      expect(stored[1].content).toBe(expectedText(10 + i));
      expect(stored[1].metadata.usage.outputTokens).toBe(10 + i);
    }
  });

  it('logs a batch of text deltas as one row and replays any suffix of the turn exactly', async () => {
    const botId = (await admin.get('/api/bots')).body.bots[0].id;
    const ws = await WsClient.connect(server.wsUrl, admin.token as string);
    // A paced answer spans several batches (the test server persists every 50 ms).
    const turn = await sendAndWait(ws, { botId, message: 'Runs [[double tokens=60 delay=3]]' });
    await ws.close();
    const { db } = server.cachibot.database;
    const rows = await db
      .selectFrom('turn_events')
      .select(['seq', 'end_seq', 'type'])
      .where('turn_id', '=', turn.turnId)
      .orderBy('seq')
      .execute();
    // Rows cover seq 1..last without gaps or overlaps, far fewer rows than events.
    expect(rows[0]?.seq).toBe(1);
    rows.forEach((row, i) => {
      if (i > 0) expect(row.seq).toBe((rows[i - 1]?.end_seq ?? 0) + 1);
    });
    expect(rows.at(-1)?.end_seq).toBe(turn.events.length);
    expect(rows.length).toBeLessThan(turn.events.length / 2);
    expect(rows.some((row) => row.type === 'text_run' && row.end_seq > row.seq)).toBe(true);
    const repository = new TurnRepository(db);
    for (let afterSeq = 0; afterSeq <= turn.events.length; afterSeq++) {
      expect(await repository.loadEvents(turn.turnId, afterSeq)).toEqual(turn.events.slice(afterSeq));
    }
  });

  it("keeps each chat's totals: messages, tokens and cost of every answer, unpriced ones counted apart", async () => {
    const botId = (await admin.get('/api/bots')).body.bots[0].id;
    const ws = await WsClient.connect(server.wsUrl, admin.token as string);
    const first = await sendAndWait(ws, {
      botId,
      message: 'One [[double tokens=7]]',
      model: 'openai/gpt-4o-mini',
    });
    const started = ws.turnEvents(first.turnId).find((event) => event.type === 'turn_started');
    expect(started?.type === 'turn_started' && started.payload.chat.totals.messages).toBe(2);
    const { chatId } = first;
    const second = await sendAndWait(ws, {
      botId,
      chatId,
      message: 'Two [[double tokens=5]]',
      model: 'openai/gpt-4o-mini',
    });
    // A model the catalogue does not price: its tokens count, its cost is unknown.
    const third = await sendAndWait(ws, {
      botId,
      chatId,
      message: 'Three [[double tokens=3]]',
      model: 'openai/house-model-without-a-price',
    });
    await ws.close();
    expect(third.done.metadata.costUsd).toBeUndefined();
    const answers = [first.done, second.done, third.done];
    const chat = (await admin.get(`/api/chats/${chatId}`)).body;
    expect(chat.totals).toMatchObject({
      messages: 6,
      inputTokens: answers.reduce((sum, m) => sum + (m.metadata.usage?.inputTokens ?? 0), 0),
      outputTokens: 15,
      unpricedAnswers: 1,
    });
    const cost = (first.done.metadata.costUsd ?? 0) + (second.done.metadata.costUsd ?? 0);
    expect(cost).toBeGreaterThan(0);
    expect(chat.totals.costUsd).toBeCloseTo(cost, 9);
    // The list carries the same totals.
    const listed = (await admin.get(`/api/bots/${botId}/chats`)).body.chats.find(
      (c: { id: string }) => c.id === chatId,
    );
    expect(listed.totals).toEqual(chat.totals);
  });

  it('creates, reads, updates and deletes a bot', async () => {
    const created = await admin.post('/api/bots', {
      name: 'Coder',
      systemPrompt: 'You write TypeScript.',
      models: { default: 'openai/gpt-4o-mini' },
      fallbackModels: ['anthropic/claude-haiku-4-5'],
      settings: { temperature: 0.2, maxOutputTokens: 500 },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      name: 'Coder',
      systemPrompt: 'You write TypeScript.',
      models: { default: 'openai/gpt-4o-mini' },
      fallbackModels: ['anthropic/claude-haiku-4-5'],
      settings: { temperature: 0.2, maxOutputTokens: 500 },
    });
    const id = created.body.id;
    const patched = await admin.patch(`/api/bots/${id}`, { name: 'Coder 2', settings: { temperature: 1 } });
    expect(patched.body.name).toBe('Coder 2');
    expect(patched.body.settings).toEqual({ temperature: 1 });
    expect((await admin.get(`/api/bots/${id}`)).body.name).toBe('Coder 2');
    expect((await admin.delete(`/api/bots/${id}`)).status).toBe(204);
    expect((await admin.get(`/api/bots/${id}`)).status).toBe(404);
  });

  it('rejects invalid bots naming the field and stores nothing', async () => {
    const before = (await admin.get('/api/bots')).body.bots.length;
    const bad = await admin.post('/api/bots', { name: 'x', models: { default: 'gpt-4o' } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0].path).toBe('models.default');
    const unknownField = await admin.post('/api/bots', { name: 'x', capabilities: ['shell'] });
    expect(unknownField.status).toBe(400);
    expect(JSON.stringify(unknownField.body.error)).toContain('capabilities');
    expect((await admin.get('/api/bots')).body.bots.length).toBe(before);
  });

  it('manages chats: create, rename, pin, archive, list by latest activity, delete', async () => {
    const botId = (await admin.post('/api/bots', { name: 'Chats' })).body.id;
    const first = (await admin.post(`/api/bots/${botId}/chats`, { title: 'First' })).body;
    const second = (await admin.post(`/api/bots/${botId}/chats`, {})).body;
    expect(second.title).toBe('New chat');
    expect(second).toMatchObject({ pinned: false, archived: false, model: null, botId });
    let list = (await admin.get(`/api/bots/${botId}/chats`)).body.chats;
    expect(list.map((chat: { id: string }) => chat.id)).toEqual([second.id, first.id]);

    const renamed = await admin.patch(`/api/chats/${first.id}`, {
      title: 'Renamed',
      pinned: true,
      model: 'openai/gpt-4o',
    });
    expect(renamed.body).toMatchObject({ title: 'Renamed', pinned: true, model: 'openai/gpt-4o' });
    await admin.patch(`/api/chats/${second.id}`, { archived: true });
    list = (await admin.get(`/api/bots/${botId}/chats`)).body.chats;
    expect(list.map((chat: { id: string }) => chat.id)).toEqual([first.id]);
    const archived = (await admin.get(`/api/bots/${botId}/chats?archived=true`)).body.chats;
    expect(archived.map((chat: { id: string }) => chat.id)).toEqual([second.id]);

    expect((await admin.delete(`/api/chats/${second.id}`)).status).toBe(204);
    expect((await admin.get(`/api/chats/${second.id}`)).status).toBe(404);
    const messages = await admin.get(`/api/chats/${first.id}/messages`);
    expect(messages.body).toEqual({ messages: [], nextCursor: null });
  });

  it("hides another user's bots and chats and leaves them unchanged", async () => {
    const bot = (await admin.post('/api/bots', { name: 'Private' })).body;
    const chat = (await admin.post(`/api/bots/${bot.id}/chats`, { title: 'Secret' })).body;
    const attempts = [
      await bob.get(`/api/bots/${bot.id}`),
      await bob.patch(`/api/bots/${bot.id}`, { name: 'Pwned' }),
      await bob.delete(`/api/bots/${bot.id}`),
      await bob.get(`/api/bots/${bot.id}/chats`),
      await bob.post(`/api/bots/${bot.id}/chats`, {}),
      await bob.get(`/api/chats/${chat.id}`),
      await bob.patch(`/api/chats/${chat.id}`, { title: 'Pwned' }),
      await bob.get(`/api/chats/${chat.id}/messages`),
      await bob.delete(`/api/chats/${chat.id}`),
    ];
    for (const attempt of attempts) {
      expect(attempt.status).toBe(404);
      expect(JSON.stringify(attempt.body)).not.toContain('Secret');
    }
    expect((await admin.get(`/api/bots/${bot.id}`)).body.name).toBe('Private');
    expect((await admin.get(`/api/chats/${chat.id}`)).body.title).toBe('Secret');
  });

  it('validates message paging parameters', async () => {
    const botId = (await admin.get('/api/bots')).body.bots[0].id;
    const chat = (await admin.post(`/api/bots/${botId}/chats`, {})).body;
    const tooMany = await admin.get(`/api/chats/${chat.id}/messages?limit=500`);
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.error.details[0].path).toBe('limit');
  });
});
