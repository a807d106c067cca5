// Scenario 5 — persistence: closed-loop streaming turns on SQLite with the default batching
// (CACHIBOT_PERSIST_INTERVAL_MS=250, CACHIBOT_PERSIST_BYTES=1024), how many turns per second the
// server sustains, and how many database writes each turn costs (counted inside the server child).
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { BENCH_PROVIDER_MODEL, BENCH_SYSTEM_PROMPT, type BenchUser, createUsers } from '../lib/accounts.ts';
import type { BenchContext, ScenarioResult } from '../lib/context.ts';
import { DirectClient, type StreamTiming, ttftOf } from '../lib/direct-client.ts';
import type { PersistenceOptions } from '../lib/options.ts';
import { HealthProbe, LoopDelayProbe } from '../lib/probes.ts';
import { ResourceSampler } from '../lib/proc.ts';
import type { ServerProcess } from '../lib/server-process.ts';
import { tempDir } from '../lib/server-process.ts';
import { diffCounts, readSqlCounts, SQLITE_COUNTER } from '../lib/sql-counts.ts';
import { ratio, round, roundSummary, summarize } from '../lib/stats.ts';
import { type BenchSocket, closeSockets, openSockets } from '../lib/ws-client.ts';

interface LoopResult {
  timings: StreamTiming[];
  seconds: number;
}

/** `clients` loops, each starting its next turn as soon as the previous one is done, until `seconds` pass. */
async function closedLoop(
  clients: number,
  seconds: number,
  runOne: (client: number, i: number) => Promise<StreamTiming>,
): Promise<LoopResult> {
  const timings: StreamTiming[] = [];
  const started = performance.now();
  const deadline = started + seconds * 1000;
  await Promise.all(
    Array.from({ length: clients }, async (_, client) => {
      for (let i = 0; performance.now() < deadline; i++) timings.push(await runOne(client, i));
    }),
  );
  return { timings, seconds: (performance.now() - started) / 1000 };
}

function dataBytes(dataDir: string): number {
  return readdirSync(dataDir)
    .filter((name) => name.startsWith('cachibot.db'))
    .reduce((sum, name) => sum + statSync(path.join(dataDir, name)).size, 0);
}

interface PhaseConfig {
  name: string;
  clients: number;
  seconds: number;
  tokens: number;
  delayMs: number;
}

async function runPhase(
  ctx: BenchContext,
  server: ServerProcess,
  users: BenchUser[],
  countsFile: string,
  phase: PhaseConfig,
) {
  const direct = new DirectClient(ctx.double.url);
  const directive = `[[double tokens=${phase.tokens} delay=${phase.delayMs}]]`;
  ctx.log(`  ${phase.name}: ${phase.clients} clients × ${phase.seconds} s directly against the double`);
  const directRun = await closedLoop(phase.clients, phase.seconds, (client, i) =>
    direct.stream({
      model: BENCH_PROVIDER_MODEL,
      system: BENCH_SYSTEM_PROMPT,
      message: `${phase.name} ${client}/${i} ${directive}`,
    }),
  );
  direct.close();

  ctx.log(`  ${phase.name}: ${phase.clients} clients × ${phase.seconds} s through the server`);
  const sockets = await openSockets(
    server.wsUrl,
    users.map((u) => u.token),
    phase.clients,
  );
  const botOf = (client: number) => (users[client % users.length] as BenchUser).botId;
  const before = await readSqlCounts(server.pid, countsFile);
  const bytesBefore = dataBytes(server.dataDir);
  const resources = new ResourceSampler(server.pid);
  const probe = new HealthProbe(server.url);
  const loop = new LoopDelayProbe();
  ctx.measured.begin();
  const serverRun = await closedLoop(phase.clients, phase.seconds, (client, i) =>
    (sockets[client] as BenchSocket).runTurn({
      botId: botOf(client),
      message: `${phase.name} ${client}/${i} ${directive}`,
    }),
  );
  ctx.measured.end();
  const usage = resources.stop();
  const loopDelay = loop.stop();
  const health = await probe.stop();
  const after = await readSqlCounts(server.pid, countsFile);
  const bytesAfter = dataBytes(server.dataDir);
  await closeSockets(sockets);

  const ok = serverRun.timings.filter((t) => !t.error);
  const turns = serverRun.timings.length;
  const statements = diffCounts(before.statements, after.statements);
  const rows = diffCounts(before.rowsChanged, after.rowsChanged);
  const perTurn = (value: number | undefined) => round((value ?? 0) / turns, 2);
  const writeStatements = Object.entries(statements)
    .filter(([kind]) => /^(insert|update|delete)/.test(kind))
    .reduce((sum, [, n]) => sum + n, 0);
  const serverRate = ok.length / serverRun.seconds;
  const directRate = directRun.timings.filter((t) => !t.error).length / directRun.seconds;
  return {
    ...phase,
    turns,
    failures: turns - ok.length,
    turnsPerSecond: {
      server: round(serverRate, 1),
      direct: round(directRate, 1),
      ratio: round(ratio(serverRate, directRate), 3),
    },
    turnMs: {
      server: roundSummary(summarize(ok.map((t) => t.endAt - t.sentAt))),
      direct: roundSummary(summarize(directRun.timings.map((t) => t.endAt - t.sentAt))),
    },
    ttftMs: {
      server: roundSummary(summarize(ok.map(ttftOf))),
      direct: roundSummary(summarize(directRun.timings.map(ttftOf))),
    },
    perTurn: {
      transactions: perTurn(statements.begin),
      writeStatements: perTurn(writeStatements),
      readStatements: perTurn(statements.select),
      turnEventRows: perTurn(rows['insert turn_events']),
      rowsWritten: perTurn(Object.values(rows).reduce((sum, n) => sum + n, 0)),
      /** appendBatch + finishTurn transactions: all but the createTurn one. */
      eventBatches: perTurn((statements.begin ?? 0) - turns),
      diskBytes: round((bytesAfter - bytesBefore) / turns, 0),
    },
    statements,
    rowsChanged: rows,
    server: {
      cpuCores: round(usage.cpuCores, 3),
      cpuMsPerTurn: round(usage.cpuMs / turns, 2),
      rssPeakMiB: round(usage.rssPeakBytes / 2 ** 20, 1),
    },
    healthMs: roundSummary(summarize(health)),
    clientLoopDelayMs: loopDelay,
  };
}

