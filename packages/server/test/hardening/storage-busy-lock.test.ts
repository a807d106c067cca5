import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import SQLite from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiClient, setupAdmin } from '../support/api-client.ts';
import { removeDir, startServer, type TestServer } from '../support/server.ts';

/**
 * Another process's write lock on cachibot.db, held by a second connection (SQLite locks between
 * connections exactly as between processes). The server's writes must wait without freezing it.
 */
let server: TestServer;
let admin: ApiClient;
let holder: SQLite.Database;

beforeAll(async () => {
  server = await startServer();
  admin = await setupAdmin(server.url);
  holder = new SQLite(path.join(server.dataDir, 'cachibot.db'));
});
afterAll(async () => {
  if (holder.inTransaction) holder.exec('ROLLBACK');
  holder.close();
  await server.stop();
  removeDir(server.dataDir);
});

const health = async () => {
  const started = performance.now();
  const response = await fetch(`${server.url}/api/health`);
  expect(response.status).toBe(200);
  return performance.now() - started;
};

describe('a SQLite write lock held by another process', () => {
  it('keeps /api/health answering at once while a write waits, and the write completes after the lock is gone', async () => {
    holder.exec('BEGIN IMMEDIATE');
    const loop = monitorEventLoopDelay({ resolution: 10 });
    loop.enable();
    let settled = false;
    const write = admin.post('/api/bots', { name: 'Written after the lock' }).finally(() => {
      settled = true;
    });
    // Health checks for a while (at least 20 of them and 600 ms) with the write stuck behind the lock.
    const latencies: number[] = [];
    const started = performance.now();
    while (latencies.length < 20 || performance.now() - started < 600) latencies.push(await health());
    loop.disable();
    const stuck = !settled;
    holder.exec('COMMIT');
    // Before, SQLite's busy wait slept inside the call: the whole process stood still for 5 s.
    expect(Math.max(...latencies)).toBeLessThan(1_500);
    expect(loop.max / 1e6).toBeLessThan(1_500);
    expect(stuck).toBe(true); // the write was waiting for the lock all along
    const created = await write;
    expect(created.status).toBe(201);
    expect(created.body.name).toBe('Written after the lock');
  });

  it('answers a write that cannot get the lock in time with a clear unavailable, not a hang or internal', async () => {
    holder.exec('BEGIN IMMEDIATE');
    const started = performance.now();
    const [refused, ...latencies] = await Promise.all([
      admin.post('/api/bots', { name: 'Never written' }),
      health(),
      health(),
    ]);
    const elapsed = performance.now() - started;
    holder.exec('ROLLBACK');
    expect(Math.max(...(latencies as number[]))).toBeLessThan(1_500);
    expect(refused.status).toBe(503);
    expect(refused.body.error.code).toBe('unavailable');
    expect(refused.body.error.message).toMatch(/locked by another process/);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(elapsed).toBeGreaterThan(4_000); // it did wait, about 5 s
    expect(elapsed).toBeLessThan(15_000);
    // Nothing half-written, and the next write goes through.
    const names = (await admin.get('/api/bots')).body.bots.map((bot: { name: string }) => bot.name);
    expect(names).not.toContain('Never written');
    expect((await admin.post('/api/bots', { name: 'After' })).status).toBe(201);
  });
});
