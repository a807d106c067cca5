import net from 'node:net';
import { type OpenAIDouble, startOpenAIDouble } from '@cachibot/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, setupAdmin } from '../support/api-client.ts';
import { type ServerProcess, spawnServer } from '../support/process.ts';
import { removeDir, tempDataDir } from '../support/server.ts';
import { sendAndWait } from '../support/turns.ts';
import { WsClient } from '../support/ws-client.ts';

// Every secret the server handles in this run, each with a marker that cannot occur by chance.
const GLOBAL_KEY = 'sk-global-LEAKMARK-aaaa1111';
const ANTHROPIC_KEY = 'sk-ant-LEAKMARK-bbbb2222';
const BOT_KEY = 'sk-bot-LEAKMARK-cccc3333';
const BOGUS_TOKEN = 'bogus-token-LEAKMARK-dddd4444';
const WRONG_PASSWORD = 'wrong-password-LEAKMARK';
const PASSWORD = 'correct horse battery'; // setupAdmin's

let double: OpenAIDouble;
let closedPort: number;
let server: ServerProcess | undefined;
const dataDir = tempDataDir();

beforeAll(async () => {
  double = await startOpenAIDouble();
  // A port nothing listens on: the provider call fails to connect.
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  closedPort = (probe.address() as net.AddressInfo).port;
  await new Promise((resolve) => probe.close(resolve));
});
afterAll(async () => {
  if (server && server.child.exitCode === null) server.child.kill('SIGKILL');
  await double.close();
  removeDir(dataDir);
});

describe('server logs (OPS-04, SEC-04)', () => {
  it('never contain provider keys, session tokens, cookies or passwords, even at trace level with failing providers', async () => {
    server = await spawnServer(dataDir, {
      LOG_LEVEL: 'trace',
      OPENAI_API_KEY: GLOBAL_KEY,
      OPENAI_BASE_URL: double.url,
      ANTHROPIC_API_KEY: ANTHROPIC_KEY,
      ANTHROPIC_BASE_URL: `http://127.0.0.1:${closedPort}/v1`,
      CACHIBOT_DEFAULT_MODEL: 'openai/gpt-4o-mini',
    });
    const admin = await setupAdmin(server.url);
    const token = admin.token as string;

    // Browser-style login: the session cookie, then a request that carries it.
    const browser = new ApiClient(server.url);
    const login = await browser.post('/api/auth/login', { username: 'admin', password: PASSWORD });
    expect(login.status).toBe(200);
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] as string;
    const cookieValue = cookie.slice(cookie.indexOf('=') + 1);
    expect(cookieValue.length).toBeGreaterThan(10);
    const viaCookie = await browser.request('GET', '/api/bots', undefined, { cookie });
    expect(viaCookie.status).toBe(200);
    // A failed login, a bogus bearer token and a stray x-api-key header.
    const failedLogin = await browser.post('/api/auth/login', {
      username: 'admin',
      password: WRONG_PASSWORD,
    });
    expect(failedLogin.status).toBe(401);
    const bogus = await browser.request('GET', '/api/bots', undefined, {
      authorization: `Bearer ${BOGUS_TOKEN}`,
      'x-api-key': ANTHROPIC_KEY,
    });
    expect(bogus.status).toBe(401);

    const bot = (await admin.post('/api/bots', { name: 'Own key', models: { default: 'openai/gpt-4o' } }))
      .body;
    const put = await admin.request('PUT', `/api/bots/${bot.id}/providers/openai`, { apiKey: BOT_KEY });
    expect(put.status).toBe(200);

    const ws = await WsClient.connect(server.wsUrl, token);
    const ok = await sendAndWait(ws, { botId: bot.id, message: 'A good answer' });
    expect(ok.done.status).toBe('complete');
    const refused = await sendAndWait(ws, { botId: bot.id, message: 'Refused key [[double status=401]]' });
    expect(refused.done.metadata.error?.code).toBe('provider_auth');
    const broken = await sendAndWait(ws, { botId: bot.id, message: 'Outage [[double status=500]]' });
    expect(broken.done.metadata.error?.code).toBe('provider_error');
    const unreachable = await sendAndWait(ws, {
      botId: bot.id,
      message: 'Nobody home',
      model: 'anthropic/claude-sonnet-4-5',
    });
    expect(unreachable.done.status).toBe('error');
    await ws.close();
    // The 500 is retried once on the same model (the bot has no fallbacks): four calls, one key.
    expect(double.requests.map((request) => request.headers.authorization)).toEqual([
      `Bearer ${BOT_KEY}`,
      `Bearer ${BOT_KEY}`,
      `Bearer ${BOT_KEY}`,
      `Bearer ${BOT_KEY}`,
    ]);

    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    const output = server.output();

    // The log was really captured, as JSON lines, including the requests that carried secrets.
    const lines = output
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { msg?: string; req?: { url?: string } });
    expect(lines.length).toBeGreaterThan(10);
    const urls = lines.map((line) => line.req?.url).filter(Boolean);
    expect(urls).toEqual(
      expect.arrayContaining(['/api/auth/login', '/api/bots', `/api/bots/${bot.id}/providers/openai`]),
    );

    for (const secret of [
      GLOBAL_KEY,
      ANTHROPIC_KEY,
      BOT_KEY,
      BOGUS_TOKEN,
      token,
      cookieValue,
      WRONG_PASSWORD,
      PASSWORD,
    ]) {
      expect(output).not.toContain(secret);
    }
    expect(output).not.toContain('LEAKMARK');
    expect(output.toLowerCase()).not.toMatch(/"authorization":"(?!\[redacted\])/);
    expect(output.toLowerCase()).not.toMatch(/"cookie":"(?!\[redacted\])/);
  });
});
