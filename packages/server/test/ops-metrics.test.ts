import { type OpenAIDouble, startOpenAIDouble } from '@cachibot/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiClient, setupAdmin } from './support/api-client.ts';
import { removeDir, startServer, type TestServer } from './support/server.ts';
import { sendAndWait } from './support/turns.ts';
import { WsClient } from './support/ws-client.ts';

/** Issue 17, point 4: Prometheus metrics and a readiness check an operator and a load balancer can use. */

/** Prometheus text → { 'name{labels}': value } for the series of one metric name. */
function series(text: string, name: string): Map<string, number> {
  const found = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line.startsWith(name) || line.startsWith('#')) continue;
    const match = /^([a-z_]+)(\{[^}]*\})?\s+(\S+)$/.exec(line);
    if (match && match[1] === name) found.set(match[2] ?? '', Number(match[3]));
  }
  return found;
}
const labels = (key: string) =>
  Object.fromEntries([...key.matchAll(/(\w+)="([^"]*)"/g)].map((match) => [match[1], match[2]]));

describe('metrics and readiness', () => {
  let double: OpenAIDouble;
  let server: TestServer;
  let admin: ApiClient;

  beforeAll(async () => {
    double = await startOpenAIDouble();
    server = await startServer({
      env: {
        OPENAI_API_KEY: 'k',
        OPENAI_BASE_URL: double.url,
        CACHIBOT_DEFAULT_MODEL: 'openai/gpt-4o-mini',
        CACHIBOT_METRICS_TOKEN: 'scrape-token-for-tests',
      },
    });
    admin = await setupAdmin(server.url);
  });
  afterAll(async () => {
    await server.stop();
    await double.close();
    removeDir(server.dataDir);
  });

  const scrape = (token?: string) =>
    fetch(`${server.url}/metrics`, token ? { headers: { authorization: `Bearer ${token}` } } : {});

  it('needs the metrics token when one is set', async () => {
    expect((await scrape()).status).toBe(401);
    expect((await scrape('wrong')).status).toBe(401);
    expect((await scrape('scrape-token-for-tests')).status).toBe(200);
  });

  it('counts finished answers by model and status, with TTFT, tokens, sockets and the instance id', async () => {
    const botId = (await admin.get('/api/bots')).body.bots[0].id;
    const ws = await WsClient.connect(server.wsUrl, admin.token as string);
    const ok = await sendAndWait(ws, { botId, message: 'count me [[double tokens=5]]' });
    await sendAndWait(ws, { botId, message: 'fail me [[double status=401]]' });
    const response = await scrape('scrape-token-for-tests');
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await response.text();

    const turns = [...series(text, 'cachibot_turns_total')].map(([key, value]) => ({
      ...labels(key),
      value,
    }));
    expect(turns).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ model: 'openai/gpt-4o-mini', status: 'complete', value: 1 }),
        expect.objectContaining({ model: 'openai/gpt-4o-mini', status: 'error', value: 1 }),
      ]),
    );
    const instance = turns[0]?.instance_id;
    expect(instance).toMatch(/:\d+:/);
    const ttftCount = [...series(text, 'cachibot_ttft_seconds_count')];
    expect(ttftCount.map(([key, value]) => [labels(key).model, value])).toContainEqual([
      'openai/gpt-4o-mini',
      1,
    ]);
    const tokens = [...series(text, 'cachibot_tokens_total')].map(([key, value]) => [
      labels(key).direction,
      value,
    ]);
    expect(tokens).toContainEqual(['output', ok.done.metadata.usage?.outputTokens]);
    expect([...series(text, 'cachibot_open_sockets').values()]).toEqual([1]);
    expect([...series(text, 'cachibot_active_turns').values()]).toEqual([0]);
    expect([...series(text, 'cachibot_db_ping_seconds').values()][0]).toBeGreaterThan(0);
    expect(text).toContain('nodejs_eventloop_lag_seconds');
    await ws.close();
  });

  it('is ready while it takes turns and its database answers, and unavailable once shutdown began', async () => {
    const ready = await fetch(`${server.url}/api/health/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', checks: { database: 'ok', turns: 'ok' } });
    // A separate server, so the shared one stays up: shutdown flips readiness before sockets close.
    const other = await startServer({ env: { OPENAI_API_KEY: 'k', OPENAI_BASE_URL: double.url } });
    const shutdown = other.cachibot.engine.shutdown(5_000);
    const draining = await fetch(`${other.url}/api/health/ready`);
    expect(draining.status).toBe(503);
    expect((await draining.json()).checks.turns).toBe('failed');
    await shutdown;
    await other.stop();
    removeDir(other.dataDir);
  });
});
