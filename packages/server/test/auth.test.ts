import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, createUser, setupAdmin } from './support/api-client.ts';
import { removeDir, startServer, type TestServer } from './support/server.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  await server.stop();
  removeDir(server.dataDir);
});

describe('accounts and sessions', () => {
  it('asks for setup on a fresh install, then refuses a second setup', async () => {
    const anonymous = new ApiClient(server.url);
    expect((await anonymous.get('/api/auth/status')).body).toEqual({ setupRequired: true, user: null });
    const admin = await setupAdmin(server.url);
    const status = await admin.get('/api/auth/status');
    expect(status.body.setupRequired).toBe(false);
    expect(status.body.user).toMatchObject({ username: 'admin', role: 'admin' });
    const again = await anonymous.post('/api/auth/setup', { username: 'other', password: 'long enough pw' });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('conflict');
  });

  it('logs in with an httpOnly SameSite=Lax cookie that authenticates REST calls', async () => {
    const response = await fetch(`${server.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: 'correct horse battery' }),
    });
    expect(response.status).toBe(200);
    const cookie = response.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/cachibot_session=/);
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    const bots = await fetch(`${server.url}/api/bots`, {
      headers: { cookie: cookie.split(';')[0] as string },
    });
    expect(bots.status).toBe(200);
  });

  it('answers wrong credentials with 401 and names no detail', async () => {
    const result = await new ApiClient(server.url).post('/api/auth/login', {
      username: 'admin',
      password: 'wrong password',
    });
    expect(result.status).toBe(401);
    expect(result.body.error.code).toBe('unauthorized');
  });

  it('rejects unauthenticated calls and invalid tokens', async () => {
    expect((await new ApiClient(server.url).get('/api/bots')).status).toBe(401);
    expect((await new ApiClient(server.url, 'not-a-token').get('/api/bots')).status).toBe(401);
  });

  it('ends the session on logout', async () => {
    const client = new ApiClient(server.url);
    const login = await client.post('/api/auth/login', {
      username: 'admin',
      password: 'correct horse battery',
    });
    client.token = login.body.accessToken;
    expect((await client.get('/api/bots')).status).toBe(200);
    expect((await client.post('/api/auth/logout')).status).toBe(204);
    expect((await client.get('/api/bots')).status).toBe(401);
  });

  it('lets only the admin manage users, and gives each user a default bot', async () => {
    const admin = new ApiClient(server.url);
    admin.token = (
      await admin.post('/api/auth/login', { username: 'admin', password: 'correct horse battery' })
    ).body.accessToken;
    const bob = await createUser(admin, 'bob');
    expect((await bob.get('/api/users')).status).toBe(403);
    const users = await admin.get('/api/users');
    expect(users.body.users.map((user: { username: string }) => user.username)).toEqual(['admin', 'bob']);
    expect(users.body.users[0]).not.toHaveProperty('password_hash');
    const bots = await bob.get('/api/bots');
    expect(bots.body.bots).toHaveLength(1);
    expect(bots.body.bots[0].name).toBe('Cachibot');
    const duplicate = await admin.post('/api/users', { username: 'bob', password: 'another good password' });
    expect(duplicate.status).toBe(409);
  });

  it('validates credentials and names the wrong field', async () => {
    // (A short password at login is no longer a 400: it is a wrong password, counted toward the limit.)
    const result = await new ApiClient(server.url).post('/api/auth/login', {
      username: 'not a valid name!',
      password: 'correct horse battery',
    });
    expect(result.status).toBe(400);
    expect(result.body.error.details[0].path).toBe('username');
  });
  it('rate-limits repeated login failures with Retry-After (runs last: it blocks this IP for a minute)', async () => {
    const client = new ApiClient(server.url);
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) {
      statuses.push(
        (await client.post('/api/auth/login', { username: 'nobody-here', password: 'wrong password' }))
          .status,
      );
    }
    expect(statuses.slice(0, 4).every((status) => status === 401)).toBe(true);
    const limited = await client.post('/api/auth/login', {
      username: 'nobody-here',
      password: 'wrong password',
    });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
  });
});

describe('behind a TLS-terminating reverse proxy', () => {
  const login = (url: string) =>
    fetch(`${url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-proto': 'https' },
      body: JSON.stringify({ username: 'admin', password: 'correct horse battery' }),
    });

  it('marks the session cookie Secure only when the proxy is trusted (CACHIBOT_TRUST_PROXY)', async () => {
    const trusted = await startServer({ env: { CACHIBOT_TRUST_PROXY: 'loopback' } });
    const direct = await startServer();
    try {
      for (const each of [trusted, direct]) await setupAdmin(each.url);
      const viaProxy = await login(trusted.url);
      expect(viaProxy.status).toBe(200);
      expect(viaProxy.headers.get('set-cookie') ?? '').toMatch(/;\s*Secure/i);
      // Without the setting a client cannot claim https by sending the header itself.
      const spoofed = await login(direct.url);
      expect(spoofed.status).toBe(200);
      expect(spoofed.headers.get('set-cookie') ?? '').toMatch(/cachibot_session=/);
      expect(spoofed.headers.get('set-cookie') ?? '').not.toMatch(/;\s*Secure/i);
    } finally {
      for (const each of [trusted, direct]) {
        await each.stop();
        removeDir(each.dataDir);
      }
    }
  });
});
