// Shared helpers of the security suites: route discovery, full database dumps, contract checks.
import http from 'node:http';
import { ErrorBodySchema } from '@cachibot/protocol';
import type { FastifyInstance } from 'fastify';
import type { Db } from '../../src/db/database.ts';
import { scaled } from '../support/deadlines.ts';

export interface DiscoveredRoute {
  method: string;
  /** The registered path, parameters included (`/api/bots/:botId`). */
  path: string;
  params: string[];
}

const TREE_LINE = /^((?:│ {3}| {4})*)(?:├── |└── )(.*?)(?: \(([A-Z, ]+)\))?$/;

/**
 * Every route registered on the app, read from Fastify's own route tree (`printRoutes`), so that a
 * route added later is found without touching the tests. Each parsed route is confirmed with
 * `hasRoute`, so a change in the tree's text format fails loudly instead of silently finding nothing.
 * `/v1` is left out: it speaks OpenAI's contract (API keys, OpenAI's error shape), not Cachibot's;
 * test/openai-api/ holds its authorization and hostile-input tests.
 */
export function discoverRoutes(app: FastifyInstance): DiscoveredRoute[] {
  const tree = app.printRoutes({ commonPrefix: false });
  const stack: string[] = [];
  const routes: DiscoveredRoute[] = [];
  for (const line of tree.split('\n')) {
    if (!line.trim()) continue;
    const match = TREE_LINE.exec(line);
    if (!match) throw new Error(`unexpected printRoutes line: ${JSON.stringify(line)}`);
    const depth = (match[1] ?? '').length / 4;
    stack.length = depth;
    const path = (stack[depth - 1] ?? '') + (match[2] ?? '');
    stack[depth] = path;
    for (const method of (match[3] ?? '')
      .split(',')
      .map((m) => m.trim())
      .filter(Boolean)) {
      if (!app.hasRoute({ method: method as 'GET', url: path }))
        throw new Error(`parsed route ${method} ${path} is not registered`);
      if (path.startsWith('/v1/')) continue;
      routes.push({
        method,
        path,
        params: [...path.matchAll(/:([A-Za-z0-9_]+)/g)].map((m) => m[1] as string),
      });
    }
  }
  if (routes.length === 0) throw new Error(`no routes parsed from:\n${tree}`);
  return routes;
}

export type DbDump = Record<string, string[]>;

/**
 * Every row of every table (found by introspection, so new tables are included), each row as canonical
 * JSON, sorted: two dumps are equal exactly when the stored data is.
 */
export async function dumpDatabase(db: Db): Promise<DbDump> {
  const tables = (await db.introspection.getTables({ withInternalKyselyTables: true }))
    .map((table) => table.name)
    .sort();
  const dump: DbDump = {};
  for (const table of tables) {
    const rows = await (db as unknown as Db)
      .selectFrom(table as 'users')
      .selectAll()
      .execute();
    dump[table] = rows
      .map((row) => JSON.stringify(Object.entries(row).sort(([a], [b]) => a.localeCompare(b))))
      .sort();
  }
  return dump;
}

/** What changed between two dumps, per table: rows added and removed (shortened). `{}` when equal. */
export function dumpDiff(
  before: DbDump,
  after: DbDump,
): Record<string, { added: string[]; removed: string[] }> {
  const diff: Record<string, { added: string[]; removed: string[] }> = {};
  const short = (row: string) => (row.length > 240 ? `${row.slice(0, 240)}…` : row);
  for (const table of new Set([...Object.keys(before), ...Object.keys(after)])) {
    const was = new Set(before[table] ?? []);
    const now = new Set(after[table] ?? []);
    const added = [...now].filter((row) => !was.has(row)).map(short);
    const removed = [...was].filter((row) => !now.has(row)).map(short);
    if (added.length || removed.length) diff[table] = { added, removed };
  }
  return diff;
}

/** A dump without the rows that mention any of `ids` (e.g. the rows a legitimate turn wrote meanwhile). */
export function withoutRowsMentioning(dump: DbDump, ids: string[]): DbDump {
  const kept: DbDump = {};
  for (const [table, rows] of Object.entries(dump)) {
    kept[table] = rows.filter((row) => !ids.some((id) => row.includes(JSON.stringify(id))));
  }
  return kept;
}

