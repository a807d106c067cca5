import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiClient, setupAdmin } from '../support/api-client.ts';
import { removeDir, startServer, type TestServer } from '../support/server.ts';

const LISTED_ORIGIN = 'http://app.example.test';
const SIBLING_ORIGIN = 'http://evil.127.0.0.1.example.test';

describe.each(['sqlite', 'postgres'] as const)('cookie-authenticated writes on %s', (engine) => {
  let server: TestServer;
  let admin: ApiClient;

  beforeAll(async () => {
    server = await startServer({ engine, env: { CACHIBOT_ALLOWED_ORIGINS: LISTED_ORIGIN } });
    admin = await setupAdmin(server.url);
  });
  afterAll(async () => {
    await server.stop();
    removeDir(server.dataDir);
  });

  /** A fresh browser session: its cookie, and its token (for the bearer case). */
  const session = async () => {
    const response = await fetch(`${server.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: 'correct horse battery' }),
    });
    expect(response.status).toBe(200);
    const cookie = (response.headers.get('set-cookie') ?? '').split(';')[0] as string;
    const { accessToken } = (await response.json()) as { accessToken: string };
    return { cookie, token: accessToken };
  };
  const send = (method: string, path: string, headers: Record<string, string>, body?: string) =>
    fetch(`${server.url}${path}`, { method, headers, body });
  const stillLoggedIn = async (cookie: string) =>
    (await send('GET', '/api/auth/status', { cookie })).json().then((status) => status.user !== null);

  it('refuses a body-less logout from a sibling origin and keeps the session', async () => {
    const { cookie } = await session();
    const answer = await send('POST', '/api/auth/logout', {
      cookie,
      origin: SIBLING_ORIGIN,
      'sec-fetch-site': 'same-site',
    });
    expect(answer.status).toBe(403);
    expect((await answer.json()).error.code).toBe('forbidden');
    expect(await stillLoggedIn(cookie)).toBe(true);
  });

  it('refuses a body-less cookie write that shows no origin at all', async () => {
    const { cookie } = await session();
    expect((await send('POST', '/api/auth/logout', { cookie })).status).toBe(403);
    expect(await stillLoggedIn(cookie)).toBe(true);
  });

  it('refuses a cross-site DELETE by cookie and keeps the bot', async () => {
    const { cookie } = await session();
    const bot = (await admin.post('/api/bots', { name: 'Keep me' })).body;
    const answer = await send('DELETE', `/api/bots/${bot.id}`, { cookie, origin: SIBLING_ORIGIN });
    expect(answer.status).toBe(403);
    expect((await admin.get(`/api/bots/${bot.id}`)).status).toBe(200);
  });

  it('lets the same origin, Sec-Fetch-Site: same-origin, a listed origin and JSON bodies through', async () => {
    const sameOrigin = await session();
    expect(
      (await send('POST', '/api/auth/logout', { cookie: sameOrigin.cookie, origin: server.url })).status,
    ).toBe(204);
    expect(await stillLoggedIn(sameOrigin.cookie)).toBe(false);

    const fetchMetadata = await session();
    expect(
      (
        await send('POST', '/api/auth/logout', {
          cookie: fetchMetadata.cookie,
          'sec-fetch-site': 'same-origin',
        })
      ).status,
    ).toBe(204);

    const listed = await session();
    expect(
      (await send('POST', '/api/auth/logout', { cookie: listed.cookie, origin: LISTED_ORIGIN })).status,
    ).toBe(204);

    const json = await session();
    const created = await send(
      'POST',
      '/api/bots',
      { cookie: json.cookie, 'content-type': 'application/json; charset=utf-8' },
      JSON.stringify({ name: 'By cookie, as JSON' }),
    );
    expect(created.status).toBe(201);
  });

  it('exempts bearer-token requests, and reads by cookie stay open', async () => {
    const { cookie, token } = await session();
    expect((await send('GET', '/api/bots', { cookie, origin: SIBLING_ORIGIN })).status).toBe(200);
    const answer = await send('POST', '/api/auth/logout', {
      authorization: `Bearer ${token}`,
      origin: SIBLING_ORIGIN,
    });
    expect(answer.status).toBe(204);
    expect(await stillLoggedIn(cookie)).toBe(false);
  });
});
