import { type OpenAIDouble, startOpenAIDouble } from '@cachibot/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, setupAdmin } from './support/api-client.ts';
import { scaled } from './support/deadlines.ts';
import { removeDir, startServer, type TestServer } from './support/server.ts';
import { startTurn } from './support/turns.ts';
import { WsClient } from './support/ws-client.ts';

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
      CACHIBOT_MAX_CONCURRENT_TURNS: '2',
      CACHIBOT_TURNS_PER_MINUTE: '4',
      CACHIBOT_MAX_SOCKETS: '3',
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

const login = async () => {
  const client = new ApiClient(server.url);
  client.token = (
    await client.post('/api/auth/login', { username: 'admin', password: 'correct horse battery' })
  ).body.accessToken;
  return client;
};
const closed = (ws: WsClient) =>
  new Promise<number>((resolve) => {
    if (ws.socket.readyState === ws.socket.CLOSED) resolve(-1);
    ws.socket.once('close', (code) => resolve(code));
  });

describe('sessions end everywhere', () => {
  it('closes the sockets of a session on logout (1008), within a second', async () => {
    const session = await login();
    const ws = await WsClient.connect(server.wsUrl, session.token as string);
    const started = Date.now();
    const code = closed(ws);
    expect((await session.post('/api/auth/logout')).status).toBe(204);
    expect(await code).toBe(1008);
    expect(Date.now() - started).toBeLessThan(scaled(1000));
  });

  it('ends other sessions and their sockets on a password change, keeping the current one', async () => {
    const current = await login();
    const other = await login();
    const otherWs = await WsClient.connect(server.wsUrl, other.token as string);
    const currentWs = await WsClient.connect(server.wsUrl, current.token as string);
    const code = closed(otherWs);
    const wrong = await current.post('/api/auth/password', {
      currentPassword: 'nope',
      newPassword: 'a brand new password',
    });
    expect(wrong.status).toBe(401);
    const changed = await current.post('/api/auth/password', {
      currentPassword: 'correct horse battery',
      newPassword: 'a brand new password',
    });
    expect(changed.status).toBe(204);
    expect(await code).toBe(1008);
    expect((await other.get('/api/bots')).status).toBe(401);
    expect((await current.get('/api/bots')).status).toBe(200);
    currentWs.send('ping', { ts: 7 });
    expect((await currentWs.waitFor('pong')).payload.ts).toBe(7);
    await current.post('/api/auth/password', {
      currentPassword: 'a brand new password',
      newPassword: 'correct horse battery',
    });
    await currentWs.close();
  });
});

describe('limits', () => {
  it('refuses more concurrent answers than allowed, and more turns per minute', async () => {
    const session = await login();
    const ws = await WsClient.connect(server.wsUrl, session.token as string);
    const slow = '[[double tokens=30 delay=20]]';
    await startTurn(ws, { botId, message: `one ${slow}` });
    await startTurn(ws, { botId, message: `two ${slow}` });
    await expect(startTurn(ws, { botId, message: `three ${slow}` })).rejects.toMatchObject({
      code: 'rate_limited',
    });
    for (const done of ws.events.filter((event) => event.type === 'turn_started')) {
      await ws.waitFor(
        'done',
        (event) => event.payload.turnId === (done.payload as { turnId: string }).turnId,
      );
    }
    await startTurn(ws, { botId, message: 'four' });
    await startTurn(ws, { botId, message: 'five' });
    await expect(startTurn(ws, { botId, message: 'six' })).rejects.toMatchObject({ code: 'rate_limited' });
    await ws.close();
  });

  it('refuses a socket beyond the per-user maximum with 429', async () => {
    const session = await login();
    const open = [];
    for (let i = 0; i < 3; i++) open.push(await WsClient.connect(server.wsUrl, session.token as string));
    await expect(WsClient.connect(server.wsUrl, session.token as string)).rejects.toThrow('429');
    for (const ws of open) await ws.close();
  });

  it('answers frames beyond the budget with rate_limited and closes a flooder', async () => {
    const session = await login();
    const ws = await WsClient.connect(server.wsUrl, session.token as string);
    const code = closed(ws);
    for (let i = 0; i < 400; i++) ws.send('cancel', { turnId: `t${i}` });
    expect(await code).toBe(1008);
    // Frames past the budget were refused (not_found answers to the first ones may be cut by the close).
    const codes = new Set(ws.events.map((event) => (event.payload as { code?: string }).code));
    expect(codes.has('rate_limited')).toBe(true);
    expect((await fetch(`${server.url}/api/health`)).status).toBe(200);
  });
});
