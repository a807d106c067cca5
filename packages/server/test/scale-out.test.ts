import type { ServerEvent } from '@cachibot/protocol';
import { expectedText, type OpenAIDouble, startOpenAIDouble } from '@cachibot/testkit';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type ApiClient, setupAdmin } from './support/api-client.ts';
import { scaled, waitUntil } from './support/deadlines.ts';
import { ServerProcesses, sharedStorage } from './support/faults.ts';
import { createPgSchema, removeDir, startServer, type TestServer } from './support/server.ts';
import { clientMessageId, startTurn } from './support/turns.ts';
import { WsClient } from './support/ws-client.ts';

/**
 * Issue 17: two instances on one PostgreSQL database and one Redis behave as one — a socket on either
 * follows, resumes and cancels a turn running on the other, a resend starts one turn, and a turn whose
 * instance is gone is closed by the survivor, its followers hearing the end through Redis.
 */

const REDIS_URL = 'redis://127.0.0.1:6379';

/**
 * Follows a turn the way the web app does: events apply in seq order exactly once (a replayed delta
 * covers fromSeq … seq); on a gap it asks for a resume from the last applied seq. Resolves with the
 * text applied and the `done`.
 */
async function followToDone(ws: WsClient, chatId: string, turnId: string, timeoutMs = scaled(20_000)) {
  let lastSeq = 0;
  let askedAt = -1;
  let read = 0;
  let text = '';
  let done: Extract<ServerEvent, { type: 'done' }> | undefined;
  const apply = () => {
    for (; read < ws.events.length; read++) {
      const event = ws.events[read] as ServerEvent;
      if (event.type === 'resync' || !('seq' in event.payload)) continue;
      const payload = event.payload as { turnId: string; seq: number; fromSeq?: number; delta?: string };
      if (payload.turnId !== turnId || payload.seq <= lastSeq) continue;
      if ((payload.fromSeq ?? payload.seq) !== lastSeq + 1) {
        if (askedAt !== lastSeq) ws.send('resume', { chatId, turnId, afterSeq: lastSeq });
        askedAt = lastSeq;
        continue;
      }
      lastSeq = payload.seq;
      if (event.type === 'text_delta') text += payload.delta;
      if (event.type === 'done') done = event;
    }
    return done !== undefined;
  };
  await waitUntil(apply, 'the turn applied to its done', timeoutMs);
  return { text, done: done as Extract<ServerEvent, { type: 'done' }> };
}

