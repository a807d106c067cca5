import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError, describeError, NetworkError } from './api-error.ts';
import { apiRequest, setUnauthorizedHandler } from './rest-client.ts';

afterEach(() => setUnauthorizedHandler(undefined));

function respond(status: number, body?: unknown, headers: Record<string, string> = {}) {
  const fetch = vi.fn(
    async () => new Response(body === undefined ? null : JSON.stringify(body), { status, headers }),
  );
  vi.stubGlobal('fetch', fetch);
  return fetch;
}

describe('apiRequest', () => {
  it('sends JSON with the session cookie and returns the parsed body', async () => {
    const fetch = respond(201, { id: 'b1' });
    await expect(
      apiRequest('POST', '/api/bots', { body: { name: 'x' }, query: { a: 1, b: undefined } }),
    ).resolves.toEqual({ id: 'b1' });
    expect(fetch).toHaveBeenCalledWith(
      '/api/bots?a=1',
      expect.objectContaining({ method: 'POST', credentials: 'same-origin', body: '{"name":"x"}' }),
    );
  });

  it('returns nothing for 204', async () => {
    respond(204);
    await expect(apiRequest('DELETE', '/api/chats/1')).resolves.toBeUndefined();
  });

  it("turns the contract's error body into a typed ApiError", async () => {
    respond(429, { error: { code: 'rate_limited', message: 'Slow down' } }, { 'Retry-After': '30' });
    const error = await apiRequest('GET', '/api/bots').catch((caught: unknown) => caught);
    expect(ApiError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ status: 429, code: 'rate_limited', retryAfterSeconds: 30 });
    expect(describeError(error)).toBe('Slow down (try again in 30 s)');
  });

  it('reports a lost session once, but not for wrong credentials at login', async () => {
    const onUnauthorized = vi.fn();
    setUnauthorizedHandler(onUnauthorized);
    respond(401, { error: { code: 'unauthorized', message: 'Log in first' } });
    await expect(apiRequest('GET', '/api/bots')).rejects.toThrow('Log in first');
    await expect(apiRequest('POST', '/api/auth/login', { skipUnauthorizedHandler: true })).rejects.toThrow();
    expect(onUnauthorized).toHaveBeenCalledTimes(1);
  });

  it('raises NetworkError when the server cannot be reached or answers garbage', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(async () => Promise.reject(new TypeError('Failed to fetch'))),
    );
    expect(NetworkError.isInstance(await apiRequest('GET', '/x').catch((e: unknown) => e))).toBe(true);
    vi.stubGlobal(
      'fetch',
      vi.fn(async () => new Response('<html>', { status: 200 })),
    );
    expect(NetworkError.isInstance(await apiRequest('GET', '/x').catch((e: unknown) => e))).toBe(true);
    vi.stubGlobal(
      'fetch',
      vi.fn(async () => new Response('Bad gateway', { status: 502 })),
    );
    expect(await apiRequest('GET', '/x').catch((e: unknown) => e)).toMatchObject({
      status: 502,
      code: 'internal',
    });
  });
});
