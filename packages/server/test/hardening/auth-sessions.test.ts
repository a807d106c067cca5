import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_SESSIONS_PER_USER } from '../../src/auth/auth-service.ts';
import { ApiClient, setupAdmin } from '../support/api-client.ts';
import { removeDir, startServer, type TestServer } from '../support/server.ts';
import { WsClient } from '../support/ws-client.ts';

const PASSWORD = 'a sessions password';

describe.each(['sqlite', 'postgres'] as const)('sessions on %s', (engine) => {
  let server: TestServer;
  let admin: ApiClient;
  let userCounter = 0;

  beforeAll(async () => {
    server = await startServer({ engine, env: { CACHIBOT_TRUST_PROXY: '127.0.0.1' } });
    admin = await setupAdmin(server.url);
  });
  afterAll(async () => {
    await server.stop();
    removeDir(server.dataDir);
  });

  const newUser = async () => {
    const username = `sessions${++userCounter}`;
    expect((await admin.post('/api/users', { username, password: PASSWORD })).status).toBe(201);
    const row = await server.cachibot.database.db
      .selectFrom('users')
      .select('id')
      .where('username', '=', username)
      .executeTakeFirstOrThrow();
    return { username, id: row.id };
  };
  const login = async (username: string) => {
    const client = new ApiClient(server.url);
    const answer = await client.post('/api/auth/login', { username, password: PASSWORD });
    expect(answer.status).toBe(200);
    client.token = answer.body.accessToken;
    return client;
  };
  const sessionCount = async (userId: string) =>
    (
      await server.cachibot.database.db
        .selectFrom('sessions')
        .select('id')
        .where('user_id', '=', userId)
        .execute()
    ).length;

  it('deletes expired sessions when someone logs in', async () => {
    const user = await newUser();
    const { db } = server.cachibot.database;
    await db
      .insertInto('sessions')
      .values([
        {
          id: 'expired-1',
          user_id: user.id,
          created_at: '2020-01-01T00:00:00.000Z',
          expires_at: '2020-01-31T00:00:00.000Z',
        },
        {
          id: 'expired-2',
          user_id: user.id,
          created_at: '2021-01-01T00:00:00.000Z',
          expires_at: '2021-01-31T00:00:00.000Z',
        },
      ])
      .execute();
    await login(user.username);
    const left = await db.selectFrom('sessions').select('id').where('id', 'like', 'expired-%').execute();
    expect(left).toEqual([]);
    expect(await sessionCount(user.id)).toBe(1);
  });

  it(`keeps at most ${MAX_SESSIONS_PER_USER} sessions per user, ending the oldest and closing its socket`, async () => {
    const user = await newUser();
    const oldest = await login(user.username);
    const second = await login(user.username);
    const socket = await WsClient.connect(server.wsUrl, oldest.token as string);
    const closed = new Promise<number>((resolve) => socket.socket.once('close', (code) => resolve(code)));
    const later: ApiClient[] = [];
    for (let i = 0; i < MAX_SESSIONS_PER_USER - 1; i++) later.push(await login(user.username));
    expect(await closed).toBe(1008);
    expect((await oldest.get('/api/bots')).status).toBe(401);
    expect((await second.get('/api/bots')).status).toBe(200);
    expect(await sessionCount(user.id)).toBe(MAX_SESSIONS_PER_USER);
    await later[0]?.post('/api/auth/logout');
    expect(await sessionCount(user.id)).toBe(MAX_SESSIONS_PER_USER - 1);
  });

  it('holds the cap when logins of one user arrive at once', async () => {
    const user = await newUser();
    for (let i = 0; i < MAX_SESSIONS_PER_USER - 5; i++) await login(user.username);
    // Ten at once, each from an address of its own (the test server trusts its loopback proxy).
    const answers = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        new ApiClient(server.url).request(
          'POST',
          '/api/auth/login',
          { username: user.username, password: PASSWORD },
          { 'x-forwarded-for': `203.0.113.${i + 1}` },
        ),
      ),
    );
    expect(answers.map((answer) => answer.status)).toEqual(answers.map(() => 200));
    expect(await sessionCount(user.id)).toBe(MAX_SESSIONS_PER_USER);
  });
});
