import path from 'node:path';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import { DATABASE_FILE, openDatabase } from '../../src/db/database.ts';
import { ApiClient } from './api-client.ts';
import { type ServerProcess, spawnServer } from './process.ts';
import { createPgSchema, PG_URL, removeDir, tempDataDir } from './server.ts';

/**
 * The storage one or more server processes share: a data directory, and for PostgreSQL a fresh
 * schema, migrated here (in-process) so that the child processes, which reach it through the
 * `search_path` in DATABASE_URL, find it ready.
 */
export interface SharedStorage {
  engine: 'sqlite' | 'postgres';
  dataDir: string;
  /** Environment that points a `main.ts` process at this storage. */
  env: Record<string, string>;
  /** Runs one read-only query on the storage, from outside every server process. */
  query<T>(text: string, params: unknown[]): Promise<T[]>;
  cleanup(): Promise<void>;
}

export async function sharedStorage(engine: 'sqlite' | 'postgres'): Promise<SharedStorage> {
  const dataDir = tempDataDir();
  if (engine === 'sqlite') {
    const query = async <T>(text: string, params: unknown[]) => {
      const file = new SQLite(path.join(dataDir, DATABASE_FILE), { readonly: true, fileMustExist: true });
      try {
        return file.prepare(text).all(...params) as T[];
      } finally {
        file.close();
      }
    };
    return { engine, dataDir, env: {}, query, cleanup: async () => removeDir(dataDir) };
  }
  const schema = await createPgSchema();
  const opened = await openDatabase({ dataDir, databaseUrl: PG_URL, pgSchema: schema.schema });
  await opened.close();
  const url = `${PG_URL}?options=${encodeURIComponent(`-c search_path=${schema.schema}`)}`;
  const query = async <T>(text: string, params: unknown[]) => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      // `?` placeholders, as in SQLite, become $1, $2, …
      let index = 0;
      return (
        await client.query(
          text.replace(/\?/g, () => `$${++index}`),
          params,
        )
      ).rows as T[];
    } finally {
      await client.end();
    }
  };
  return {
    engine,
    dataDir,
    env: { DATABASE_URL: url },
    query,
    cleanup: async () => {
      await schema.drop();
      removeDir(dataDir);
    },
  };
}

/** Child server processes of one test file: started on shared storage, all killed at the end. */
export class ServerProcesses {
  private readonly started: ServerProcess[] = [];

  async start(storage: SharedStorage, env: Record<string, string>): Promise<ServerProcess> {
    const server = await spawnServer(storage.dataDir, { ...storage.env, ...env });
    this.started.push(server);
    return server;
  }

  /** `kill -9`, and waits until the process is gone. */
  async killHard(server: ServerProcess): Promise<void> {
    if (server.child.exitCode === null && server.child.signalCode === null) server.child.kill('SIGKILL');
    await server.exited;
  }

  /** Kills whatever is still running (a failed test must not leave servers behind). */
  async killAll(): Promise<void> {
    for (const server of this.started.splice(0)) await this.killHard(server);
  }
}

/** The same logged-in user, talking to another process on the same storage. */
export function sameUserAt(client: ApiClient, url: string): ApiClient {
  return new ApiClient(url, client.token);
}
