import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/database.ts';
import { createPgSchema, PG_URL, removeDir, tempDataDir } from '../support/server.ts';

/**
 * Several Cachibot schemas in one PostgreSQL database (tests, or an operator's staging and production):
 * each migrates in its own schema, whether it is named (pgSchema) or set by DATABASE_URL's search_path.
 */
describe('PostgreSQL schemas side by side', () => {
  const drops: (() => Promise<void>)[] = [];
  const dataDir = tempDataDir();
  afterAll(async () => {
    for (const drop of drops) await drop();
    removeDir(dataDir);
  });

  it('migrates a schema chosen by the search_path of DATABASE_URL, though another schema is migrated already', async () => {
    const other = await createPgSchema();
    drops.push(other.drop);
    await (await openDatabase({ dataDir, databaseUrl: PG_URL, pgSchema: other.schema })).close();
    const mine = await createPgSchema();
    drops.push(mine.drop);
    const url = `${PG_URL}?options=${encodeURIComponent(`-c search_path=${mine.schema}`)}`;
    const opened = await openDatabase({ dataDir, databaseUrl: url });
    await opened.close();
    const client = new pg.Client({ connectionString: PG_URL });
    await client.connect();
    try {
      const tables = await client.query(
        'select table_name from information_schema.tables where table_schema = $1 order by table_name',
        [mine.schema],
      );
      const names = tables.rows.map((row: { table_name: string }) => row.table_name);
      expect(names).toEqual(expect.arrayContaining(['kysely_migration', 'messages', 'turns', 'users']));
    } finally {
      await client.end();
    }
  });
});
