import path from 'node:path';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/database.ts';
import { createPgSchema, PG_URL, removeDir, tempDataDir } from '../support/server.ts';

interface Engine {
  options: { dataDir: string; databaseUrl?: string; pgSchema?: string };
  run(statement: string): Promise<void>;
  tables(): Promise<string[]>;
  cleanup(): Promise<void>;
}

async function sqliteEngine(): Promise<Engine> {
  const dataDir = tempDataDir();
  const file = path.join(dataDir, 'cachibot.db');
  const withFile = <T>(use: (db: SQLite.Database) => T): T => {
    const db = new SQLite(file);
    try {
      return use(db);
    } finally {
      db.close();
    }
  };
  return {
    options: { dataDir },
    run: async (statement) => withFile((db) => void db.exec(statement)),
    tables: async () =>
      withFile((db) =>
        (db.prepare("select name from sqlite_master where type = 'table'").all() as { name: string }[]).map(
          (row) => row.name,
        ),
      ),
    cleanup: async () => removeDir(dataDir),
  };
}

async function postgresEngine(): Promise<Engine> {
  const dataDir = tempDataDir();
  const schema = await createPgSchema();
  const query = async (statement: string) => {
    const client = new pg.Client({ connectionString: PG_URL, options: `-c search_path=${schema.schema}` });
    await client.connect();
    try {
      return await client.query(statement);
    } finally {
      await client.end();
    }
  };
  return {
    options: { dataDir, databaseUrl: PG_URL, pgSchema: schema.schema },
    run: async (statement) => void (await query(statement)),
    tables: async () =>
      (
        await query(
          `select table_name as name from information_schema.tables where table_schema = '${schema.schema}'`,
        )
      ).rows.map((row) => row.name as string),
    cleanup: async () => {
      await schema.drop();
      removeDir(dataDir);
    },
  };
}

describe.each([
  ['sqlite', sqliteEngine],
  ['postgres', postgresEngine],
] as const)('migrations on %s', (_name, makeEngine) => {
  const engines: Engine[] = [];
  afterAll(async () => {
    for (const engine of engines) await engine.cleanup();
  });

  it('rolls a migration that fails half-way back entirely, so the next start can run it again', async () => {
    const engine = await makeEngine();
    engines.push(engine);
    // The first migration creates `turn_events` last: a table in the way makes it fail after it has
    // already created users, sessions, bots, chats, messages and turns.
    await engine.run('create table turn_events (x integer)');
    await expect(openDatabase(engine.options)).rejects.toThrow(/migration failed at 0001_initial/);
    const left = await engine.tables();
    for (const table of ['users', 'sessions', 'bots', 'chats', 'messages', 'turns']) {
      expect(left).not.toContain(table);
    }
    // Once the obstacle is gone the same migration runs from the start and every later one after it.
    await engine.run('drop table turn_events');
    const opened = await openDatabase(engine.options);
    try {
      const users = await opened.db.selectFrom('users').selectAll().execute();
      expect(users).toEqual([]);
      const guard = await opened.db.selectFrom('setup_guard').selectAll().execute();
      expect(guard).toEqual([]);
    } finally {
      await opened.close();
    }
  });
});
