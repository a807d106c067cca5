import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LoginThrottle } from '../../src/auth/login-limiter.ts';
import { type ApiClient, setupAdmin } from '../support/api-client.ts';
import { removeDir, startServer, type TestServer } from '../support/server.ts';

const PASSWORD = 'the real password';
let addressCounter = 0;
/** A fresh client address: the test server trusts its loopback proxy, so X-Forwarded-For is the client. */
const newAddress = () => {
  addressCounter++;
  return `198.51.${Math.floor(addressCounter / 250)}.${(addressCounter % 250) + 1}`;
};

describe.each(['sqlite', 'postgres'] as const)('login limits on %s', (engine) => {
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

  /** A user of its own per test, so that one test's failures do not limit another's. */
  const newUser = async () => {
    const username = `user${++userCounter}`;
    const created = await admin.post('/api/users', { username, password: PASSWORD });
    expect(created.status).toBe(201);
    return username;
  };
  const login = async (username: string, password: string, address: string) => {
    const started = performance.now();
    const response = await fetch(`${server.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': address },
      body: JSON.stringify({ username, password }),
    });
    const body = await response.json();
    return {
      status: response.status,
      body,
      ms: performance.now() - started,
      retryAfter: response.headers.get('retry-after'),
    };
  };

  it('counts a wrong password of any length toward the limit', async () => {
    const username = await newUser();
    const address = newAddress();
    const wrong = ['x', '', 'short', 'y'.repeat(300), 'a wrong password'];
    const answers = [];
    for (const password of wrong) answers.push(await login(username, password, address));
    expect(answers.map((answer) => answer.status)).toEqual([401, 401, 401, 401, 401]);
    expect(answers.every((answer) => answer.body.error.code === 'unauthorized')).toBe(true);
    // Five wrong tries used this address's budget for this user: even the right password waits now.
    const sixth = await login(username, PASSWORD, address);
    expect(sixth.status).toBe(429);
    expect(Number(sixth.retryAfter)).toBeGreaterThan(0);
  });

  it('lets no more than 5 of 20 parallel guesses from one address through', async () => {
    const username = await newUser();
    const address = newAddress();
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) => login(username, `wrong guess ${i}`, address)),
    );
    const statuses = answers.map((answer) => answer.status);
    expect(statuses.filter((status) => status === 401)).toHaveLength(5);
    expect(statuses.filter((status) => status === 429)).toHaveLength(15);
  });

  it('does not lock the real user out from another address after 5 bad guesses from one', async () => {
    const username = await newUser();
    const attacker = newAddress();
    for (let i = 0; i < 5; i++) expect((await login(username, `bad guess ${i}`, attacker)).status).toBe(401);
    expect((await login(username, 'bad guess 6', attacker)).status).toBe(429);
    const real = await login(username, PASSWORD, newAddress());
    expect(real.status).toBe(200);
    expect(real.body.user.username).toBe(username);
  });

  it('backs off per username across addresses, but lets an address it logged in from before through', async () => {
    const username = await newUser();
    const home = newAddress();
    expect((await login(username, PASSWORD, home)).status).toBe(200);
    // One guess each from many addresses: the username starts to back off after 10 of them.
    const statuses = [];
    for (let i = 0; i < 12; i++)
      statuses.push((await login(username, `sprayed guess ${i}`, newAddress())).status);
    expect(statuses.slice(0, 10)).toEqual(Array(10).fill(401));
    expect(statuses.slice(10)).toEqual([429, 429]);
    expect((await login(username, PASSWORD, newAddress())).status).toBe(429);
    // The address the user logged in from before is not held back by the others' failures.
    const again = await login(username, PASSWORD, home);
    expect(again.status).toBe(200);
  });

  it('takes as long for an unknown username as for a wrong password (a dummy hash is verified)', async () => {
    const username = await newUser();
    const known: number[] = [];
    const unknown: number[] = [];
    for (let i = 0; i < 5; i++) {
      const a = await login(username, `wrong password ${i}`, newAddress());
      const b = await login(`nobody-${engine}-${i}`, `wrong password ${i}`, newAddress());
      expect([a.status, b.status]).toEqual([401, 401]);
      expect(b.body).toEqual(a.body);
      known.push(a.ms);
      unknown.push(b.ms);
    }
    const median = (values: number[]) =>
      [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)] ?? 0;
    // Without the dummy verify an unknown name answered in a few ms against a scrypt's ~100 ms; a
    // generous band keeps a busy machine from failing the test while still catching that.
    const ratio = median(unknown) / median(known);
    expect(ratio).toBeGreaterThan(0.3);
    expect(ratio).toBeLessThan(3.3);
  });
});

describe('the login throttle', () => {
  it('holds a bounded number of keys however many usernames and addresses are tried', () => {
    const throttle = new LoginThrottle({ maxKeys: 500 });
    for (let i = 0; i < 5_000; i++) throttle.admit(`name-${i}`, `10.0.${i >> 8}.${i & 255}`);
    for (let i = 0; i < 2_000; i++) throttle.succeeded(`real-${i}`, '10.9.9.9');
    const sizes = throttle.sizes();
    expect(Math.max(sizes.pairs, sizes.addresses, sizes.usernames, sizes.trusted)).toBeLessThanOrEqual(500);
    // The default bound holds as well.
    const defaults = new LoginThrottle();
    for (let i = 0; i < 25_000; i++) defaults.admit(`n${i}`, `a${i}`);
    expect(Math.max(...Object.values(defaults.sizes()))).toBeLessThanOrEqual(10_000);
  });

  it('lets the user back in after the window passes, and backs off 1 s, 2 s, 4 s … per username', () => {
    let now = 0;
    const throttle = new LoginThrottle({ now: () => now });
    for (let i = 0; i < 5; i++) expect(throttle.admit('alice', 'a')).toBe(0);
    expect(throttle.admit('alice', 'a')).toBe(60);
    now += 60_001;
    expect(throttle.admit('alice', 'a')).toBe(0);
    for (let i = 0; i < 4; i++) expect(throttle.admit('alice', `b${i}`)).toBe(0);
    // 10 failures of alice in 15 minutes: each further try waits twice as long as the one before.
    expect(throttle.admit('alice', 'c')).toBe(1);
    now += 1_000;
    expect(throttle.admit('alice', 'c')).toBe(0);
    expect(throttle.admit('alice', 'd')).toBe(2);
    now += 2_000;
    expect(throttle.admit('alice', 'd')).toBe(0);
    expect(throttle.admit('alice', 'e')).toBe(4);
  });
});