export async function runPersistence(
  ctx: BenchContext,
  options: PersistenceOptions,
): Promise<ScenarioResult> {
  const countsFile = path.join(tempDir('cachibot-bench-sql-'), 'counts.json');
  const server = await ctx.startServer({
    preload: [SQLITE_COUNTER],
    env: { BENCH_SQL_COUNTS_FILE: countsFile },
  });
  const users = await createUsers(server.url, 4);
  const warm = await openSockets(
    server.wsUrl,
    users.map((u) => u.token),
    8,
  );
  await Promise.all(
    warm.map((s, i) =>
      s.runTurn({
        botId: (users[i % users.length] as BenchUser).botId,
        message: 'warm [[double tokens=50 delay=0]]',
      }),
    ),
  );
  await closeSockets(warm);

  const saturated = await runPhase(ctx, server, users, countsFile, {
    name: 'saturation',
    clients: options.concurrency,
    seconds: options.seconds,
    tokens: options.tokens,
    delayMs: 0,
  });
  ctx.log(
    `    ${saturated.turnsPerSecond.server} turns/s (direct ${saturated.turnsPerSecond.direct}), ${saturated.perTurn.transactions} transactions/turn`,
  );
  const paced = await runPhase(ctx, server, users, countsFile, {
    name: 'paced',
    clients: options.pacedConcurrency,
    seconds: options.pacedSeconds,
    tokens: options.pacedTokens,
    delayMs: options.pacedDelayMs,
  });
  ctx.log(
    `    ${paced.turnsPerSecond.server} turns/s (direct ${paced.turnsPerSecond.direct}), ${paced.perTurn.transactions} transactions/turn`,
  );
  await server.stop();

  const db = new Database(path.join(server.dataDir, 'cachibot.db'), { readonly: true });
  const stored = db
    .prepare(
      `select (select count(*) from turns) as turns, (select count(*) from turn_events) as events,
              (select sum(length(payload)) from turn_events) as payloadBytes,
              (select count(*) from turn_events where type in ('text_delta', 'text_run')) as textDeltas`,
    )
    .get() as { turns: number; events: number; payloadBytes: number; textDeltas: number };
  db.close();

  return {
    config: { ...options, persistIntervalMs: 250, persistBytes: 1024, chat: 'a new chat per turn' },
    results: {
      phases: [saturated, paced],
      database: {
        turns: stored.turns,
        eventRowsPerTurn: round(stored.events / stored.turns, 2),
        textDeltaRowsPerTurn: round(stored.textDeltas / stored.turns, 2),
        eventPayloadBytesPerTurn: round(stored.payloadBytes / stored.turns, 0),
      },
    },
    targets: [],
    notes: [
      'Method: the server child is started with a preload (bench/lib/sqlite-counter.ts) that wraps every statement better-sqlite3 prepares (the server keeps prepared statements and reuses them), counting each execution (`run`, `all`, `get`) by kind and table, and the rows each write changed. Transactions = `begin` statements. SIGUSR2 makes the child dump its counts; the bench takes the difference around each phase and divides by the turns completed in it (every turn started is awaited, so the division is exact).',
      '`PRAGMA data_version` was not used: it only tells that another connection committed, not how many times.',
      'Event batches per turn = transactions − 1 (the turn’s creation is one transaction; every other one is an event batch: appendBatch or the final finishTurn).',
      'Disk bytes per turn = growth of cachibot.db + -wal + -shm over the phase ÷ turns (the WAL file is reused after checkpoints, so this is a lower bound).',
      'Saturation: the double answers at once (delay 0), so the loop measures how many turns the server (and SQLite) can complete per second. Paced: tokens every 20 ms, which is where the time-based batching shows.',
    ],
  };
}
