import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { type OpenAIDouble, startOpenAIDouble } from '@cachibot/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import shipped from '../src/models/catalogue.json' with { type: 'json' };
import { type CatalogueData, loadCatalogue, PRICE_OVERRIDES_FILE } from '../src/models/catalogue.ts';
import { type ApiClient, setupAdmin } from './support/api-client.ts';
import { removeDir, startServer, type TestServer, tempDataDir } from './support/server.ts';
import { sendAndWait } from './support/turns.ts';
import { WsClient } from './support/ws-client.ts';

const SHIPPED_VERSION = shipped.version;
const OVERRIDE_VERSION = new RegExp(`^${SHIPPED_VERSION}\\+local\\.[0-9a-f]{8}$`);

const base: CatalogueData = {
  version: 'v1',
  providers: { free: { pricing: { inputPerMTok: 0, outputPerMTok: 0 } } },
  models: {
    'p/known': { name: 'Known', contextWindow: 1000, pricing: { inputPerMTok: 1, outputPerMTok: 2 } },
    'free/special': { contextWindow: 50 },
  },
};

const dirs: string[] = [];
/** A data directory holding `prices.json` with this content (a string is written as is). */
function dataDirWith(overrides: unknown): string {
  const dir = tempDataDir();
  dirs.push(dir);
  writeFileSync(
    path.join(dir, PRICE_OVERRIDES_FILE),
    typeof overrides === 'string' ? overrides : JSON.stringify(overrides),
  );
  return dir;
}
afterAll(() => dirs.forEach(removeDir));

describe('the price catalogue', () => {
  it('is the shipped catalogue, with its version, when there is no prices.json', async () => {
    const dir = tempDataDir();
    dirs.push(dir);
    const catalogue = await loadCatalogue(dir);
    expect(catalogue.version).toBe(SHIPPED_VERSION);
    expect(catalogue.get('openai/gpt-4o-mini')?.pricing).toEqual({
      inputPerMTok: 0.15,
      outputPerMTok: 0.6,
      cachedInputPerMTok: 0.075,
    });
    expect(catalogue.get('openai/not-a-model')).toBeUndefined();
  });

  it('prices every local model at zero and leaves unknown remote models unknown', async () => {
    const dir = tempDataDir();
    dirs.push(dir);
    const catalogue = await loadCatalogue(dir);
    expect(catalogue.get('local/anything-at-all')?.pricing).toEqual({ inputPerMTok: 0, outputPerMTok: 0 });
    expect(catalogue.get('ollama/llama3.2')).toBeUndefined();
    expect(catalogue.idsFor('local')).toEqual([]);
  });

  it('lays prices.json over the shipped entries field by field and marks the version', async () => {
    const catalogue = await loadCatalogue(
      dataDirWith({
        models: {
          'p/known': { pricing: { inputPerMTok: 3, outputPerMTok: 4 } },
          'p/new': { contextWindow: 9000, pricing: { inputPerMTok: 5, outputPerMTok: 6 } },
          'free/special': { pricing: { inputPerMTok: 7, outputPerMTok: 8 } },
        },
        providers: { ollama: { pricing: { inputPerMTok: 0, outputPerMTok: 0 } } },
      }),
      base,
    );
    expect(catalogue.version).toMatch(/^v1\+local\.[0-9a-f]{8}$/);
    expect(catalogue.get('p/known')).toEqual({
      name: 'Known',
      contextWindow: 1000,
      pricing: { inputPerMTok: 3, outputPerMTok: 4 },
    });
    expect(catalogue.get('p/new')).toEqual({
      contextWindow: 9000,
      pricing: { inputPerMTok: 5, outputPerMTok: 6 },
    });
    // A model's own entry beats its provider's.
    expect(catalogue.get('free/special')?.pricing).toEqual({ inputPerMTok: 7, outputPerMTok: 8 });
    expect(catalogue.get('free/other')?.pricing).toEqual({ inputPerMTok: 0, outputPerMTok: 0 });
    expect(catalogue.get('ollama/llama3.2')?.pricing).toEqual({ inputPerMTok: 0, outputPerMTok: 0 });
    expect(catalogue.idsFor('p')).toEqual(['p/known', 'p/new']);
  });

  it('gives each different override file its own version', async () => {
    const one = await loadCatalogue(dataDirWith({ models: { 'p/known': { contextWindow: 1 } } }), base);
    const same = await loadCatalogue(dataDirWith({ models: { 'p/known': { contextWindow: 1 } } }), base);
    const other = await loadCatalogue(dataDirWith({ models: { 'p/known': { contextWindow: 2 } } }), base);
    expect(same.version).toBe(one.version);
    expect(other.version).not.toBe(one.version);
  });

  it.each([
    ['{ "models": ', /prices\.json: not valid JSON/],
    [
      { models: { 'openai/gpt-4o': { pricing: { inputPerMTok: '2.5', outputPerMTok: 10 } } } },
      /models\["openai\/gpt-4o"\]\.pricing\.inputPerMTok: .*expected number/,
    ],
    [
      { models: { 'openai/gpt-4o': { pricing: { inputPerMTok: -1, outputPerMTok: 10 } } } },
      /models\["openai\/gpt-4o"\]\.pricing\.inputPerMTok: .*>=0/,
    ],
    [{ models: { 'openai/gpt-4o': { pricing: { inputPerMTok: 1 } } } }, /pricing\.outputPerMTok/],
    [
      { models: { 'openai/gpt-4o': { contextwindow: 5 } } },
      /models\["openai\/gpt-4o"\]: Unrecognized key: "contextwindow"/,
    ],
    [{ models: { 'gpt-4o': { contextWindow: 5 } } }, /models\["gpt-4o"\]: .*"provider\/model"/],
    [{ model: {} }, /\(top level\): Unrecognized key: "model"/],
  ])('refuses an invalid prices.json and names the problem (%j)', async (content, problem) => {
    const dir = dataDirWith(content);
    const failure = loadCatalogue(dir);
    await expect(failure).rejects.toThrow(
      `Invalid price overrides in ${path.join(dir, PRICE_OVERRIDES_FILE)}`,
    );
    await expect(failure).rejects.toThrow(problem);
  });
});

