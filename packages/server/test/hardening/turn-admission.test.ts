import { type OpenAIDouble, startOpenAIDouble } from '@cachibot/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiClient, createUser, setupAdmin } from '../support/api-client.ts';
import { removeDir, startServer, type TestServer } from '../support/server.ts';
import { clientMessageId, sendAndWait } from '../support/turns.ts';
import { WsClient } from '../support/ws-client.ts';

/**
 * Issue 11, point 1: admission is atomic. Frames are pipelined — written to the socket in one go, so
 * the server reads them in one chunk and every admission's awaits interleave — and no limit may be
 * passed by even one turn.
 */

const frame = (type: string, payload: unknown) => JSON.stringify({ type, payload });

/** Writes all frames at once and collects, per clientMessageId, whether its turn started or was refused. */
async function burst(sockets: WsClient[], frames: { id: string; data: string }[][]) {
  frames.forEach((list, index) => {
    for (const { data } of list) sockets[index]?.sendRaw(data);
  });
  const ids = frames.flat().map(({ id }) => id);
  const results = await Promise.all(
    frames.flatMap((list, index) =>
      list.map(async ({ id }) => {
        const ws = sockets[index] as WsClient;
        const started = ws.waitFor('turn_started', (event) => event.payload.clientMessageId === id, 30_000);
        const refused = ws.waitFor(
          'error',
          (event) => (event.payload as { clientMessageId?: string }).clientMessageId === id,
          30_000,
        );
        const first = await Promise.race([started, refused]);
        return first.type === 'turn_started' ? 'started' : (first.payload as { code: string }).code;
      }),
    ),
  );
  expect(results).toHaveLength(ids.length);
  return {
    started: results.filter((result) => result === 'started').length,
    rateLimited: results.filter((result) => result === 'rate_limited').length,
  };
}

const chatFrames = (botId: string, count: number, knobs: string) =>
  Array.from({ length: count }, () => {
    const id = clientMessageId();
    return { id, data: frame('chat', { clientMessageId: id, botId, message: `burst ${id} ${knobs}` }) };
  });

describe.each(['sqlite', 'postgres'] as const)('admission on %s', (engine) => {
  let double: OpenAIDouble;
  let running: TestServer;
  let perMinute: TestServer;
  let admin: ApiClient;

  beforeAll(async () => {
    double = await startOpenAIDouble();
    const env = {
      OPENAI_API_KEY: 'k',
      OPENAI_BASE_URL: double.url,
      CACHIBOT_DEFAULT_MODEL: 'openai/gpt-4o-mini',
      CACHIBOT_WS_FRAME_BURST: '200',
    };
    running = await startServer({
      engine,
      env: { ...env, CACHIBOT_MAX_CONCURRENT_TURNS: '3', CACHIBOT_TURNS_PER_MINUTE: '1000' },
    });
    perMinute = await startServer({
      engine,
      env: { ...env, CACHIBOT_MAX_CONCURRENT_TURNS: '100', CACHIBOT_TURNS_PER_MINUTE: '30' },
    });
    admin = await setupAdmin(running.url);
  });
  afterAll(async () => {
    await running.stop();
    await perMinute.stop();
    await double.close();
    removeDir(running.dataDir);
    removeDir(perMinute.dataDir);
  });

  async function userWithBot(server: TestServer, name: string) {
    const owner = server === running ? await createUser(admin, name) : await setupAdminOnce(server);
    const bot = (await owner.post('/api/bots', { name, models: { default: 'openai/gpt-4o-mini' } })).body;
    return { owner, botId: bot.id as string };
  }
  let perMinuteAdmin: ApiClient | undefined;
  async function setupAdminOnce(server: TestServer) {
    perMinuteAdmin ??= await setupAdmin(server.url);
    return perMinuteAdmin;
  }

  it('starts at most 3 of 40 chat frames pipelined on one socket while 3 run', async () => {
    const { owner, botId } = await userWithBot(running, `one-socket-${engine}`);
    const ws = await WsClient.connect(running.wsUrl, owner.token as string);
    const before = double.requests.length;
    const result = await burst([ws], [chatFrames(botId, 40, '[[double tokens=5 delay=100]]')]);
    expect(result).toEqual({ started: 3, rateLimited: 37 });
    const dones = ws.events.filter((event) => event.type === 'turn_started');
    await Promise.all(
      dones.map((event) =>
        ws.waitFor(
          'done',
          (done) => done.payload.turnId === (event.payload as { turnId: string }).turnId,
          30_000,
        ),
      ),
    );
    expect(double.requests.length - before).toBe(3);
    await ws.close();
  });

  it('starts at most 3 of 60 chat frames pipelined from 5 sockets of one user', async () => {
    const { owner, botId } = await userWithBot(running, `five-sockets-${engine}`);
    const sockets = await Promise.all(
      Array.from({ length: 5 }, () => WsClient.connect(running.wsUrl, owner.token as string)),
    );
    const frames = sockets.map(() => chatFrames(botId, 12, '[[double tokens=5 delay=100]]'));
    const result = await burst(sockets, frames);
    expect(result).toEqual({ started: 3, rateLimited: 57 });
    await Promise.all(sockets.map((ws) => ws.close()));
  });

  it('starts at most 3 of 40 regenerate frames pipelined on one socket', async () => {
    const { owner, botId } = await userWithBot(running, `regenerate-${engine}`);
    const ws = await WsClient.connect(running.wsUrl, owner.token as string);
    const first = await sendAndWait(ws, { botId, message: 'Answer me [[double tokens=3]]' });
    const frames = Array.from({ length: 40 }, () => {
      const id = clientMessageId();
      return {
        id,
        data: frame('regenerate', {
          clientMessageId: id,
          messageId: first.done.id,
          model: 'openai/gpt-4o',
        }),
      };
    });
    double.configure({ delayMs: 100, tokens: 5 });
    try {
      expect(await burst([ws], [frames])).toEqual({ started: 3, rateLimited: 37 });
    } finally {
      double.configure({ delayMs: 0, tokens: 20 });
    }
    await ws.close();
  });

  it('starts exactly 30 of 40 chat frames pipelined against a limit of 30 a minute', async () => {
    const { owner, botId } = await userWithBot(perMinute, `per-minute-${engine}`);
    const ws = await WsClient.connect(perMinute.wsUrl, owner.token as string);
    const result = await burst([ws], [chatFrames(botId, 40, '[[double tokens=2]]')]);
    expect(result).toEqual({ started: 30, rateLimited: 10 });
    await ws.close();
  });

  it('gives the slot back when a turn cannot start, so a refused frame costs nothing', async () => {
    const { owner, botId } = await userWithBot(running, `refund-${engine}`);
    const ws = await WsClient.connect(running.wsUrl, owner.token as string);
    // An unknown provider is refused after the slot was taken: 20 of them in turn, then 3 real turns.
    const bad = Array.from({ length: 20 }, () => {
      const id = clientMessageId();
      return {
        id,
        data: frame('chat', { clientMessageId: id, botId, message: `bad ${id}`, model: 'nosuch/x' }),
      };
    });
    const codes: string[] = [];
    for (const { id, data } of bad) {
      ws.sendRaw(data);
      const error = await ws.waitFor(
        'error',
        (event) => (event.payload as { clientMessageId?: string }).clientMessageId === id,
      );
      codes.push(error.payload.code);
    }
    expect(new Set(codes)).toEqual(new Set(['bad_request']));
    const result = await burst([ws], [chatFrames(botId, 3, '[[double tokens=2]]')]);
    expect(result).toEqual({ started: 3, rateLimited: 0 });
    await ws.close();
  });
});
