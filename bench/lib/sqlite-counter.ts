// Preloaded into the server child (`--import`) by the persistence scenario only: counts the SQL the
// server runs through better-sqlite3, by kind and table, and the rows each write changed. The server
// reuses prepared statements, so executions are counted on the statement (run/all/get). On SIGUSR2 the
// counts are written to BENCH_SQL_COUNTS_FILE; the bench reads the difference around a window.
import { renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

export interface SqlCounts {
  snapshot: number;
  statements: Record<string, number>;
  rowsChanged: Record<string, number>;
}

const require = createRequire(import.meta.url);
const Database = require('better-sqlite3') as {
  prototype: { prepare(sql: string): Statement };
};
type Statement = Record<'run' | 'all' | 'get', (...args: unknown[]) => unknown>;
const counts: SqlCounts = { snapshot: 0, statements: {}, rowsChanged: {} };

function kindOf(sql: string): string {
  const text = sql.trimStart().toLowerCase();
  const table = /^(insert into|update|delete from)\s+"?([a-z_]+)"?/.exec(text);
  if (table) return `${(table[1] as string).split(' ')[0]} ${table[2]}`;
  return text.split(/\s+/, 1)[0] ?? 'other';
}

const prepare = Database.prototype.prepare;
Database.prototype.prepare = function countedPrepare(this: unknown, sql: string) {
  const statement = prepare.call(this, sql);
  const kind = kindOf(sql);
  const writes = kind.startsWith('insert') || kind.startsWith('update') || kind.startsWith('delete');
  for (const method of ['run', 'all', 'get'] as const) {
    const original = statement[method];
    statement[method] = (...args: unknown[]) => {
      counts.statements[kind] = (counts.statements[kind] ?? 0) + 1;
      const result = original.apply(statement, args);
      if (writes && method === 'run') {
        const { changes } = result as { changes: number };
        counts.rowsChanged[kind] = (counts.rowsChanged[kind] ?? 0) + changes;
      }
      return result;
    };
  }
  return statement;
};

const file = process.env.BENCH_SQL_COUNTS_FILE;
if (file) {
  process.on('SIGUSR2', () => {
    counts.snapshot++;
    // Write then rename: the bench never reads a half-written file.
    writeFileSync(`${file}.tmp`, JSON.stringify(counts));
    renameSync(`${file}.tmp`, file);
  });
}
