import type { UsagePayloadSchema } from '@cachibot/protocol';
import { type OpenAIDouble, startOpenAIDouble } from '@cachibot/testkit';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { type ApiClient, createUser, setupAdmin } from '../support/api-client.ts';
import { removeDir, startServer, type TestServer } from '../support/server.ts';
import { clientMessageId, sendAndWait } from '../support/turns.ts';
import { WsClient } from '../support/ws-client.ts';

type UsagePayload = z.infer<typeof UsagePayloadSchema>;

describe.each(['sqlite', 'postgres'] as const)('budgets on %s', (engine) => {
  let double: OpenAIDouble;
  let server: TestServer;
  let admin: ApiClient;
  const sockets: WsClient[] = [];
  let users = 0;

  beforeAll(async () => {
    double = await startOpenAIDouble();
    server = await startServer({
      engine,
      env: { OPENAI_API_KEY: 'k', OPENAI_BASE_URL: double.url, CACHIBOT_MAX_CONCURRENT_TURNS: '20' },
    });
    admin = await setupAdmin(server.url);
  });
  beforeEach(() => double.reset());
  afterAll(async () => {
    for (const socket of sockets) await socket.close();
    await server.stop();
    removeDir(server.dataDir);
    await double.close();
  });

  const put = (client: ApiClient, path: string, body: unknown) => client.request('PUT', path, body);

  /** A user of their own (budgets per test stay apart), with a socket and a bot on gpt-4o-mini. */
  async function freshUser() {
    const client = await createUser(admin, `user${++users}`);
    const userId = (await client.get('/api/auth/status')).body.user.id as string;
    const ws = await WsClient.connect(server.wsUrl, client.token as string);
    sockets.push(ws);
    const bot = async (name = 'Budgeted') =>
      (await client.post('/api/bots', { name, models: { default: 'openai/gpt-4o-mini' } })).body.id as string;
    return { client, userId, ws, botId: await bot(), bot };
  }

  /** Sends a chat frame; resolves with the refusal's code, or with the finished turn. */
  async function attempt(ws: WsClient, botId: string, message: string) {
    const id = clientMessageId();
    ws.send('chat', { clientMessageId: id, botId, message });
    const refused = ws
      .waitFor('error', (event) => (event.payload as { clientMessageId?: string }).clientMessageId === id)
      .then((event) => ({ refused: event.payload.code }));
    const started = ws
      .waitFor('turn_started', (event) => event.payload.clientMessageId === id)
      .then(async (event) => {
        const done = await ws.waitFor('done', (other) => other.payload.turnId === event.payload.turnId);
        const usage = ws.turnEvents(event.payload.turnId).find((other) => other.type === 'usage');
        return { done: done.payload.message, usage: usage?.payload as UsagePayload };
      });
    return Promise.race([refused, started]);
  }

  it('stores, reads with the month spend, and removes a bot budget', async () => {
    const { client, ws, botId } = await freshUser();
    const first = await sendAndWait(ws, { botId, message: 'Spend a little' });
    const second = await sendAndWait(ws, { botId, message: 'And some more' });
    await sendAndWait(ws, { botId, message: 'Unpriced', model: 'openai/double-fast' });
    const set = await put(client, `/api/bots/${botId}/budget`, { monthlyUsd: 5, action: 'warn' });
    expect(set.status).toBe(200);
    const micros = [first, second].reduce(
      (sum, turn) => sum + Math.round((turn.done.metadata.costUsd ?? 0) * 1e6),
      0,
    );
    expect(micros).toBeGreaterThan(0);
    expect(set.body).toEqual({
      scope: 'bot',
      subjectId: botId,
      monthlyUsd: 5,
      action: 'warn',
      spentUsd: micros / 1e6,
      month: new Date().toISOString().slice(0, 7),
      updatedAt: expect.any(String),
    });
    expect((await client.get(`/api/bots/${botId}/budget`)).body).toEqual(set.body);
    const changed = await put(client, `/api/bots/${botId}/budget`, {
      monthlyUsd: 2.5,
      action: 'downgrade',
      downgradeModel: 'openai/double-fast',
    });
    expect(changed.body).toMatchObject({
      monthlyUsd: 2.5,
      action: 'downgrade',
      downgradeModel: 'openai/double-fast',
    });
    expect((await client.delete(`/api/bots/${botId}/budget`)).status).toBe(204);
    expect((await client.get(`/api/bots/${botId}/budget`)).body).toMatchObject({
      monthlyUsd: null,
      action: null,
      spentUsd: micros / 1e6,
      updatedAt: null,
    });
    expect((await client.delete(`/api/bots/${botId}/budget`)).status).toBe(404);
  });

  it('refuses bad budgets naming the field, and foreign bots and user budgets', async () => {
    const { client, botId } = await freshUser();
    const cases: [unknown, string][] = [
      [{ monthlyUsd: 0, action: 'block' }, 'monthlyUsd'],
      [{ monthlyUsd: -1, action: 'block' }, 'monthlyUsd'],
      [{ monthlyUsd: '5', action: 'block' }, 'monthlyUsd'],
      [{ monthlyUsd: 0.0000001, action: 'block' }, 'monthlyUsd'],
      [{ action: 'block' }, 'monthlyUsd'],
      [{ monthlyUsd: 5, action: 'stop' }, 'action'],
      [{ monthlyUsd: 5, action: 'downgrade' }, 'downgradeModel'],
      [{ monthlyUsd: 5, action: 'downgrade', downgradeModel: 'openai/not-a-model' }, 'downgradeModel'],
      [{ monthlyUsd: 5, action: 'downgrade', downgradeModel: 'nosuch/model' }, 'downgradeModel'],
      [{ monthlyUsd: 5, action: 'downgrade', downgradeModel: 'no-slash' }, 'downgradeModel'],
      [{ monthlyUsd: 5, action: 'block', extra: true }, ''],
    ];
    for (const [body, field] of cases) {
      const response = await put(client, `/api/bots/${botId}/budget`, body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(response.body.error.code).toBe('bad_request');
      expect(response.body.error.details?.[0]?.path, JSON.stringify(body)).toBe(field);
    }
    expect((await client.get(`/api/bots/${botId}/budget`)).body).toMatchObject({
      monthlyUsd: null,
      spentUsd: 0,
    });

    const other = await freshUser();
    const valid = { monthlyUsd: 5, action: 'block' };
    expect((await put(other.client, `/api/bots/${botId}/budget`, valid)).status).toBe(404);
    expect((await other.client.get(`/api/bots/${botId}/budget`)).status).toBe(404);
    expect((await other.client.delete(`/api/bots/${botId}/budget`)).status).toBe(404);
    // Even an admin sets budgets only on their own bots; users' limits are user budgets.
    expect((await put(admin, `/api/bots/${botId}/budget`, valid)).status).toBe(404);

    const ownUser = (await client.get('/api/auth/status')).body.user.id;
    for (const path of [`/api/users/${ownUser}/budget`, `/api/users/${other.userId}/budget`]) {
      const refused = await put(client, path, valid);
      expect(refused.status).toBe(403);
      expect(refused.body.error.code).toBe('forbidden');
      expect((await client.delete(path)).status).toBe(403);
    }
    expect((await client.get(`/api/users/${other.userId}/budget`)).status).toBe(403);
    expect((await put(admin, '/api/users/no-such-user/budget', valid)).status).toBe(404);
  });

  it('blocks a turn before the provider is called once the budget is used up', async () => {
    const { client, ws, botId } = await freshUser();
    await sendAndWait(ws, { botId, message: 'Spend first' });
    expect(double.requests).toHaveLength(1);
    await put(client, `/api/bots/${botId}/budget`, { monthlyUsd: 0.00001, action: 'block' });
    const chatsBefore = (await client.get(`/api/bots/${botId}/chats`)).body.chats.length;
    double.reset();
    const outcome = await attempt(ws, botId, 'Blocked now');
    expect(outcome).toEqual({ refused: 'budget_exceeded' });
    const error = ws.events.find(
      (event) => event.type === 'error' && event.payload.code === 'budget_exceeded',
    );
    expect(error?.payload).toMatchObject({ message: expect.stringContaining('$0.00001') });
    expect(double.requests).toHaveLength(0);
    expect((await client.get(`/api/bots/${botId}/chats`)).body.chats).toHaveLength(chatsBefore);
    // Another bot of the same user has no budget: it still answers.
    expect(await attempt(ws, await (await freshBot(client))(), 'Other bot')).toHaveProperty('done');
  });

  const freshBot = async (client: ApiClient) => async () =>
    (await client.post('/api/bots', { name: 'Free', models: { default: 'openai/gpt-4o-mini' } })).body
      .id as string;

  it('downgrades to the budget model and records the refused model as an attempt', async () => {
    const { client, ws, botId } = await freshUser();
    await sendAndWait(ws, { botId, message: 'Spend first' });
    await put(client, `/api/bots/${botId}/budget`, {
      monthlyUsd: 0.00001,
      action: 'downgrade',
      downgradeModel: 'openai/double-fast',
    });
    double.reset();
    const outcome = await attempt(ws, botId, 'Downgrade me');
    if (!('done' in outcome)) throw new Error(`refused: ${outcome.refused}`);
    expect(double.requests.map((request) => request.model)).toEqual(['double-fast']);
    expect(outcome.done.status).toBe('complete');
    expect(outcome.done.metadata).toMatchObject({
      model: 'openai/double-fast',
      modelRequested: 'openai/gpt-4o-mini',
    });
    expect(outcome.done.metadata.attempts?.map((one) => [one.model, one.error?.code])).toEqual([
      ['openai/gpt-4o-mini', 'budget_exceeded'],
      ['openai/double-fast', undefined],
    ]);
    expect(outcome.done.metadata.attempts?.[0]?.durationMs).toBe(0);
    expect(outcome.done.metadata.perModel).not.toHaveProperty('openai/gpt-4o-mini');
    expect(outcome.usage.budget).toMatchObject({ limitUsd: 0.00001, scope: 'bot' });
    expect(outcome.usage.budget?.spentUsd).toBeGreaterThan(0.00001);
  });

  it('warns and runs over the limit; from 80 % the usage event and the answer carry the spend', async () => {
    const { client, ws, botId } = await freshUser();
    const first = await sendAndWait(ws, { botId, message: 'Measure the cost' });
    const cost = first.done.metadata.costUsd ?? 0;
    // Far from the limit: nothing to say.
    await put(client, `/api/bots/${botId}/budget`, { monthlyUsd: cost * 100, action: 'block' });
    const calm = await attempt(ws, botId, 'Measure again please');
    if (!('done' in calm)) throw new Error('refused');
    expect(calm.usage.budget).toBeUndefined();
    expect(calm.done.metadata.budget).toBeUndefined();
    // Under the limit when it starts, past 80 % with this answer.
    const spent = cost + (calm.done.metadata.costUsd ?? 0);
    await put(client, `/api/bots/${botId}/budget`, { monthlyUsd: spent * 1.1, action: 'block' });
    const near = await attempt(ws, botId, 'Nearly at the limit');
    if (!('done' in near)) throw new Error('refused');
    const limitUsd = Math.round(spent * 1.1 * 1e6) / 1e6;
    const nowSpent = Math.round((spent + (near.done.metadata.costUsd ?? 0)) * 1e6) / 1e6;
    expect(near.usage.budget).toEqual({ spentUsd: nowSpent, limitUsd, scope: 'bot' });
    expect(near.done.metadata.budget).toEqual(near.usage.budget);
    const stored = (await client.get(`/api/chats/${near.done.chatId}/messages`)).body.messages[1];
    expect(stored.metadata.budget).toEqual(near.usage.budget);
    // warn: over the limit, it still runs on the bot's model, and says so.
    await put(client, `/api/bots/${botId}/budget`, { monthlyUsd: 0.00001, action: 'warn' });
    double.reset();
    const over = await attempt(ws, botId, 'Over but warned');
    if (!('done' in over)) throw new Error('refused');
    expect(double.requests.map((request) => request.model)).toEqual(['gpt-4o-mini']);
    expect(over.usage.budget?.spentUsd).toBeGreaterThan(over.usage.budget?.limitUsd ?? Infinity);
  });

  it('an admin budget on a user blocks that user; a user reads but never raises their own', async () => {
    const { client, userId, ws, botId } = await freshUser();
    await sendAndWait(ws, { botId, message: 'Spend first' });
    const set = await put(admin, `/api/users/${userId}/budget`, { monthlyUsd: 0.00001, action: 'block' });
    expect(set.status).toBe(200);
    expect(set.body).toMatchObject({ scope: 'user', subjectId: userId, action: 'block' });
    expect(set.body.spentUsd).toBeGreaterThan(0.00001);
    expect((await client.get(`/api/users/${userId}/budget`)).body).toEqual(set.body);
    double.reset();
    expect(await attempt(ws, botId, 'Blocked by my user budget')).toEqual({ refused: 'budget_exceeded' });
    expect(await attempt(ws, await (await freshBot(client))(), 'Any bot')).toEqual({
      refused: 'budget_exceeded',
    });
    expect(double.requests).toHaveLength(0);
    expect(
      (await put(client, `/api/users/${userId}/budget`, { monthlyUsd: 100, action: 'block' })).status,
    ).toBe(403);
    expect((await client.delete(`/api/users/${userId}/budget`)).status).toBe(403);
    expect((await admin.delete(`/api/users/${userId}/budget`)).status).toBe(204);
    expect(await attempt(ws, botId, 'Free again')).toHaveProperty('done');
  });

  it('lets an admin lower their own user budget, never raise or remove it', async () => {
    const me = (await admin.get('/api/auth/status')).body.user.id;
    const path = `/api/users/${me}/budget`;
    expect((await put(admin, path, { monthlyUsd: 500, action: 'block' })).status).toBe(200);
    expect((await put(admin, path, { monthlyUsd: 400, action: 'block' })).status).toBe(200);
    for (const body of [
      { monthlyUsd: 401, action: 'block' },
      { monthlyUsd: 400, action: 'warn' },
      { monthlyUsd: 300, action: 'downgrade', downgradeModel: 'openai/double-fast' },
    ]) {
      const refused = await put(admin, path, body);
      expect(refused.status, JSON.stringify(body)).toBe(403);
    }
    expect((await admin.delete(path)).status).toBe(403);
    expect((await admin.get(path)).body).toMatchObject({ monthlyUsd: 400, action: 'block' });
  });

  it('refuses a whole compare before any provider call when the budget blocks', async () => {
    const { client, ws, botId } = await freshUser();
    await sendAndWait(ws, { botId, message: 'Spend first' });
    await put(client, `/api/bots/${botId}/budget`, { monthlyUsd: 0.00001, action: 'block' });
    double.reset();
    const id = clientMessageId();
    ws.send('compare', {
      clientMessageId: id,
      botId,
      message: 'Both?',
      models: ['openai/gpt-4o-mini', 'openai/gpt-4o'],
    });
    const refused = await ws.waitFor(
      'error',
      (event) => (event.payload as { clientMessageId?: string }).clientMessageId === id,
    );
    expect(refused.payload.code).toBe('budget_exceeded');
    expect(double.requests).toHaveLength(0);
    // Under the limit, each model of a compare is held and answers.
    await put(client, `/api/bots/${botId}/budget`, { monthlyUsd: 5, action: 'block' });
    const again = clientMessageId();
    ws.send('compare', {
      clientMessageId: again,
      botId,
      message: 'Both now',
      models: ['openai/gpt-4o-mini', 'openai/gpt-4o'],
    });
    await expect
      .poll(
        () =>
          ws.events.filter((event) => event.type === 'done' && event.payload.message.metadata.compareId)
            .length,
      )
      .toBe(2);
  });

  it('lets concurrent turns overspend by at most one answer', async () => {
    const { client, ws, botId, bot } = await freshUser();
    // The cost of one answer, measured on another bot with the same model, prompt and length.
    const measured = await sendAndWait(ws, { botId, message: 'Parallel one [[double tokens=20 delay=5]]' });
    const cost = measured.done.metadata.costUsd ?? 0;
    expect(cost).toBeGreaterThan(0);
    const limited = await bot('Limited');
    // Room for one and a half answers: without reservations all four would start at 0 spent.
    await put(client, `/api/bots/${limited}/budget`, { monthlyUsd: cost * 1.5, action: 'block' });
    const outcomes = await Promise.all(
      ['one', 'two', 'three', 'four'].map((word) =>
        attempt(ws, limited, `Parallel ${word} [[double tokens=20 delay=5]]`),
      ),
    );
    const answered = outcomes.filter((outcome) => 'done' in outcome);
    const refused = outcomes.filter((outcome) => 'refused' in outcome);
    expect(answered.length).toBeGreaterThanOrEqual(1);
    expect(refused.length).toBeGreaterThanOrEqual(1);
    expect(refused.every((outcome) => 'refused' in outcome && outcome.refused === 'budget_exceeded')).toBe(
      true,
    );
    const budget = (await client.get(`/api/bots/${limited}/budget`)).body;
    expect(budget.spentUsd).toBeLessThanOrEqual(budget.monthlyUsd + cost);
  });
});
