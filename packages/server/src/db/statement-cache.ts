import type SQLite from 'better-sqlite3';
import type { SqliteDatabase, SqliteStatement } from 'kysely';

/**
 * Kysely's SQLite driver prepares every statement on every execution. Our queries repeat (the same
 * dozen shapes per turn), so keep the most recently used prepared statements, bounded.
 * Safe because the driver runs one query at a time and we never stream (iterate) a statement.
 */
export function withStatementCache(file: SQLite.Database, max = 256): SqliteDatabase {
  const cache = new Map<string, SQLite.Statement>();
  return {
    close: () => file.close(),
    prepare(sql: string): SqliteStatement {
      let statement = cache.get(sql);
      if (statement) {
        // Move to the back: the map's order is the recency order.
        cache.delete(sql);
      } else {
        statement = file.prepare(sql);
        if (cache.size >= max) {
          const oldest = cache.keys().next().value;
          if (oldest !== undefined) cache.delete(oldest);
        }
      }
      cache.set(sql, statement);
      return statement as unknown as SqliteStatement;
    },
  };
}
