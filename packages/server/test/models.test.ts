import net from 'node:net';
import {
  type AnthropicDouble,
  type OpenAIDouble,
  startAnthropicDouble,
  startOpenAIDouble,
} from '@cachibot/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiClient, setupAdmin } from './support/api-client.ts';
import { scaled } from './support/deadlines.ts';
import { removeDir, startServer, type TestServer } from './support/server.ts';
import { sendAndWait } from './support/turns.ts';
import { WsClient } from './support/ws-client.ts';

/** How long discovery waits for a provider's model list; the silent provider always takes all of it. */
const DISCOVERY_MS = 1500;

let openai: OpenAIDouble;
let anthropic: AnthropicDouble;
let silent: net.Server;
let server: TestServer;
let admin: ApiClient;

beforeAll(async () => {
  openai = await startOpenAIDouble();
  anthropic = await startAnthropicDouble();
  // A provider that accepts connections and never answers: discovery must not wait on it for long.
  silent = net.createServer(() => {});
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  const silentPort = (silent.address() as net.AddressInfo).port;
  server = await startServer({
    env: {
      OPENAI_API_KEY: 'k',
      OPENAI_BASE_URL: openai.url,
      ANTHROPIC_API_KEY: 'ak',
      ANTHROPIC_BASE_URL: anthropic.baseURL,
      OPENAI_COMPATIBLE_BASE_URL: `http://127.0.0.1:${silentPort}/v1`,
      CACHIBOT_DISCOVERY_TIMEOUT_MS: String(DISCOVERY_MS),
    },
  });
  admin = await setupAdmin(server.url);
});
afterAll(async () => {
  await server.stop();
  await openai.close();
  await anthropic.close();
  silent.close();
  removeDir(server.dataDir);
});

describe('GET /api/models', () => {
  it('merges live model lists with the catalogue, marking a dead provider unavailable within the bound', async () => {
    const started = Date.now();
    const models = await admin.get('/api/models');
    const elapsed = Date.now() - started;
    expect(models.status).toBe(200);
    expect(elapsed).toBeLessThan(DISCOVERY_MS + scaled(1000));
    const ids = (group: string) => (models.body.groups[group] ?? []).map((model: { id: string }) => model.id);
    expect(ids('openai')).toEqual(
      expect.arrayContaining(['openai/gpt-4o-mini', 'openai/gpt-4o', 'openai/double-fast']),
    );
    expect(ids('anthropic')).toEqual(
      expect.arrayContaining(['anthropic/claude-sonnet-4-5', 'anthropic/double-fast']),
    );
    const mini = models.body.groups.openai.find((model: { id: string }) => model.id === 'openai/gpt-4o-mini');
    expect(mini).toMatchObject({
      provider: 'openai',
      contextWindow: 128000,
      pricing: { inputPerMTok: 0.15, outputPerMTok: 0.6 },
    });
    const unpriced = models.body.groups.openai.find(
      (model: { id: string }) => model.id === 'openai/double-fast',
    );
    expect(unpriced.pricing).toBeUndefined();
    const status = Object.fromEntries(
      models.body.providers.map((p: { id: string; available: boolean }) => [p.id, p.available]),
    );
    expect(status).toMatchObject({ openai: true, anthropic: true, compatible: false, ollama: false });
    expect(models.body.catalogueVersion).toEqual(expect.any(String));
    expect(models.body.default).toEqual(expect.stringMatching(/\//));
  });

  it('answers from its cache afterwards, and refreshes on request', async () => {
    // From the cache: without waiting for the silent provider again, however busy the machine.
    const started = Date.now();
    await admin.get('/api/models');
    expect(Date.now() - started).toBeLessThan(DISCOVERY_MS - 100);
    // A refresh asks every provider again, so it waits for the silent one up to the bound.
    const refreshStarted = Date.now();
    const refreshed = await admin.get('/api/models?refresh=1');
    expect(Date.now() - refreshStarted).toBeGreaterThanOrEqual(DISCOVERY_MS - 100);
    expect(refreshed.body.groups.openai.length).toBeGreaterThan(0);
  });

  it('requires a login', async () => {
    expect((await fetch(`${server.url}/api/models`)).status).toBe(401);
  });
});

describe('the anthropic provider', () => {
  it('answers a turn through the Messages API with usage, provider model id and cost', async () => {
    const bot = (
      await admin.post('/api/bots', {
        name: 'Claude',
        systemPrompt: 'Be brief.',
        models: { default: 'anthropic/claude-sonnet-4-5' },
      })
    ).body;
    const ws = await WsClient.connect(server.wsUrl, admin.token as string);
    const turn = await sendAndWait(ws, { botId: bot.id, message: 'Hello Claude' });
    await ws.close();
    expect(turn.done.status).toBe('complete');
    expect(anthropic.requests[0]?.headers['x-api-key']).toBe('ak');
    expect(anthropic.requests[0]?.body.system).toEqual(expect.anything());
    const { metadata } = turn.done;
    expect(metadata).toMatchObject({
      model: 'anthropic/claude-sonnet-4-5',
      providerModelId: 'claude-sonnet-4-5-double',
    });
    const usage = metadata.usage as { inputTokens: number; outputTokens: number };
    expect(usage.outputTokens).toBe(20);
    expect(metadata.costUsd).toBe(Math.round(usage.inputTokens * 3 + usage.outputTokens * 15) / 1e6);
  });
});
