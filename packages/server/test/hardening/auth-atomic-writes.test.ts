import { PROVIDER_IDS } from '@cachibot/protocol';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OpenedDatabase } from '../../src/db/database.ts';
import { ApiClient, setupAdmin } from '../support/api-client.ts';
import { removeDir, startServer, type TestServer } from '../support/server.ts';

const PASSWORD = 'correct horse battery';

/**
 * Makes every `op` on `table` fail inside the database (a trigger), so that a multi-step write can be
 * interrupted between its steps. Returns the undo.
 */
async function failEvery(
  database: OpenedDatabase,
  op: 'insert' | 'delete',
  table: string,
): Promise<() => Promise<void>> {
  const { db, dialect } = database;
  const name = `inject_${op}_${table}`;
  if (dialect === 'sqlite') {
    await sql
      .raw(
        `create trigger ${name} before ${op} on ${table} begin select raise(abort, 'injected failure'); end`,
      )
      .execute(db);
    return async () => {
      await sql.raw(`drop trigger ${name}`).execute(db);
    };
  }
  await sql
    .raw(
      `create function ${name}() returns trigger language plpgsql as $$ begin raise exception 'injected failure'; end $$`,
    )
    .execute(db);
  await sql
    .raw(`create trigger ${name} before ${op} on ${table} for each row execute function ${name}()`)
    .execute(db);
  return async () => {
    await sql.raw(`drop trigger ${name} on ${table}`).execute(db);
    await sql.raw(`drop function ${name}()`).execute(db);
  };
}

const count = async (database: OpenedDatabase, table: 'users' | 'bots' | 'sessions') =>
  Number(
    (
      await database.db
        .selectFrom(table)
        .select((eb) => eb.fn.countAll<string | number>().as('n'))
        .executeTakeFirstOrThrow()
    ).n,
  );

