import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import SQLite from 'better-sqlite3';
import {
  CompiledQuery,
  type DatabaseConnection,
  type DialectAdapter,
  type Driver,
  Kysely,
  PostgresDialect,
  type QueryCompiler,
  SqliteAdapter,
  SqliteDialect,
  type SqliteDialectConfig,
  sql,
} from 'kysely';
import pg from 'pg';
import { AppError } from '../errors.ts';
import { migrateToLatest } from './migrations.ts';
import type { Database } from './schema.ts';
import { withStatementCache } from './statement-cache.ts';

export type Db = Kysely<Database>;

export interface DatabaseOptions {
  dataDir: string;
  databaseUrl?: string;
  /** PostgreSQL schema to use (tests create a fresh one per run). */
  pgSchema?: string;
  /** SQLite: how long a statement waits for another process's write lock before answering `unavailable`. */
  busyTimeoutMs?: number;
}

export interface OpenedDatabase {
  db: Db;
  dialect: 'sqlite' | 'postgres';
  close(): Promise<void>;
}

export const DATABASE_FILE = 'cachibot.db';
const DEFAULT_BUSY_TIMEOUT_MS = 5_000;
/**
 * SQLite's own busy wait sleeps inside the call, which blocks the event loop (every request, health
 * included). Keep it tiny and wait the rest of the time asynchronously between tries.
 */
const SYNC_BUSY_WAIT_MS = 5;

/**
 * The data directory holds every chat, password hash and the secret key: created for the server's
 * account only (0700). An existing directory keeps its mode (it may be a mounted volume); the files
 * inside that hold secrets are made 0600 on every start (see `restrictFile`).
 */
export function ensureDataDir(dataDir: string): void {
  if (existsSync(dataDir)) return;
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  chmodSync(dataDir, 0o700); // the umask can only take bits away; make the mode exact
}

/** Owner read/write only; a missing file is fine (SQLite creates -wal/-shm lazily). */
export function restrictFile(file: string): void {
  try {
    chmodSync(file, 0o600);
  } catch (error) {
    if ((error as { code?: string }).code !== 'ENOENT') throw error;
  }
}

function openSqlite(dataDir: string, busyTimeoutMs: number): OpenedDatabase {
  ensureDataDir(dataDir);
  const filePath = path.join(dataDir, DATABASE_FILE);
  // Created 0600 before SQLite opens it: SQLite gives the -wal and -shm files the database file's mode.
  closeSync(openSync(filePath, 'a', 0o600));
  for (const suffix of ['', '-wal', '-shm']) restrictFile(filePath + suffix);
  const file = new SQLite(filePath);
  file.pragma('journal_mode = WAL');
  file.pragma('foreign_keys = ON');
  file.pragma('synchronous = NORMAL');
  file.pragma(`busy_timeout = ${SYNC_BUSY_WAIT_MS}`);
  const db = new Kysely<Database>({
    dialect: new BusyRetryingSqliteDialect({ database: withStatementCache(file) }, busyTimeoutMs),
  });
  return { db, dialect: 'sqlite', close: () => db.destroy() };
}

function openPostgres(url: string, schema?: string): OpenedDatabase {
  const pool = new pg.Pool({
    connectionString: url,
    max: 10,
    // A per-connection search_path lets tests (and operators) isolate Cachibot in its own schema.
    ...(schema ? { options: `-c search_path=${schema}` } : {}),
  });
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return { db, dialect: 'postgres', close: () => db.destroy() };
}

/** Opens SQLite under the data dir, or PostgreSQL when a URL is given, and applies migrations. */
export async function openDatabase(options: DatabaseOptions): Promise<OpenedDatabase> {
  const opened = options.databaseUrl
    ? openPostgres(options.databaseUrl, options.pgSchema)
    : openSqlite(options.dataDir, options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS);
  try {
    // PostgreSQL: Kysely's migration tables live in our schema — the one given, else the connection's
    // current one (a search_path in DATABASE_URL) — never "whichever schema has them".
    const schema = options.databaseUrl
      ? (options.pgSchema ??
        (await sql<{ schema: string }>`select current_schema() as schema`.execute(opened.db)).rows[0]?.schema)
      : undefined;
    await migrateToLatest(opened.db as unknown as Kysely<unknown>, schema);
  } catch (error) {
    await opened.close();
    throw error;
  }
  return opened;
}

