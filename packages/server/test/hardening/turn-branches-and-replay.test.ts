import { expectedText, type OpenAIDouble, startOpenAIDouble } from '@cachibot/testkit';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type ApiClient, setupAdmin } from '../support/api-client.ts';
import { waitUntil } from '../support/deadlines.ts';
import { removeDir, startServer, type TestServer } from '../support/server.ts';
import { clientMessageId, coveredSeqs, sendAndWait, textOf } from '../support/turns.ts';
import { WsClient } from '../support/ws-client.ts';

/** What the provider was sent, as plain `role: text` lines (the system prompt left out). */
const conversation = (messages: unknown[]) =>
  (messages as { role: string; content: string }[])
    .filter((message) => message.role !== 'system')
    .map((message) => `${message.role}: ${message.content}`);

describe.each(['sqlite', 'postgres'] as const)(
  'the history follows the branch (issue 11 point 9) on %s',
  (engine) => {
    let double: OpenAIDouble;
    let server: TestServer;
    let admin: ApiClient;
    let ws: WsClient;
    let botId: string;

    beforeAll(async () => {
      double = await startOpenAIDouble();
      server = await startServer({
        engine,
        env: {
          OPENAI_API_KEY: 'k',
          OPENAI_BASE_URL: double.url,
          CACHIBOT_DEFAULT_MODEL: 'openai/gpt-4o-mini',
        },
      });
      admin = await setupAdmin(server.url);
      botId = (await admin.post('/api/bots', { name: 'Brancher', models: { default: 'openai/gpt-4o-mini' } }))
        .body.id;
      ws = await WsClient.connect(server.wsUrl, admin.token as string);
    });
    beforeEach(() => {
      double.reset();
      double.configureModel('gpt-4o-mini', { text: 'branch one' });
      double.configureModel('gpt-4o', { text: 'branch two' });
    });
    afterAll(async () => {
      await ws.close();
      await server.stop();
      await double.close();
      removeDir(server.dataDir);
    });

    async function regenerate(messageId: string, model: string) {
      const id = clientMessageId();
      ws.send('regenerate', { clientMessageId: id, messageId, model });
      const started = await ws.waitFor('turn_started', (event) => event.payload.clientMessageId === id);
      return (await ws.waitFor('done', (event) => event.payload.turnId === started.payload.turnId)).payload
        .message;
    }

    it('answers from the sibling the user replies to, never from the other branch', async () => {
      const first = await sendAndWait(ws, { botId, message: 'question one' });
      const sibling = await regenerate(first.done.id, 'openai/gpt-4o');
      expect([first.done.content, sibling.content]).toEqual(['branch one', 'branch two']);

      // The user looks at the first answer and replies to it.
      double.reset();
      double.configureModel('gpt-4o-mini', { text: 'reply' });
      const reply = await sendAndWait(ws, {
        botId,
        chatId: first.chatId,
        message: 'question two',
        replyToId: first.done.id,
      });
      expect(reply.done.parentId).not.toBeNull();
      expect(conversation(double.requests[0]?.messages ?? [])).toEqual([
        'user: question one',
        'assistant: branch one',
        'user: question two',
      ]);
    });

    it('continues from the newest answer of the chat when no replyToId is given', async () => {
      const first = await sendAndWait(ws, { botId, message: 'question A' });
      await regenerate(first.done.id, 'openai/gpt-4o'); // the chat now shows the regenerated answer
      double.reset();
      double.configureModel('gpt-4o-mini', { text: 'next' });
      await sendAndWait(ws, { botId, chatId: first.chatId, message: 'question B' });
      expect(conversation(double.requests[0]?.messages ?? [])).toEqual([
        'user: question A',
        'assistant: branch two',
        'user: question B',
      ]);
      // The stored tree says the same: question B hangs under the regenerated answer.
      const page = await admin.get(`/api/chats/${first.chatId}/messages`);
      const messages = page.body.messages as {
        id: string;
        role: string;
        content: string;
        parentId: string | null;
      }[];
      const questionB = messages.find((message) => message.content === 'question B');
      const parent = messages.find((message) => message.id === questionB?.parentId);
      expect(parent?.content).toBe('branch two');
    });

    it('a regenerated answer sees the conversation up to its question only', async () => {
      const one = await sendAndWait(ws, { botId, message: 'first' });
      await sendAndWait(ws, { botId, chatId: one.chatId, message: 'second' });
      double.reset();
      double.configureModel('gpt-4o', { text: 'again' });
      await regenerate(one.done.id, 'openai/gpt-4o');
      expect(conversation(double.requests[0]?.messages ?? [])).toEqual(['user: first']);
    });
  },
);

