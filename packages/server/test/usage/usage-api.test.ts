import type { UsageResponse, UsageRow } from '@cachibot/protocol';
import { type OpenAIDouble, startOpenAIDouble } from '@cachibot/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { monthEnd, utcToday } from '../../src/usage/usage-range.ts';
import { type ApiClient, createUser, setupAdmin } from '../support/api-client.ts';
import { createPgSchema, removeDir, startServer, type TestServer } from '../support/server.ts';
import { clientMessageId, sendAndWait, startTurn } from '../support/turns.ts';
import { WsClient } from '../support/ws-client.ts';
import {
  expectedRows,
  expectRowMatches,
  type Owner,
  type StoredAnswer,
  storedAnswers,
  storeGeneratedAnswers,
} from './usage-fixtures.ts';

const today = utcToday();
const thisMonth = today.slice(0, 7);
const previousMonth = new Date(Date.UTC(Number(today.slice(0, 4)), Number(today.slice(5, 7)) - 2, 1))
  .toISOString()
  .slice(0, 7);
const DAYS = [`${previousMonth}-03`, `${previousMonth}-17`, `${previousMonth}-28`, `${thisMonth}-01`, today];
const RANGE = `from=${previousMonth}-01&to=${monthEnd(today)}`;

describe.each(['sqlite', 'postgres'] as const)('usage on %s', (engine) => {
  let double: OpenAIDouble;
  let server: TestServer;
  let pg: Awaited<ReturnType<typeof createPgSchema>> | undefined;
  let admin: ApiClient;
  let bob: ApiClient;
  let owners: Owner[];

  const start = () =>
    startServer({
      engine,
      ...(pg ? { pgSchema: pg.schema } : {}),
      ...(server ? { dataDir: server.dataDir } : {}),
      env: { OPENAI_API_KEY: 'k', OPENAI_BASE_URL: double.url, CACHIBOT_MAX_CONCURRENT_TURNS: '20' },
    });

  beforeAll(async () => {
    double = await startOpenAIDouble();
    pg = engine === 'postgres' ? await createPgSchema() : undefined;
    server = await start();
    admin = await setupAdmin(server.url);
    bob = await createUser(admin, 'bob');
    const ids = async (client: ApiClient) => {
      const me = (await client.get('/api/auth/status')).body.user.id as string;
      await client.post('/api/bots', { name: 'Second', models: { default: 'openai/gpt-4o-mini' } });
      const bots = (await client.get('/api/bots')).body.bots as { id: string }[];
      return { userId: me, botIds: bots.map((bot) => bot.id) };
    };
    owners = [await ids(admin), await ids(bob)];

    // Real turns today: priced, unpriced, cancelled, failed, a sibling, and the second user's.
    const ws = await WsClient.connect(server.wsUrl, admin.token as string);
    const botId = owners[0]?.botIds[1] as string;
    const priced = await sendAndWait(ws, { botId, message: 'Priced [[double tokens=12]]' });
    await sendAndWait(ws, { botId, message: 'Unpriced', model: 'openai/double-fast' });
    await sendAndWait(ws, { botId, message: 'Fails [[double status=500]]' });
    const long = await startTurn(ws, { botId, message: 'Cancel me [[double tokens=400 delay=5]]' });
    await ws.waitFor('text_delta', (event) => event.payload.turnId === long.turnId);
    ws.send('cancel', { turnId: long.turnId });
    await ws.waitFor('done', (event) => event.payload.turnId === long.turnId);
    ws.send('regenerate', {
      clientMessageId: clientMessageId(),
      messageId: priced.done.id,
      model: 'openai/gpt-4o',
    });
    const sibling = await ws.waitFor(
      'turn_started',
      (event) =>
        event.payload.userMessage.id === priced.done.parentId && event.payload.turnId !== priced.turnId,
    );
    await ws.waitFor('done', (event) => event.payload.turnId === sibling.payload.turnId);
    await ws.close();
    const bobWs = await WsClient.connect(server.wsUrl, bob.token as string);
    await sendAndWait(bobWs, { botId: owners[1]?.botIds[0] as string, message: 'Bob asks' });
    await bobWs.close();

    await storeGeneratedAnswers(server.cachibot.database.db, owners, DAYS, 150);
  });
  afterAll(async () => {
    await server.stop();
    await pg?.drop();
    removeDir(server.dataDir);
    await double.close();
  });

  const report = async (client: ApiClient, query: string): Promise<UsageResponse> => {
    const response = await client.get(`/api/usage?${query}`);
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    return response.body;
  };

  const keyOf: Record<'model' | 'bot' | 'day' | 'user', (answer: StoredAnswer) => string> = {
    model: (answer) => answer.metadata.model ?? '',
    bot: (answer) => answer.botId,
    day: (answer) => answer.day,
    user: (answer) => answer.userId,
  };

  function expectMatches(rows: UsageRow[], answers: StoredAnswer[], groupBy: keyof typeof keyOf) {
    const expected = expectedRows(answers, keyOf[groupBy]);
    expect(rows.map((row) => row.key).sort()).toEqual([...expected.keys()].sort());
    const problems = [...expected.values()].flatMap((row) =>
      expectRowMatches(
        rows.find((actual) => actual.key === row.key),
        row,
      ),
    );
    expect(problems).toEqual([]);
  }

  it('sums every stored answer by model, bot, day and user exactly, with percentiles within 5 %', async () => {
    const answers = await storedAnswers(server.cachibot.database.db);
    // The data covers what the sums must get right.
    expect(new Set(answers.map((answer) => answer.day)).size).toBeGreaterThanOrEqual(4);
    expect(answers.some((answer) => answer.metadata.costUsd === undefined && answer.metadata.usage)).toBe(
      true,
    );
    expect(answers.some((answer) => answer.metadata.finishReason === 'cancelled')).toBe(true);
    expect(answers.some((answer) => answer.metadata.finishReason === 'error')).toBe(true);
    for (const groupBy of ['model', 'bot', 'day', 'user'] as const) {
      const body = await report(admin, `${RANGE}&groupBy=${groupBy}&scope=all`);
      expectMatches(body.rows, answers, groupBy);
      expect(
        expectRowMatches(body.totals, expectedRows(answers, () => 'total').get('total') as never),
      ).toEqual([]);
    }
  });

  it('splits each day by model', async () => {
    const answers = await storedAnswers(server.cachibot.database.db);
    const body = await report(admin, `${RANGE}&groupBy=day&scope=all`);
    expect(body.rows.map((row) => row.key)).toEqual([...body.rows.map((row) => row.key)].sort());
    for (const day of body.rows) {
      expectMatches(
        day.byModel ?? [],
        answers.filter((answer) => answer.day === day.key),
        'model',
      );
    }
  });

  it('shows each user only their own answers; everyone and by-user are for admins (403)', async () => {
    const answers = await storedAnswers(server.cachibot.database.db);
    for (const [index, client] of [admin, bob].entries()) {
      const own = answers.filter((answer) => answer.userId === owners[index]?.userId);
      expectMatches((await report(client, `${RANGE}&groupBy=bot`)).rows, own, 'bot');
      expectMatches((await report(client, `${RANGE}&groupBy=model&scope=me`)).rows, own, 'model');
    }
    const bobsBots = (await report(bob, `${RANGE}&groupBy=bot`)).rows.map((row) => row.key);
    expect(bobsBots.every((key) => owners[1]?.botIds.includes(key))).toBe(true);
    for (const query of ['scope=all', 'groupBy=user', 'groupBy=user&scope=me']) {
      const refused = await bob.get(`/api/usage?${query}`);
      expect(refused.status, query).toBe(403);
      expect(refused.body.error.code).toBe('forbidden');
      expect((await bob.get(`/api/usage.csv?${query}`)).status).toBe(403);
    }
    const byUser = await report(admin, `${RANGE}&groupBy=user&scope=all`);
    expect(byUser.rows.map((row) => row.label).sort()).toEqual(['admin', 'bob']);
    expect((await new (admin.constructor as typeof ApiClient)(server.url).get('/api/usage')).status).toBe(
      401,
    );
  });

  it('labels bots and models, and defaults to the current UTC month', async () => {
    const body = await report(admin, 'groupBy=bot');
    expect(body.from).toBe(`${thisMonth}-01`);
    expect(body.to).toBe(monthEnd(today));
    expect(body.rows.map((row) => row.label)).toContain('Second');
    const answers = (await storedAnswers(server.cachibot.database.db)).filter(
      (answer) => answer.userId === owners[0]?.userId && answer.day.startsWith(thisMonth),
    );
    expectMatches(body.rows, answers, 'bot');
    const models = await report(admin, 'groupBy=model');
    expect(models.rows.find((row) => row.key === 'openai/gpt-4o-mini')?.label).toBe('GPT-4o mini');
  });

  it('answers the same rows as CSV: a header line and one line per row', async () => {
    const json = await report(admin, `${RANGE}&groupBy=bot&scope=all`);
    const response = await fetch(`${server.url}/api/usage.csv?${RANGE}&groupBy=bot&scope=all`, {
      headers: { authorization: `Bearer ${admin.token}` },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(response.headers.get('content-disposition')).toContain(
      'attachment; filename="cachibot-usage-by-bot',
    );
    const lines = (await response.text()).trimEnd().split('\r\n');
    expect(lines[0]).toBe(
      'key,label,answers,inputTokens,outputTokens,cachedInputTokens,reasoningTokens,costUsd,unpricedAnswers,ttftMsP50,ttftMsP95,tokensPerSecondP50',
    );
    expect(lines).toHaveLength(json.rows.length + 1);
    for (const [index, row] of json.rows.entries()) {
      const cells = lines[index + 1]?.split(',') ?? [];
      expect(cells[0]).toBe(row.key);
      expect(Number(cells[2])).toBe(row.answers);
      expect(Number(cells[7])).toBe(row.costUsd);
      expect(cells[9]).toBe(row.ttftMsP50 === null ? '' : String(row.ttftMsP50));
    }
  });

  it('refuses bad queries with bad_request naming the field', async () => {
    const cases: [string, string][] = [
      ['groupBy=week', 'groupBy'],
      ['scope=everyone', 'scope'],
      ['from=2025-03-10&to=2025-03-01', 'from'],
      ['from=2024-01-01&to=2025-03-01', 'to'],
      ['from=2025-02-30', 'from'],
      ['from=yesterday', 'from'],
      ['to=2025-13-01', 'to'],
      ['limit=5', ''],
    ];
    for (const [query, field] of cases) {
      const response = await admin.get(`/api/usage?${query}`);
      expect(response.status, query).toBe(400);
      expect(response.body.error.code).toBe('bad_request');
      expect(response.body.error.details?.[0]?.path ?? '', query).toBe(field);
    }
    // 400 days, both ends included, is the most one query may cover.
    expect((await admin.get('/api/usage?from=2024-01-01&to=2025-02-03')).status).toBe(200);
    expect((await admin.get('/api/usage?from=2024-01-01&to=2025-02-04')).status).toBe(400);
  });

  it('counts an answer once when its record is stored again (the sums follow the new record)', async () => {
    const { db } = server.cachibot.database;
    const answer = await db
      .selectFrom('messages')
      .selectAll()
      .where('role', '=', 'assistant')
      .where('status', '=', 'complete')
      .where('metadata', 'like', '%gpt-4o-mini%')
      .executeTakeFirstOrThrow();
    const metadata = {
      ...JSON.parse(answer.metadata),
      model: 'openai/gpt-4o',
      usage: { inputTokens: 7, outputTokens: 3, totalTokens: 10 },
      costUsd: 0.000777,
      ttftMs: 12_345,
    };
    const { TurnRepository } = await import('../../src/turns/turn-repository.ts');
    await new TurnRepository(db).finishTurn(answer.turn_id as string, answer.chat_id, answer.id, [], {
      content: answer.content,
      status: 'complete',
      metadata,
      updatedAt: answer.updated_at,
    });
    const answers = await storedAnswers(db);
    for (const groupBy of ['model', 'day', 'bot'] as const)
      expectMatches((await report(admin, `${RANGE}&groupBy=${groupBy}&scope=all`)).rows, answers, groupBy);
  });

  it('backfills the answers stored before the usage table existed', async () => {
    const before = await report(admin, `${RANGE}&groupBy=day&scope=all`);
    const { db } = server.cachibot.database;
    await server.stop();
    // Undo migrations 0030 and 0031 on the stored data, then start again: they run and backfill.
    const reopened = await (await import('../../src/db/database.ts')).openDatabase({
      dataDir: server.dataDir,
      databaseUrl: pg ? 'postgres://postgres@127.0.0.1:5432/test' : undefined,
      pgSchema: pg?.schema,
    });
    expect(db).not.toBe(reopened.db);
    for (const table of ['usage_buckets', 'usage_daily', 'answer_usage', 'budgets'])
      await reopened.db.schema.dropTable(table).execute();
    await reopened.db
      .deleteFrom('kysely_migration' as never)
      .where('name' as never, 'in', ['0030_answer_usage_and_budgets', '0031_usage_rollups'] as never)
      .execute();
    await reopened.close();
    server = await start();
    admin.baseUrl !== server.url && Object.assign(admin, { baseUrl: server.url });
    expect(await report(admin, `${RANGE}&groupBy=day&scope=all`)).toEqual(before);
  });
});
