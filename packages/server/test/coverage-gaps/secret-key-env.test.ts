import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { type OpenAIDouble, startOpenAIDouble } from '@cachibot/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiClient, setupAdmin } from '../support/api-client.ts';
import { removeDir, startServer, type TestServer, tempDataDir } from '../support/server.ts';
import { clientMessageId, sendAndWait } from '../support/turns.ts';
import { WsClient } from '../support/ws-client.ts';

const KEY = randomBytes(32);
const OTHER_KEY = randomBytes(32);
const BOT_KEY = 'sk-sealed-with-env-key-7777';

let double: OpenAIDouble;
let server: TestServer | undefined;
let admin: ApiClient;
let botId: string;
let plainBotId: string;
const dataDir = tempDataDir();
/** The error frame of the refused turn in the wrong-key test. */
let lastRefusal: { code: string; message: string } | undefined;

const start = async (secretKey: string) => {
  server = await startServer({
    dataDir,
    env: {
      OPENAI_API_KEY: 'sk-global-key',
      OPENAI_BASE_URL: double.url,
      CACHIBOT_DEFAULT_MODEL: 'openai/gpt-4o-mini',
      CACHIBOT_SECRET_KEY: secretKey,
    },
  });
  Object.assign(admin ?? {}, { baseUrl: server.url });
  return server;
};
const restart = async (secretKey: string) => {
  await server?.stop();
  server = undefined;
  return start(secretKey);
};
const withSocket = async <T>(use: (ws: WsClient) => Promise<T>): Promise<T> => {
  const ws = await WsClient.connect((server as TestServer).wsUrl, admin.token as string);
  try {
    return await use(ws);
  } finally {
    await ws.close();
  }
};
const keyFileExists = () => existsSync(path.join(dataDir, 'secret.key'));

beforeAll(async () => {
  double = await startOpenAIDouble();
  await start(KEY.toString('base64'));
  admin = await setupAdmin((server as TestServer).url);
  botId = (await admin.post('/api/bots', { name: 'Own key' })).body.id;
  plainBotId = (await admin.post('/api/bots', { name: 'Global key' })).body.id;
  const put = await admin.request('PUT', `/api/bots/${botId}/providers/openai`, { apiKey: BOT_KEY });
  expect(put.status).toBe(200);
});
afterAll(async () => {
  await server?.stop();
  await double.close();
  removeDir(dataDir);
});

describe('CACHIBOT_SECRET_KEY', () => {
  it('seals per-bot keys with the configured key and creates no key file in the data directory', async () => {
    double.reset();
    const turn = await withSocket((ws) => sendAndWait(ws, { botId, message: 'with the env key' }));
    expect(turn.done.status).toBe('complete');
    expect(double.requests[0]?.headers.authorization).toBe(`Bearer ${BOT_KEY}`);
    expect(keyFileExists()).toBe(false);
    expect(readdirSync(dataDir).filter((file) => /key/i.test(file))).toEqual([]);
    const rows = await (server as TestServer).cachibot.database.db
      .selectFrom('bot_provider_settings')
      .selectAll()
      .execute();
    expect(rows).toHaveLength(1);
    expect(rows[0]?.api_key_sealed).toMatch(/^v1:/);
    expect(JSON.stringify(rows)).not.toContain(BOT_KEY);
  });

  it('opens the sealed key after a restart with the same key (given in hex this time)', async () => {
    await restart(KEY.toString('hex'));
    double.reset();
    const turn = await withSocket((ws) => sendAndWait(ws, { botId, message: 'after a restart' }));
    expect(turn.done.status).toBe('complete');
    expect(double.requests.map((request) => request.headers.authorization)).toEqual([`Bearer ${BOT_KEY}`]);
    expect(keyFileExists()).toBe(false);
  });

  it('refuses, without crashing and without calling the provider, a bot whose key was sealed with another key', async () => {
    await restart(OTHER_KEY.toString('base64'));
    double.reset();
    const id = clientMessageId();
    const refusal = await withSocket(async (ws) => {
      ws.send('chat', { clientMessageId: id, botId, message: 'sealed with the old key' });
      const error = await ws.waitFor(
        'error',
        (event) => (event.payload as { clientMessageId?: string }).clientMessageId === id,
      );
      // The socket stays usable: another bot of the same user still answers with the global key.
      const other = await sendAndWait(ws, { botId: plainBotId, message: 'a bot without its own key' });
      return { error: error.payload, other };
    });
    expect(refusal.other.done.status).toBe('complete');
    expect(double.requests.map((request) => request.headers.authorization)).toEqual(['Bearer sk-global-key']);
    expect((await fetch(`${(server as TestServer).url}/api/health`)).status).toBe(200);
    expect(keyFileExists()).toBe(false);
    // Nothing was stored for the refused message: no orphan user message, no new chat.
    const chats = (await admin.get(`/api/bots/${botId}/chats`)).body.chats as { id: string }[];
    for (const chat of chats) {
      const messages = (await admin.get(`/api/chats/${chat.id}/messages`)).body.messages;
      expect(messages.map((message: { content: string }) => message.content)).not.toContain(
        'sealed with the old key',
      );
    }
    lastRefusal = refusal.error;
  });

  it("names the bot's unreadable saved key as the reason, not a bare internal error", () => {
    // A clear failure: the user (and the admin they ask) learns that the bot's saved provider key no
    // longer opens with the current CACHIBOT_SECRET_KEY and must be saved again.
    expect(lastRefusal?.code).not.toBe('internal');
    expect(lastRefusal?.message).toMatch(/key/i);
  });

  it('works again once the bot key is saved anew under the current key', async () => {
    const put = await admin.request('PUT', `/api/bots/${botId}/providers/openai`, {
      apiKey: 'sk-resealed-key-8888',
    });
    expect(put.status).toBe(200);
    double.reset();
    const turn = await withSocket((ws) => sendAndWait(ws, { botId, message: 'resealed' }));
    expect(turn.done.status).toBe('complete');
    expect(double.requests[0]?.headers.authorization).toBe('Bearer sk-resealed-key-8888');
  });

  it('refuses to start with a key that is not 32 bytes, naming the variable', async () => {
    await server?.stop();
    server = undefined;
    await expect(start(randomBytes(16).toString('base64'))).rejects.toThrow(/CACHIBOT_SECRET_KEY/);
    expect(keyFileExists()).toBe(false);
  });
});
