import { statSync } from 'node:fs';
import path from 'node:path';
import { type OpenAIDouble, startOpenAIDouble } from '@cachibot/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiClient, createUser, setupAdmin } from './support/api-client.ts';
import { removeDir, startServer, type TestServer } from './support/server.ts';
import { sendAndWait } from './support/turns.ts';
import { WsClient } from './support/ws-client.ts';

let double: OpenAIDouble;
let otherDouble: OpenAIDouble;
let server: TestServer;
let admin: ApiClient;

const BOT_KEY = 'sk-bot-own-key-1234WXYZ';

beforeAll(async () => {
  double = await startOpenAIDouble();
  otherDouble = await startOpenAIDouble();
  server = await startServer({
    env: {
      OPENAI_API_KEY: 'sk-global-key',
      OPENAI_BASE_URL: double.url,
      CACHIBOT_DEFAULT_MODEL: 'openai/gpt-4o-mini',
    },
  });
  admin = await setupAdmin(server.url);
});
afterAll(async () => {
  await server.stop();
  await double.close();
  await otherDouble.close();
  removeDir(server.dataDir);
});

describe('per-bot provider keys', () => {
  it("uses a bot's own key for its turns and the global key for other bots, never showing the key", async () => {
    const own = (await admin.post('/api/bots', { name: 'Own key' })).body;
    const plain = (await admin.post('/api/bots', { name: 'Global key' })).body;
    const put = await admin.request('PUT', `/api/bots/${own.id}/providers/openai`, { apiKey: BOT_KEY });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ provider: 'openai', apiKeySet: true, apiKeyLast4: 'WXYZ' });
    expect(JSON.stringify((await admin.get(`/api/bots/${own.id}/providers`)).body)).not.toContain(BOT_KEY);

    const ws = await WsClient.connect(server.wsUrl, admin.token as string);
    await sendAndWait(ws, { botId: own.id, message: 'with my key' });
    await sendAndWait(ws, { botId: plain.id, message: 'with the global key' });
    await ws.close();
    expect(double.requests.map((request) => request.headers.authorization)).toEqual([
      `Bearer ${BOT_KEY}`,
      'Bearer sk-global-key',
    ]);

    // Sealed at rest: the database holds no plaintext key; the key file is private to the owner.
    const rows = await server.cachibot.database.db.selectFrom('bot_provider_settings').selectAll().execute();
    expect(JSON.stringify(rows)).not.toContain(BOT_KEY);
    expect(statSync(path.join(server.dataDir, 'secret.key')).mode & 0o777).toBe(0o600);
  });

  it('keeps working after a restart with the key file from the data directory', async () => {
    const bot = (await admin.post('/api/bots', { name: 'Restart key' })).body;
    await admin.request('PUT', `/api/bots/${bot.id}/providers/openai`, {
      apiKey: 'sk-survives-restart-9999',
    });
    await server.stop();
    server = await startServer({
      dataDir: server.dataDir,
      env: {
        OPENAI_API_KEY: 'sk-global-key',
        OPENAI_BASE_URL: double.url,
        CACHIBOT_DEFAULT_MODEL: 'openai/gpt-4o-mini',
      },
    });
    Object.assign(admin, { baseUrl: server.url });
    double.reset();
    const ws = await WsClient.connect(server.wsUrl, admin.token as string);
    await sendAndWait(ws, { botId: bot.id, message: 'after restart' });
    await ws.close();
    expect(double.requests[0]?.headers.authorization).toBe('Bearer sk-survives-restart-9999');
  });

  it('lets an admin point a bot at another base URL, but not a regular user', async () => {
    const bot = (await admin.post('/api/bots', { name: 'Elsewhere' })).body;
    const put = await admin.request('PUT', `/api/bots/${bot.id}/providers/openai`, {
      baseURL: otherDouble.url,
    });
    expect(put.body).toMatchObject({ apiKeySet: false, baseURL: otherDouble.url });
    const ws = await WsClient.connect(server.wsUrl, admin.token as string);
    await sendAndWait(ws, { botId: bot.id, message: 'to the other server' });
    await ws.close();
    expect(otherDouble.requests).toHaveLength(1);
    expect(otherDouble.requests[0]?.headers.authorization).toBe('Bearer sk-global-key');

    const carol = await createUser(admin, 'carol');
    const carolBot = (await carol.get('/api/bots')).body.bots[0].id;
    const refused = await carol.request('PUT', `/api/bots/${carolBot}/providers/openai`, {
      baseURL: 'http://127.0.0.1:1/v1',
    });
    expect(refused.status).toBe(403);
    const foreign = await carol.request('PUT', `/api/bots/${bot.id}/providers/openai`, {
      apiKey: 'sk-not-yours-0000',
    });
    expect(foreign.status).toBe(404);
    expect((await carol.get(`/api/bots/${bot.id}/providers`)).status).toBe(404);
    expect((await carol.delete(`/api/bots/${bot.id}/providers/openai`)).status).toBe(404);
  });

  it('validates the provider and the body, and removes a setting', async () => {
    const bot = (await admin.post('/api/bots', { name: 'Validate' })).body;
    const unknown = await admin.request('PUT', `/api/bots/${bot.id}/providers/nosuch`, {
      apiKey: 'sk-123456789',
    });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.details[0].path).toBe('provider');
    const empty = await admin.request('PUT', `/api/bots/${bot.id}/providers/openai`, {});
    expect(empty.status).toBe(400);
    const badUrl = await admin.request('PUT', `/api/bots/${bot.id}/providers/openai`, {
      baseURL: 'file:///etc/passwd',
    });
    expect(badUrl.status).toBe(400);
    await admin.request('PUT', `/api/bots/${bot.id}/providers/anthropic`, { apiKey: 'sk-ant-123456789' });
    expect((await admin.delete(`/api/bots/${bot.id}/providers/anthropic`)).status).toBe(204);
    expect((await admin.get(`/api/bots/${bot.id}/providers`)).body.providers).toEqual([]);
  });
});
