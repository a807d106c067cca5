import { chmodSync, existsSync, mkdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ApiClient, setupAdmin } from '../support/api-client.ts';
import { type ServerProcess, spawnServer } from '../support/process.ts';
import { createPgSchema, removeDir, startServer, tempDataDir } from '../support/server.ts';

const mode = (file: string) => statSync(file).mode & 0o777;
const octal = (value: number) => `0${value.toString(8)}`;
const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) removeDir(dir);
});
const stopProcess = async (server: ServerProcess) => {
  server.child.kill('SIGTERM');
  await server.exited;
};

describe('the data directory on disk', () => {
  it('is created 0700 with the database files and secret.key 0600, by the real server process', async () => {
    const parent = tempDataDir();
    dirs.push(parent);
    const dataDir = path.join(parent, 'fresh', 'data'); // does not exist yet
    const server = await spawnServer(dataDir, {});
    try {
      const admin = await setupAdmin(server.url);
      const botId = (await admin.get('/api/bots')).body.bots[0].id;
      expect(
        (await admin.request('PUT', `/api/bots/${botId}/providers/openai`, { apiKey: 'sk-file-modes-1234' }))
          .status,
      ).toBe(200);
      const files = ['cachibot.db', 'cachibot.db-wal', 'cachibot.db-shm', 'secret.key'];
      for (const file of files) expect(existsSync(path.join(dataDir, file)), file).toBe(true);
      expect(octal(mode(dataDir))).toBe('0700');
      for (const file of files) expect([file, octal(mode(path.join(dataDir, file)))]).toEqual([file, '0600']);
    } finally {
      await stopProcess(server);
    }
  });

  it('tightens database files an older version left readable by everyone', async () => {
    const dataDir = tempDataDir();
    dirs.push(dataDir);
    const first = await spawnServer(dataDir, {});
    await setupAdmin(first.url);
    await stopProcess(first);
    for (const file of ['cachibot.db', 'secret.key']) chmodSync(path.join(dataDir, file), 0o644);
    writeFileSync(path.join(dataDir, 'cachibot.db-wal'), '', { mode: 0o644 });
    chmodSync(path.join(dataDir, 'cachibot.db-wal'), 0o644);
    const second = await spawnServer(dataDir, {});
    try {
      const login = await new ApiClient(second.url).post('/api/auth/login', {
        username: 'admin',
        password: 'correct horse battery',
      });
      expect(login.status).toBe(200);
      for (const file of ['cachibot.db', 'cachibot.db-wal', 'cachibot.db-shm', 'secret.key']) {
        expect([file, octal(mode(path.join(dataDir, file)))]).toEqual([file, '0600']);
      }
    } finally {
      await stopProcess(second);
    }
  });
});

describe.each(['sqlite', 'postgres'] as const)('a missing secret.key on %s', (engine) => {
  it('stops the start, saying what to do, when sealed keys exist; never makes a new key', async () => {
    const dataDir = tempDataDir();
    dirs.push(dataDir);
    const keyFile = path.join(dataDir, 'secret.key');
    const pg = engine === 'postgres' ? await createPgSchema() : undefined;
    const start = () => startServer({ dataDir, pgSchema: pg?.schema });
    const first = await start();
    const admin = await setupAdmin(first.url);
    const botId = (await admin.get('/api/bots')).body.bots[0].id;
    expect(
      (await admin.request('PUT', `/api/bots/${botId}/providers/openai`, { apiKey: 'sk-sealed-5678' }))
        .status,
    ).toBe(200);
    await first.stop();
    renameSync(keyFile, `${keyFile}.backup`);

    await expect(start()).rejects.toThrow(/secret\.key is missing.*1 provider API key.*Restore secret\.key/s);
    expect(existsSync(keyFile)).toBe(false);

    // With the key restored the same data starts and the saved key opens again.
    renameSync(`${keyFile}.backup`, keyFile);
    const restored = await start();
    try {
      const client = new ApiClient(restored.url);
      const login = await client.post('/api/auth/login', {
        username: 'admin',
        password: 'correct horse battery',
      });
      expect(login.status).toBe(200);
      expect(
        await restored.cachibot.database.db
          .selectFrom('bot_provider_settings')
          .select('api_key_last4')
          .execute(),
      ).toEqual([{ api_key_last4: '5678' }]);
    } finally {
      await restored.stop();
      await pg?.drop();
    }
  });

  it('creates the key on a first start (no sealed keys yet)', async () => {
    const dataDir = path.join(tempDataDir(), 'new');
    dirs.push(path.dirname(dataDir));
    mkdirSync(dataDir, { mode: 0o700 });
    const server = await startServer({ engine, dataDir });
    try {
      expect(octal(mode(path.join(dataDir, 'secret.key')))).toBe('0600');
    } finally {
      await server.stop();
    }
  });
});