describe.each(['sqlite', 'postgres'] as const)('atomic account writes on %s', (engine) => {
  describe('first-run setup', () => {
    let server: TestServer;
    beforeAll(async () => {
      server = await startServer({ engine });
    });
    afterAll(async () => {
      await server.stop();
      removeDir(server.dataDir);
    });

    it('creates exactly one admin when 10 setups arrive at once', async () => {
      const answers = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          new ApiClient(server.url).post('/api/auth/setup', { username: `admin${i}`, password: PASSWORD }),
        ),
      );
      const statuses = answers.map((answer) => answer.status).sort();
      expect(statuses).toEqual([201, 409, 409, 409, 409, 409, 409, 409, 409, 409]);
      expect(answers.filter((a) => a.status === 409).every((a) => a.body.error.code === 'conflict')).toBe(
        true,
      );
      const { database } = server.cachibot;
      expect(await count(database, 'users')).toBe(1);
      expect(await count(database, 'bots')).toBe(1);
      const winner = answers.find((answer) => answer.status === 201);
      const users = await new ApiClient(server.url, winner?.body.accessToken).get('/api/users');
      expect(users.body.users).toHaveLength(1);
      expect(users.body.users[0].role).toBe('admin');
    });
  });

  describe('a user and its default bot, a password change and the other sessions', () => {
    let server: TestServer;
    beforeAll(async () => {
      server = await startServer({ engine });
    });
    afterAll(async () => {
      await server.stop();
      removeDir(server.dataDir);
    });

    it('leaves no admin behind when storing the default bot fails during setup, so setup can be retried', async () => {
      const { database } = server.cachibot;
      const undo = await failEvery(database, 'insert', 'bots');
      const failed = await new ApiClient(server.url).post('/api/auth/setup', {
        username: 'admin',
        password: PASSWORD,
      });
      await undo();
      expect(failed.status).toBe(500);
      expect(await count(database, 'users')).toBe(0);
      expect((await new ApiClient(server.url).get('/api/auth/status')).body.setupRequired).toBe(true);
      await setupAdmin(server.url);
      expect(await count(database, 'users')).toBe(1);
      expect(await count(database, 'bots')).toBe(1);
    });

    it('creates a user together with its default bot, or neither', async () => {
      const { database } = server.cachibot;
      const admin = await login(server, 'admin', PASSWORD);
      const undo = await failEvery(database, 'insert', 'bots');
      const failed = await admin.post('/api/users', { username: 'carol', password: 'carol password' });
      await undo();
      expect(failed.status).toBe(500);
      const names = (await admin.get('/api/users')).body.users.map((u: { username: string }) => u.username);
      expect(names).toEqual(['admin']);
      // The name is free again, and the retried user gets its bot.
      expect((await admin.post('/api/users', { username: 'carol', password: 'carol password' })).status).toBe(
        201,
      );
      const carol = await login(server, 'carol', 'carol password');
      expect((await carol.get('/api/bots')).body.bots).toHaveLength(1);
    });

    it('keeps the old password when ending the other sessions fails', async () => {
      const { database } = server.cachibot;
      const current = await login(server, 'admin', PASSWORD);
      const other = await login(server, 'admin', PASSWORD);
      const undo = await failEvery(database, 'delete', 'sessions');
      const failed = await current.post('/api/auth/password', {
        currentPassword: PASSWORD,
        newPassword: 'a brand new password',
      });
      await undo();
      expect(failed.status).toBe(500);
      // Neither half happened: the other session still works and the old password still logs in.
      expect((await other.get('/api/bots')).status).toBe(200);
      const again = await new ApiClient(server.url).post('/api/auth/login', {
        username: 'admin',
        password: PASSWORD,
      });
      expect(again.status).toBe(200);
    });
  });

  describe('per-bot provider settings', () => {
    let server: TestServer;
    let admin: ApiClient;
    let botId: string;
    beforeAll(async () => {
      server = await startServer({ engine });
      admin = await setupAdmin(server.url);
      botId = (await admin.get('/api/bots')).body.bots[0].id;
    });
    afterAll(async () => {
      await server.stop();
      removeDir(server.dataDir);
    });

    it('keeps both fields when a key and a base URL are saved for the same provider at once', async () => {
      for (let round = 0; round < 3; round++) {
        const answers = await Promise.all(
          PROVIDER_IDS.flatMap((provider) => [
            admin.request('PUT', `/api/bots/${botId}/providers/${provider}`, {
              apiKey: `sk-${provider}-${round}-secret`,
            }),
            admin.request('PUT', `/api/bots/${botId}/providers/${provider}`, {
              baseURL: `http://127.0.0.1:9/${provider}/${round}`,
            }),
          ]),
        );
        expect(answers.map((answer) => answer.status)).toEqual(answers.map(() => 200));
        const listed = (await admin.get(`/api/bots/${botId}/providers`)).body.providers;
        expect(listed).toHaveLength(PROVIDER_IDS.length);
        for (const setting of listed) {
          expect(setting).toMatchObject({
            apiKeySet: true,
            apiKeyLast4: 'cret',
            baseURL: `http://127.0.0.1:9/${setting.provider}/${round}`,
          });
        }
      }
    });

    it('answers a single upsert with the stored row, keeping what the body leaves out', async () => {
      const put = await admin.request('PUT', `/api/bots/${botId}/providers/openai`, {
        apiKey: 'sk-only-1234',
      });
      expect(put.status).toBe(200);
      expect(put.body).toMatchObject({
        provider: 'openai',
        apiKeySet: true,
        apiKeyLast4: '1234',
        baseURL: 'http://127.0.0.1:9/openai/2',
      });
    });
  });
});

async function login(server: TestServer, username: string, password: string): Promise<ApiClient> {
  const client = new ApiClient(server.url);
  const answer = await client.post('/api/auth/login', { username, password });
  if (answer.status !== 200) throw new Error(`login failed: ${answer.status}`);
  client.token = answer.body.accessToken;
  return client;
}
