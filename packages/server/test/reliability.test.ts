import { expectedText, type OpenAIDouble, startOpenAIDouble } from '@cachibot/testkit';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { type ApiClient, setupAdmin } from './support/api-client.ts';
import { scaled } from './support/deadlines.ts';
import { removeDir, startServer, type TestServer } from './support/server.ts';
import { clientMessageId, coveredSeqs, sendAndWait, startTurn, textOf } from './support/turns.ts';
import { WsClient } from './support/ws-client.ts';

let double: OpenAIDouble;
let server: TestServer;
let admin: ApiClient;
let botId: string;

const env = () => ({
  OPENAI_API_KEY: 'k',
  OPENAI_BASE_URL: double.url,
  CACHIBOT_DEFAULT_MODEL: 'openai/gpt-4o-mini',
  CACHIBOT_MAX_CONCURRENT_TURNS: '10',
});

beforeAll(async () => {
  double = await startOpenAIDouble();
  server = await startServer({ env: env() });
  admin = await setupAdmin(server.url);
  botId = (await admin.get('/api/bots')).body.bots[0].id;
});
beforeEach(() => double.reset());
afterAll(async () => {
  await server.stop();
  await double.close();
  removeDir(server.dataDir);
});

describe('connections', () => {
  it('drops a socket that stops answering pings, and keeps one that answers', async () => {
    // Its own server with a short heartbeat: in the shared one, a busy machine would drop healthy sockets.
    const intervalMs = 150;
    const timeoutMs = scaled(250);
    const beating = await startServer({
      env: {
        ...env(),
        CACHIBOT_HEARTBEAT_INTERVAL_MS: String(intervalMs),
        CACHIBOT_HEARTBEAT_TIMEOUT_MS: String(timeoutMs),
      },
    });
    try {
      const user = await setupAdmin(beating.url);
      const silent = new WebSocket(beating.wsUrl, {
        headers: { authorization: `Bearer ${user.token}` },
        autoPong: false,
      });
      const opened = new Promise<number>((resolve) => silent.once('open', () => resolve(Date.now())));
      const closed = new Promise<number>((resolve) => silent.once('close', () => resolve(Date.now())));
      const healthy = await WsClient.connect(beating.wsUrl, user.token as string);
      // Pinged within one interval, dropped one timeout later: far sooner than the default 30 s + 10 s.
      expect((await closed) - (await opened)).toBeLessThan(intervalMs + timeoutMs + scaled(700));
      expect(healthy.socket.readyState).toBe(WebSocket.OPEN);
      healthy.send('ping', { ts: 1 });
      expect((await healthy.waitFor('pong')).payload.ts).toBe(1);
      await healthy.close();
    } finally {
      await beating.stop();
      removeDir(beating.dataDir);
    }
  });

  it('lets two sockets of one user follow the same turn, each getting every event once', async () => {
    const first = await WsClient.connect(server.wsUrl, admin.token as string);
    const second = await WsClient.connect(server.wsUrl, admin.token as string);
    const { turnId, chatId } = await startTurn(first, {
      botId,
      message: 'Shared [[double tokens=30 delay=10]]',
    });
    second.send('resume', { chatId, afterSeq: 0 });
    const [a, b] = await Promise.all([
      first.waitFor('done', (event) => event.payload.turnId === turnId),
      second.waitFor('done', (event) => event.payload.turnId === turnId),
    ]);
    expect(a.payload.message).toEqual(b.payload.message);
    const seqs = (ws: WsClient) => ws.turnEvents(turnId).map((event) => event.payload.seq);
    const all = Array.from({ length: a.payload.seq }, (_, index) => index + 1);
    expect(seqs(first)).toEqual(all);
    expect(seqs(second)).toEqual(all);
    expect(textOf(second.turnEvents(turnId))).toBe(expectedText(30));
    await first.close();
    await second.close();
  });

  it('starts exactly one turn for concurrent duplicates of one clientMessageId', async () => {
    const sockets = await Promise.all(
      [1, 2, 3].map(() => WsClient.connect(server.wsUrl, admin.token as string)),
    );
    const id = clientMessageId();
    for (const ws of sockets)
      ws.send('chat', { clientMessageId: id, botId, message: 'Exactly once [[double tokens=5]]' });
    const dones = await Promise.all(sockets.map((ws) => ws.waitFor('done')));
    expect(new Set(dones.map((done) => done.payload.turnId)).size).toBe(1);
    expect(double.requests).toHaveLength(1);
    for (const ws of sockets) await ws.close();
  });
});

describe('resume after the turn left memory', () => {
  it('replays a finished turn from the database log after a restart', async () => {
    const ws = await WsClient.connect(server.wsUrl, admin.token as string);
    const turn = await sendAndWait(ws, { botId, message: 'Log me [[double tokens=12]]' });
    await ws.close();
    await server.stop();
    server = await startServer({ env: env(), dataDir: server.dataDir });
    Object.assign(admin, { baseUrl: server.url });
    const back = await WsClient.connect(server.wsUrl, admin.token as string);
    back.send('resume', { chatId: turn.chatId, afterSeq: 3 });
    const done = await back.waitFor('done', (event) => event.payload.turnId === turn.turnId);
    const replayed = back.turnEvents(turn.turnId);
    // Stored text runs replay as one delta each (fromSeq … seq): the same seqs, the same text.
    expect(coveredSeqs(replayed)).toEqual(coveredSeqs(turn.events.slice(3)));
    expect(textOf(replayed)).toBe(textOf(turn.events.slice(3)));
    expect(replayed.filter((event) => event.type !== 'text_delta')).toEqual(
      turn.events.slice(3).filter((event) => event.type !== 'text_delta'),
    );
    expect(done.payload.message).toEqual(turn.done);
    await back.close();
  });

  it('treats a resend after a restart as the same message: no second turn, the first one replayed', async () => {
    const ws = await WsClient.connect(server.wsUrl, admin.token as string);
    const id = clientMessageId();
    const turn = await sendAndWait(ws, {
      botId,
      message: 'Sent before the restart [[double tokens=4]]',
      clientMessageId: id,
    });
    await ws.close();
    await server.stop();
    server = await startServer({ env: env(), dataDir: server.dataDir });
    Object.assign(admin, { baseUrl: server.url });
    const requestsBefore = double.requests.length;
    const back = await WsClient.connect(server.wsUrl, admin.token as string);
    back.send('chat', { clientMessageId: id, botId, message: 'Sent before the restart [[double tokens=4]]' });
    const done = await back.waitFor('done', (event) => event.payload.turnId === turn.turnId);
    expect(done.payload.message).toEqual(turn.done);
    expect(double.requests.length).toBe(requestsBefore);
    await back.close();
  });

  it('sends a resync snapshot when the log can no longer fill the gap', async () => {
    const ws = await WsClient.connect(server.wsUrl, admin.token as string);
    const turn = await sendAndWait(ws, { botId, message: 'Forget my log [[double tokens=8]]' });
    await ws.close();
    await server.stop();
    server = await startServer({ env: env(), dataDir: server.dataDir });
    Object.assign(admin, { baseUrl: server.url });
    await server.cachibot.database.db.deleteFrom('turn_events').where('turn_id', '=', turn.turnId).execute();
    const back = await WsClient.connect(server.wsUrl, admin.token as string);
    back.send('resume', { chatId: turn.chatId, afterSeq: 2 });
    const resync = await back.waitFor('resync');
    expect(resync.payload.message).toEqual(turn.done);
    expect(back.turnEvents(turn.turnId)).toHaveLength(0);
    await back.close();
  });
});