/** True when an error is a unique-constraint violation, on either database. */
export function isUniqueViolation(error: unknown): boolean {
  const e = error as { code?: string } | undefined;
  return (
    e?.code === 'SQLITE_CONSTRAINT_UNIQUE' ||
    e?.code === 'SQLITE_CONSTRAINT_PRIMARYKEY' ||
    e?.code === '23505'
  );
}

const isSqliteBusy = (error: unknown) => {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && (code === 'SQLITE_BUSY' || code.startsWith('SQLITE_BUSY_'));
};

/**
 * Runs a statement; while another process holds the write lock, tries again after a growing pause
 * (the event loop stays free), and after `budgetMs` answers `unavailable` instead of hanging.
 */
async function retryWhileBusy<T>(run: () => Promise<T>, budgetMs: number): Promise<T> {
  const deadline = Date.now() + budgetMs;
  let pause = 2;
  for (;;) {
    try {
      return await run();
    } catch (error) {
      if (!isSqliteBusy(error)) throw error;
      if (Date.now() + pause > deadline) {
        throw new AppError(
          'unavailable',
          'The database is locked by another process (SQLite allows one writer at a time); try again shortly',
          undefined,
          1,
        );
      }
      await sleep(pause);
      pause = Math.min(pause * 2, 50);
    }
  }
}

/** Every migration in its own transaction: SQLite can roll back DDL, Kysely just assumes it cannot. */
class TransactionalDdlSqliteAdapter extends SqliteAdapter {
  override get supportsTransactionalDdl(): boolean {
    return true;
  }
}

/**
 * better-sqlite3 with two changes: a statement that meets another process's write lock is retried
 * asynchronously (`retryWhileBusy`), and transactions start with `BEGIN IMMEDIATE`, so that the lock is
 * taken (and waited for) at the start, never half-way through, where a retry could not help.
 */
class BusyRetryingSqliteDialect extends SqliteDialect {
  constructor(
    config: SqliteDialectConfig,
    private readonly busyTimeoutMs: number,
  ) {
    super(config);
  }

  override createDriver(): Driver {
    return new BusyRetryingDriver(super.createDriver(), this.busyTimeoutMs);
  }

  override createAdapter(): DialectAdapter {
    return new TransactionalDdlSqliteAdapter();
  }
}

class BusyRetryingDriver implements Driver {
  private readonly wrapped = new WeakMap<DatabaseConnection, DatabaseConnection>();

  constructor(
    private readonly inner: Driver,
    private readonly busyTimeoutMs: number,
  ) {}

  init(): Promise<void> {
    return this.inner.init();
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    const connection = await this.inner.acquireConnection();
    let retrying = this.wrapped.get(connection);
    if (!retrying) {
      retrying = {
        executeQuery: (query) => retryWhileBusy(() => connection.executeQuery(query), this.busyTimeoutMs),
        streamQuery: (query, chunkSize) => connection.streamQuery(query, chunkSize),
      };
      this.wrapped.set(connection, retrying);
    }
    return retrying;
  }

  async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }

  commitTransaction(connection: DatabaseConnection): Promise<void> {
    return this.inner.commitTransaction(connection);
  }

  rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    return this.inner.rollbackTransaction(connection);
  }

  async savepoint(connection: DatabaseConnection, name: string, compile: QueryCompiler['compileQuery']) {
    await this.inner.savepoint?.(connection, name, compile);
  }

  async rollbackToSavepoint(
    connection: DatabaseConnection,
    name: string,
    compile: QueryCompiler['compileQuery'],
  ) {
    await this.inner.rollbackToSavepoint?.(connection, name, compile);
  }

  async releaseSavepoint(
    connection: DatabaseConnection,
    name: string,
    compile: QueryCompiler['compileQuery'],
  ) {
    await this.inner.releaseSavepoint?.(connection, name, compile);
  }

  releaseConnection(connection: DatabaseConnection): Promise<void> {
    return this.inner.releaseConnection(connection);
  }

  destroy(): Promise<void> {
    return this.inner.destroy();
  }
}