describe('long answers replay (issue 11 point 7)', () => {
  let double: OpenAIDouble;
  let server: TestServer;
  let admin: ApiClient;
  let botId: string;

  beforeAll(async () => {
    double = await startOpenAIDouble();
    server = await startServer({
      env: {
        OPENAI_API_KEY: 'k',
        OPENAI_BASE_URL: double.url,
        CACHIBOT_DEFAULT_MODEL: 'openai/gpt-4o-mini',
        CACHIBOT_WS_RESUMES_PER_SECOND: '2',
        CACHIBOT_WS_UPGRADES_PER_SECOND: '2',
      },
    });
    admin = await setupAdmin(server.url);
    botId = (await admin.get('/api/bots')).body.bots[0].id;
  });
  afterAll(async () => {
    await server.stop();
    await double.close();
    removeDir(server.dataDir);
  });

  it('replays a 45 000-token answer from seq 0 in a few frames, to done, without closing the socket', async () => {
    const ws = await WsClient.connect(server.wsUrl, admin.token as string);
    const turn = await sendAndWait(ws, { botId, message: 'Long one [[double tokens=45000]]' }, 60_000);
    expect(turn.done.content).toBe(expectedText(45_000));
    await ws.close();

    // From the database log (once the turn has left memory), to ten readers at once.
    await waitUntil(
      () => !server.cachibot.engine.lifecycle.live.get(turn.turnId),
      'the turn to leave memory',
    );
    const readers = await Promise.all(
      Array.from({ length: 10 }, () => WsClient.connect(server.wsUrl, admin.token as string)),
    );
    for (const reader of readers)
      reader.send('resume', { chatId: turn.chatId, turnId: turn.turnId, afterSeq: 0 });
    const dones = await Promise.all(
      readers.map((reader) =>
        reader.waitFor('done', (event) => event.payload.turnId === turn.turnId, 60_000),
      ),
    );
    for (const [index, reader] of readers.entries()) {
      const events = reader.turnEvents(turn.turnId);
      expect(coveredSeqs(events)).toEqual(
        Array.from({ length: dones[index]?.payload.seq ?? 0 }, (_, i) => i + 1),
      );
      expect(textOf(events)).toBe(expectedText(45_000));
      // Joined deltas: a few dozen frames, not 45 000.
      expect(events.length).toBeLessThan(200);
      expect(reader.socket.readyState).toBe(reader.socket.OPEN);
    }
    await Promise.all(readers.map((reader) => reader.close()));
  }, 120_000);

  it('prunes the event logs of turns finished before the retention window; a resume then gets resync', async () => {
    const ws = await WsClient.connect(server.wsUrl, admin.token as string);
    const old = await sendAndWait(ws, { botId, message: 'Old news [[double tokens=4]]' });
    const recent = await sendAndWait(ws, { botId, message: 'Fresh news [[double tokens=4]]' });
    await waitUntil(() => !server.cachibot.engine.lifecycle.live.get(old.turnId), 'the turn to leave memory');
    const { db } = server.cachibot.database;
    const eightDaysAgo = new Date(Date.now() - 8 * 86_400_000).toISOString();
    await db.updateTable('turns').set({ updated_at: eightDaysAgo }).where('id', '=', old.turnId).execute();
    expect(await server.cachibot.engine.lifecycle.pruneEvents()).toBeGreaterThan(0);
    const left = async (turnId: string) =>
      (await db.selectFrom('turn_events').select('seq').where('turn_id', '=', turnId).execute()).length;
    expect(await left(old.turnId)).toBe(0);
    expect(await left(recent.turnId)).toBeGreaterThan(0);

    ws.send('resume', { chatId: old.chatId, turnId: old.turnId, afterSeq: 0 });
    const resync = await ws.waitFor('resync', (event) => event.payload.turnId === old.turnId);
    expect(resync.payload.message).toMatchObject({
      id: old.done.id,
      content: old.done.content,
      status: 'complete',
    });
    await ws.close();
  });

  it('rate-limits resumes per user across sockets', async () => {
    const ws = await WsClient.connect(server.wsUrl, admin.token as string);
    const turn = await sendAndWait(ws, { botId, message: 'Short [[double tokens=3]]' });
    for (let i = 0; i < 30; i++) ws.send('resume', { chatId: turn.chatId, turnId: turn.turnId, afterSeq: 0 });
    const refused = await ws.waitFor('error', (event) => event.payload.code === 'rate_limited');
    expect(refused.payload.message).toMatch(/resumes/);
    await ws.close();
  });

  it('rate-limits socket upgrades per user with 429', async () => {
    const statuses: string[] = [];
    const sockets: WsClient[] = [];
    for (let i = 0; i < 20; i++) {
      try {
        const socket = await WsClient.connect(server.wsUrl, admin.token as string);
        sockets.push(socket);
        statuses.push('open');
        await socket.close();
      } catch (error) {
        statuses.push((error as Error).message);
      }
    }
    expect(statuses).toContain('upgrade refused: 429');
  });
});