/** Signs of internals a client must never see in an error message. */
const LEAK_PATTERNS: [string, RegExp][] = [
  ['stack frame', /\bat .+[(\s]\/?[\w./-]+:\d+:\d+\)?/],
  ['file path', /(?:\/work\/|\/home\/|\/tmp\/|node_modules|[\w-]+\.(?:ts|js|mjs|cjs):\d+|file:\/\/)/i],
  [
    'SQL',
    /\b(?:select\s+.+\s+from|insert\s+into|update\s+\w+\s+set|delete\s+from|sqlite_?\w*|constraint failed|syntax error at)\b/i,
  ],
  ['internal error name', /\b(?:TypeError|ReferenceError|RangeError|SyntaxError|SqliteError|FST_ERR_\w+)\b/],
];

/** The internals an error text reveals, by kind (empty when clean). */
export function leaksIn(text: string): string[] {
  return LEAK_PATTERNS.filter(([, pattern]) => pattern.test(text)).map(([kind]) => kind);
}

/** Problems with a REST error answer: the contract's shape, no internals. Empty when it is fine. */
export function errorBodyProblems(status: number, rawBody: string): string[] {
  const problems: string[] = [];
  let body: unknown;
  try {
    body = JSON.parse(rawBody);
  } catch {
    return [`status ${status} with a non-JSON body: ${rawBody.slice(0, 200)}`];
  }
  const parsed = ErrorBodySchema.safeParse(body);
  if (!parsed.success)
    return [`status ${status} body is not {error:{code,message,details?}}: ${rawBody.slice(0, 300)}`];
  const expectedStatus: Record<string, number> = {
    bad_request: 400,
    unauthorized: 401,
    forbidden: 403,
    not_found: 404,
    conflict: 409,
    payload_too_large: 413,
    rate_limited: 429,
    provider_error: 502,
    internal: 500,
  };
  if (expectedStatus[parsed.data.error.code] !== status)
    problems.push(`code ${parsed.data.error.code} with status ${status}`);
  for (const kind of leaksIn(parsed.data.error.message))
    problems.push(`message leaks a ${kind}: ${parsed.data.error.message}`);
  return problems;
}

/** Own property names and symbols of Object.prototype (and friends), to prove they were not polluted. */
export function prototypeFingerprint(): string {
  const describe = (target: object) =>
    Reflect.ownKeys(target)
      .map((key) => String(key))
      .sort()
      .join(',');
  return [Object.prototype, Array.prototype, Function.prototype, String.prototype].map(describe).join('|');
}

export function isPrototypePolluted(): boolean {
  const probe: Record<string, unknown> = {};
  for (const key of ['polluted', 'isAdmin', 'x', 'p', 'admin', 'role', 'userId', 'toJSON']) {
    if (key in probe) return true;
  }
  return false;
}

export interface RawHttpResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/**
 * One HTTP request over node:http, byte-exact: any method (GET with a body too), any headers, a body
 * given whole or as chunks (then sent chunked, without content-length). The server may answer early
 * (413) and close while the body is still being written; the answer still counts.
 */
export function rawHttp(
  baseUrl: string,
  options: {
    method: string;
    path: string;
    headers?: Record<string, string>;
    body?: string | Buffer;
    chunks?: Buffer[];
  },
): Promise<RawHttpResponse> {
  const url = new URL(options.path, baseUrl);
  return new Promise((resolve, reject) => {
    let settled = false;
    const request = http.request(
      {
        method: options.method,
        host: url.hostname,
        port: url.port,
        path: options.path,
        headers: options.headers,
        agent: false,
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          settled = true;
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            text: Buffer.concat(chunks).toString('utf8'),
          });
        });
        response.on('error', (error) => !settled && reject(error));
      },
    );
    // Writing after the server answered and hung up gives EPIPE/ECONNRESET: not a failure of the test.
    // Its answer may still be on the way (later on a busy machine), so the error counts only after a while.
    request.on('error', (error) => setTimeout(() => !settled && reject(error), scaled(1000)));
    if (options.chunks) {
      for (const chunk of options.chunks) request.write(chunk);
      request.end();
    } else {
      request.end(options.body);
    }
  });
}
