import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { buildApp, type CachibotApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';

export const PG_URL = 'postgres://postgres@127.0.0.1:5432/test';

export interface TestServer {
  url: string;
  wsUrl: string;
  dataDir: string;
  cachibot: CachibotApp;
  /** Stops the server (graceful) but keeps the data directory, so a restart finds the same data. */
  stop(): Promise<void>;
}

export interface StartOptions {
  env?: Record<string, string>;
  dataDir?: string;
  pgSchema?: string;
  /** `postgres`: a fresh schema of its own, dropped again by `stop()`. */
  engine?: 'sqlite' | 'postgres';
}

/** Creates an empty PostgreSQL schema for one test file and returns it with its cleanup. */
export async function createPgSchema(): Promise<{ schema: string; drop(): Promise<void> }> {
  const schema = `cachibot_test_${Date.now()}_${Math.floor(Math.random() * 1e6)}`;
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  await client.query(`create schema ${schema}`);
  await client.end();
  return {
    schema,
    async drop() {
      const c = new pg.Client({ connectionString: PG_URL });
      await c.connect();
      await c.query(`drop schema ${schema} cascade`);
      await c.end();
    },
  };
}

export function tempDataDir(): string {
  return mkdtempSync(path.join(os.tmpdir(), 'cachibot-test-'));
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** A real server on 127.0.0.1, port 0, with a temporary data directory (or the given one). */
export async function startServer(options: StartOptions = {}): Promise<TestServer> {
  const dataDir = options.dataDir ?? tempDataDir();
  const own = options.engine === 'postgres' && !options.pgSchema ? await createPgSchema() : undefined;
  const pgSchema = options.pgSchema ?? own?.schema;
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    CACHIBOT_DATA_DIR: dataDir,
    LOG_LEVEL: 'silent',
    // Nothing listens there: ollama and LM Studio show as unavailable at once, even where they run.
    OLLAMA_BASE_URL: 'http://127.0.0.1:9',
    LMSTUDIO_BASE_URL: 'http://127.0.0.1:9/v1',
    CACHIBOT_PERSIST_INTERVAL_MS: '50',
    CACHIBOT_SHUTDOWN_GRACE_MS: '5000',
    ...(pgSchema ? { DATABASE_URL: PG_URL } : {}),
    ...options.env,
  });
  const cachibot = await buildApp(config, { pgSchema });
  await cachibot.app.listen({ port: 0, host: '127.0.0.1' });
  const address = cachibot.app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}/ws`,
    dataDir,
    cachibot,
    stop: async () => {
      await cachibot.close();
      await own?.drop();
    },
  };
}