describe('two instances on PostgreSQL + Redis', () => {
  let double: OpenAIDouble;
  let schema: Awaited<ReturnType<typeof createPgSchema>>;
  let a: TestServer;
  let b: TestServer;
  let admin: ApiClient;
  let botId: string;

  beforeAll(async () => {
    double = await startOpenAIDouble();
    schema = await createPgSchema();
    const env = {
      OPENAI_API_KEY: 'k',
      OPENAI_BASE_URL: double.url,
      CACHIBOT_DEFAULT_MODEL: 'openai/gpt-4o-mini',
      REDIS_URL,
      CACHIBOT_TURN_LEASE_MS: '1000',
    };
    a = await startServer({ pgSchema: schema.schema, env });
    b = await startServer({ pgSchema: schema.schema, env });
    admin = await setupAdmin(a.url);
    botId = (await admin.get('/api/bots')).body.bots[0].id;
  });
  beforeEach(() => double.reset());
  afterAll(async () => {
    await a.stop();
    await b.stop();
    await double.close();
    await schema.drop();
    removeDir(a.dataDir);
    removeDir(b.dataDir);
  });

  it('answers readiness with Redis among its checks', async () => {
    const ready = await fetch(`${b.url}/api/health/ready`);
    expect(await ready.json()).toEqual({
      status: 'ready',
      checks: { database: 'ok', redis: 'ok', turns: 'ok' },
    });
  });

  it('lets a socket on the other instance follow a running turn live, gap-free, to the exact text', async () => {
    const onA = await WsClient.connect(a.wsUrl, admin.token as string);
    const onB = await WsClient.connect(b.wsUrl, admin.token as string);
    const { turnId, chatId } = await startTurn(onA, {
      botId,
      message: 'cross [[double tokens=60 delay=15]]',
    });
    await onA.waitFor('text_delta', (event) => event.payload.turnId === turnId && event.payload.seq >= 5);
    onB.send('resume', { chatId, turnId, afterSeq: 0 });
    const { text, done } = await followToDone(onB, chatId, turnId);
    expect(text).toBe(expectedText(60));
    expect(done.payload.message.content).toBe(expectedText(60));
    // Live, not only a replay after the end: deltas reached B before the turn's done.
    const doneIndex = onB.events.findIndex((event) => event.type === 'done');
    expect(
      onB.events.slice(0, doneIndex).filter((event) => event.type === 'text_delta').length,
    ).toBeGreaterThan(0);
    await onA.close();
    await onB.close();
  });

  it('cancels a turn running on the other instance', async () => {
    const onA = await WsClient.connect(a.wsUrl, admin.token as string);
    const onB = await WsClient.connect(b.wsUrl, admin.token as string);
    const { turnId, chatId } = await startTurn(onA, {
      botId,
      message: 'stop me [[double tokens=200 delay=20]]',
    });
    await onA.waitFor('text_delta', (event) => event.payload.turnId === turnId);
    onB.send('resume', { chatId, turnId, afterSeq: 0 });
    onB.send('cancel', { turnId });
    const done = await onA.waitFor('done', (event) => event.payload.turnId === turnId, scaled(10_000));
    expect(done.payload.message.status).toBe('cancelled');
    const seenOnB = await onB.waitFor('done', (event) => event.payload.turnId === turnId, scaled(10_000));
    expect(seenOnB.payload.message.status).toBe('cancelled');
    await onA.close();
    await onB.close();
  });

  it('starts one turn for one clientMessageId sent to both instances at once', async () => {
    const onA = await WsClient.connect(a.wsUrl, admin.token as string);
    const onB = await WsClient.connect(b.wsUrl, admin.token as string);
    const id = clientMessageId();
    const message = 'once across instances [[double tokens=3]]';
    onA.send('chat', { clientMessageId: id, botId, message });
    onB.send('chat', { clientMessageId: id, botId, message });
    const [fromA, fromB] = await Promise.all([
      onA.waitFor('done', () => true, scaled(10_000)),
      onB.waitFor('done', () => true, scaled(10_000)),
    ]);
    expect(fromA.payload.turnId).toBe(fromB.payload.turnId);
    expect(double.requests).toHaveLength(1);
    await onA.close();
    await onB.close();
  });

  it(
    'closes the turns of an instance killed with -9, and a follower on the survivor gets their done',
    async () => {
      const storage = await sharedStorage('postgres');
      const processes = new ServerProcesses();
      try {
        const env = {
          OPENAI_API_KEY: 'k',
          OPENAI_BASE_URL: double.url,
          CACHIBOT_DEFAULT_MODEL: 'openai/gpt-4o-mini',
          REDIS_URL,
          CACHIBOT_TURN_LEASE_MS: '1000',
        };
        const first = await processes.start(storage, env);
        const second = await processes.start(storage, env);
        const owner = await setupAdmin(first.url);
        const bot = (await owner.get('/api/bots')).body.bots[0].id;
        const onFirst = await WsClient.connect(first.wsUrl, owner.token as string);
        const { turnId, chatId } = await startTurn(onFirst, {
          botId: bot,
          message: 'orphan [[double tokens=400 delay=20]]',
        });
        const onSecond = await WsClient.connect(second.wsUrl, owner.token as string);
        onSecond.send('resume', { chatId, turnId, afterSeq: 0 });
        await onSecond.waitFor('text_delta', (event) => event.payload.turnId === turnId, scaled(10_000));
        await processes.killHard(first);
        const killedAt = Date.now();
        // The end reuses seqs the follower may have seen live from the dead instance: it comes as `done`,
        // or as the stored message in a `resync` when those seqs were taken.
        const endOf = () =>
          onSecond.events.find(
            (event) => (event.type === 'done' || event.type === 'resync') && event.payload.turnId === turnId,
          ) as Extract<ServerEvent, { type: 'done' | 'resync' }> | undefined;
        await waitUntil(() => endOf() !== undefined, "the end of the dead instance's turn", scaled(30_000));
        const ended = endOf() as Extract<ServerEvent, { type: 'done' | 'resync' }>;
        const closedAfterMs = Date.now() - killedAt;
        expect(closedAfterMs).toBeLessThan(30_000);
        expect(ended.payload.message.status).toBe('error');
        expect(ended.payload.message.metadata.error?.code).toBe('interrupted');
        const [row] = await storage.query<{ status: string }>('select status from turns where id = ?', [
          turnId,
        ]);
        expect(row?.status).toBe('error');
        await onSecond.close();
      } finally {
        await processes.killAll();
        await storage.cleanup();
      }
    },
    scaled(90_000),
  );
});