describe('a server with prices.json', () => {
  let double: OpenAIDouble;
  let server: TestServer;
  let admin: ApiClient;

  beforeAll(async () => {
    double = await startOpenAIDouble();
    const dataDir = dataDirWith({
      models: { 'openai/gpt-4o-mini': { pricing: { inputPerMTok: 1000, outputPerMTok: 2000 } } },
    });
    server = await startServer({ dataDir, env: { OPENAI_API_KEY: 'test-key', OPENAI_BASE_URL: double.url } });
    admin = await setupAdmin(server.url);
  });
  afterAll(async () => {
    await server?.stop();
    await double?.close();
  });

  it('lists the overridden price and the marked catalogue version', async () => {
    const { body } = await admin.get('/api/models');
    expect(body.catalogueVersion).toMatch(OVERRIDE_VERSION);
    const mini = body.groups.openai.find((model: { id: string }) => model.id === 'openai/gpt-4o-mini');
    expect(mini).toMatchObject({
      name: 'GPT-4o mini',
      contextWindow: 128000,
      pricing: { inputPerMTok: 1000, outputPerMTok: 2000 },
    });
  });

  it('costs an answer with the overridden price and records that catalogue version', async () => {
    const bot = await admin.post('/api/bots', { name: 'Priced', models: { default: 'openai/gpt-4o-mini' } });
    const ws = await WsClient.connect(server.wsUrl, admin.token as string);
    try {
      const { done } = await sendAndWait(ws, { botId: bot.body.id, message: 'What does this cost?' });
      const inputTokens = done.metadata.usage?.inputTokens ?? 0;
      expect(inputTokens).toBeGreaterThan(0);
      expect(done.metadata.usage?.outputTokens).toBe(20);
      // $1000 / $2000 per 1M tokens = 1000 / 2000 micro-dollars per token.
      expect(done.metadata.costUsd).toBe((inputTokens * 1000 + 20 * 2000) / 1e6);
      expect(done.metadata.catalogueVersion).toMatch(OVERRIDE_VERSION);
    } finally {
      await ws.close();
    }
  });

  it('refuses to start with an invalid prices.json, naming the file and the problem', async () => {
    const dataDir = dataDirWith({
      models: { 'openai/gpt-4o': { pricing: { inputPerMTok: 'cheap', outputPerMTok: 1 } } },
    });
    await expect(startServer({ dataDir })).rejects.toThrow(
      /Invalid price overrides in .*prices\.json: models\["openai\/gpt-4o"\]\.pricing\.inputPerMTok/,
    );
  });
});
