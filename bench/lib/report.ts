// Writes docs/benchmarks.md (and the concurrency chart) from bench/results/*.json, so re-running one
// scenario refreshes its section and keeps the others.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { concurrencySpec, renderSvg } from './chart.ts';
import { SCENARIOS, type ScenarioFile, type ScenarioName } from './context.ts';
import type { ProfileSummary } from './cpu-profile.ts';
import { mark, ms, num, pct, table, times } from './markdown.ts';
import type { Summary } from './stats.ts';
import { usageSection } from './usage-report.ts';

type Files = Partial<Record<ScenarioName, ScenarioFile>>;

function readResults(dir: string): Files {
  const files: Files = {};
  if (!existsSync(dir)) return files;
  for (const name of SCENARIOS) {
    const file = path.join(dir, `${name}.json`);
    if (existsSync(file)) files[name] = JSON.parse(readFileSync(file, 'utf8')) as ScenarioFile;
  }
  return files;
}

function provenance(file: ScenarioFile): string {
  const load = file.machineLoad;
  const disturbed =
    load.otherCores > 0.2
      ? ` ⚠ other processes used ${load.otherCores} cores on average during this run: numbers are pessimistic.`
      : '';
  return `_${file.mode} run, ${file.date.slice(0, 16).replace('T', ' ')} UTC, \`${file.command}\`, ${file.durationS} s; machine busy ${load.busyCores} cores (bench, server and double ${load.benchFamilyCores}, other processes ${load.otherCores})._${disturbed}`;
}

const notes = (file: ScenarioFile) => file.notes.map((note) => `- ${note}`).join('\n');

function overheadSection(file: ScenarioFile): string {
  const r = file.results as {
    failures: number;
    ttft: { server: Summary; direct: Summary; pairedDifference: Summary };
    addedTtftMs: { p50: number; p99: number };
    ttftRatio: { p50: number; p99: number };
    turnStarted: Summary;
    lastToken: { server: Summary; direct: Summary };
    endToEnd: { server: Summary; direct: Summary };
    endToEndRatio: { p50: number; p99: number };
    addedEndToEndMs: { p50: number; p99: number };
    ttftBreakdownMeanMs: {
      beforeModelCallMs: number;
      modelCallToFirstTokenMs: number;
      serverTtftMs: number;
      transportMs: number;
      directTtftMs: number;
    };
    server: { cpuMsPerTurn: number; rssMiB: number };
    clientLoopDelayMs: { p99: number };
  };
  const c = file.config as { turns: number; tokens: number };
  const b = r.ttftBreakdownMeanMs;
  return `## 1. Overhead per turn

One client, ${c.turns} sequential turns, the double streaming ${c.tokens} tokens with no delay. Every turn is run through the server and, right before or after it, directly against the double.

${provenance(file)}

${table(
  ['', 'through the server', 'double directly', 'server adds', 'ratio'],
  [
    ['TTFT p50', ms(r.ttft.server.p50), ms(r.ttft.direct.p50), ms(r.addedTtftMs.p50), times(r.ttftRatio.p50)],
    ['TTFT p99', ms(r.ttft.server.p99), ms(r.ttft.direct.p99), ms(r.addedTtftMs.p99), times(r.ttftRatio.p99)],
    [
      'last token p50',
      ms(r.lastToken.server.p50),
      ms(r.lastToken.direct.p50),
      ms(r.lastToken.server.p50 - r.lastToken.direct.p50),
      times(r.lastToken.server.p50 / r.lastToken.direct.p50),
    ],
    [
      'end of turn p50 (`done` / response end)',
      ms(r.endToEnd.server.p50),
      ms(r.endToEnd.direct.p50),
      ms(r.addedEndToEndMs.p50),
      times(r.endToEndRatio.p50),
    ],
    [
      'end of turn p99',
      ms(r.endToEnd.server.p99),
      ms(r.endToEnd.direct.p99),
      ms(r.addedEndToEndMs.p99),
      times(r.endToEndRatio.p99),
    ],
    ['`turn_started` p50 / p99', `${ms(r.turnStarted.p50)} / ${ms(r.turnStarted.p99)}`, '–', '', ''],
  ],
)}

Server CPU per turn: **${num(r.server.cpuMsPerTurn, 1)} ms** (RSS ${num(r.server.rssMiB, 0)} MiB). Paired per-turn TTFT difference: p50 ${ms(r.ttft.pairedDifference.p50)}, p99 ${ms(r.ttft.pairedDifference.p99)}. Failed turns: ${r.failures}. Bench client event-loop delay p99: ${ms(r.clientLoopDelayMs.p99)}.

Where the server's TTFT goes (means, server clock): ${ms(b.beforeModelCallMs)} from receiving the frame to starting the provider request, ${ms(b.modelCallToFirstTokenMs)} from there to the first token handed to the socket (the double's own TTFT directly is ${ms(b.directTtftMs)}), ${ms(b.transportMs)} WebSocket transport and client parsing.

${notes(file)}
`;
}

interface Level {
  concurrency: number;
  rounds: number;
  turns: number;
  failures: number;
  tokensPerSecond: { server: number; direct: number; doubleSentDuringServer: number };
  deliveredRatio: number;
  deliveredVsSent: number;
  ttftMs: { server: Summary; direct: Summary };
  addedTtftMs: { p50: number; p99: number };
  perTurnTokensPerSecond: { server: number; direct: number };
  server: { cpuCores: number; cpuMsPerTurn: number; rssPeakMiB: number; rssStartMiB: number };
  doubleCpuCores: { serverBatches: number; directBatches: number };
  benchCpuCores: { serverBatches: number; directBatches: number };
  healthMs: Summary;
  clientLoopDelayMs: { p99: number };
}

function concurrencySection(file: ScenarioFile, chart: string | undefined): string {
  const r = file.results as { idleHealthMs: Summary; levels: Level[] };
  const c = file.config as { tokens: number; delayMs: number; users: number };
  return `## 2. Concurrency

N simultaneous turns (one WebSocket each, spread over ${c.users} users), the double sending ${c.tokens} tokens ${c.delayMs} ms apart. Each level alternates a batch straight from the double with a batch through the server.

${provenance(file)}

${chart ? `![TTFT and tokens/s against concurrency](${chart})\n` : ''}
${table(
  [
    'turns at once',
    'tokens/s server',
    'tokens/s direct',
    'delivered',
    'TTFT p50 server / direct',
    'TTFT p99 server / direct',
    'added TTFT p99',
    'server CPU',
    'server RSS peak',
    'health p99',
    'failed',
  ],
  r.levels.map((l) => [
    `${l.concurrency} (${l.turns} turns)`,
    num(l.tokensPerSecond.server),
    num(l.tokensPerSecond.direct),
    pct(l.deliveredRatio),
    `${ms(l.ttftMs.server.p50)} / ${ms(l.ttftMs.direct.p50)}`,
    `${ms(l.ttftMs.server.p99)} / ${ms(l.ttftMs.direct.p99)}`,
    ms(l.addedTtftMs.p99),
    `${l.server.cpuCores.toFixed(2)} cores (${num(l.server.cpuMsPerTurn, 1)} ms/turn)`,
    `${num(l.server.rssPeakMiB)} MiB`,
    ms(l.healthMs.p99),
    l.failures,
  ]),
)}

${table(
  [
    'turns at once',
    'per-turn stream rate server / direct (tokens/s)',
    'delivered ÷ sent by the double',
    'double CPU (server / direct batches)',
    'bench client CPU (server / direct batches)',
    'bench loop delay p99',
  ],
  r.levels.map((l) => [
    l.concurrency,
    `${num(l.perTurnTokensPerSecond.server, 1)} / ${num(l.perTurnTokensPerSecond.direct, 1)}`,
    pct(l.deliveredVsSent),
    `${l.doubleCpuCores.serverBatches.toFixed(2)} / ${l.doubleCpuCores.directBatches.toFixed(2)} cores`,
    `${l.benchCpuCores.serverBatches.toFixed(2)} / ${l.benchCpuCores.directBatches.toFixed(2)} cores`,
    ms(l.clientLoopDelayMs.p99),
  ]),
)}

Idle \`GET /api/health\` latency: p50 ${ms(r.idleHealthMs.p50)}, p99 ${ms(r.idleHealthMs.p99)}.

${notes(file)}
`;
}

function idleSection(file: ScenarioFile): string {
  const r = file.results as {
    counts: {
      requested: number;
      sockets: number;
      openSeconds: number;
      upgradesPerSecond: number;
      rssBeforeMiB: number;
      rssAfterMiB: number;
      rssPerSocketKiB: number;
      idleCpuCores: number;
      clientRssPerSocketKiB: number;
      healthMs: { idle: number; withSockets: number };
      ttftP50Ms: { before: number; withSockets: number };
    }[];
  };
  return `## 3. Idle connections

${provenance(file)}

${table(
  [
    'sockets',
    'server RSS before → after',
    'RSS per socket',
    'opening (upgrades/s)',
    'idle CPU',
    'health p50 idle → with sockets',
    'TTFT p50 before → with sockets',
    'client RSS per socket',
  ],
  r.counts.map((c) => [
    c.sockets === c.requested ? num(c.sockets) : `${num(c.sockets)} (of ${num(c.requested)})`,
    `${num(c.rssBeforeMiB, 1)} → ${num(c.rssAfterMiB, 1)} MiB`,
    `**${num(c.rssPerSocketKiB, 1)} KiB**`,
    `${c.openSeconds} s (${num(c.upgradesPerSecond)}/s)`,
    `${c.idleCpuCores.toFixed(3)} cores`,
    `${ms(c.healthMs.idle)} → ${ms(c.healthMs.withSockets)}`,
    `${ms(c.ttftP50Ms.before)} → ${ms(c.ttftP50Ms.withSockets)}`,
    `${num(c.clientRssPerSocketKiB, 1)} KiB`,
  ]),
)}

${notes(file)}
`;
}

function historySection(file: ScenarioFile): string {
  const r = file.results as {
    insertSeconds: number;
    firstPageMs: { long: Summary; short: Summary };
    firstPageRatioP99: number;
    pagingBackMs: Summary;
    randomDeepPageMs: Summary;
    turnStartedMs: { long: Summary; empty: Summary };
    ttftMs: { long: Summary; empty: Summary };
    failures: number;
  };
  const c = file.config as {
    messages: number;
    smallChatMessages: number;
    pages: number;
    firstPageSamples: number;
    turns: number;
  };
  const row = (name: string, s: Summary, base?: Summary) => [
    name,
    s.count,
    ms(s.p50),
    ms(s.p99),
    ms(s.max),
    base ? times(s.p99 / base.p99) : '',
  ];
  return `## 4. History

A chat with ${num(c.messages)} messages (inserted in ${r.insertSeconds} s straight into SQLite before the server starts), against a chat with ${c.smallChatMessages} messages and an empty chat.

${provenance(file)}

${table(
  ['request', 'samples', 'p50', 'p99', 'max', 'p99 vs short chat'],
  [
    row(`first page (50), ${num(c.messages)} messages`, r.firstPageMs.long, r.firstPageMs.short),
    row(`first page (50), ${c.smallChatMessages} messages`, r.firstPageMs.short),
    row('paging back with `before` (newest end)', r.pagingBackMs, r.firstPageMs.short),
    row('random pages across the whole chat', r.randomDeepPageMs, r.firstPageMs.short),
  ],
)}

${table(
  ['turn', 'samples', '`turn_started` p50', '`turn_started` p99', 'TTFT p50', 'TTFT p99'],
  [
    [
      `in the ${num(c.messages)}-message chat`,
      r.turnStartedMs.long.count,
      ms(r.turnStartedMs.long.p50),
      ms(r.turnStartedMs.long.p99),
      ms(r.ttftMs.long.p50),
      ms(r.ttftMs.long.p99),
    ],
    [
      'in an empty chat',
      r.turnStartedMs.empty.count,
      ms(r.turnStartedMs.empty.p50),
      ms(r.turnStartedMs.empty.p99),
      ms(r.ttftMs.empty.p50),
      ms(r.ttftMs.empty.p99),
    ],
  ],
)}

Failed turns: ${r.failures}.

${notes(file)}
`;
}

interface Phase {
  name: string;
  clients: number;
  seconds: number;
  tokens: number;
  delayMs: number;
  turns: number;
  failures: number;
  turnsPerSecond: { server: number; direct: number; ratio: number };
  turnMs: { server: Summary; direct: Summary };
  perTurn: {
    transactions: number;
    writeStatements: number;
    readStatements: number;
    turnEventRows: number;
    rowsWritten: number;
    eventBatches: number;
    diskBytes: number;
  };
  server: { cpuCores: number; cpuMsPerTurn: number; rssPeakMiB: number };
  healthMs: Summary;
}

function persistenceSection(file: ScenarioFile): string {
  const r = file.results as {
    phases: Phase[];
    database: { eventRowsPerTurn: number; textDeltaRowsPerTurn: number; eventPayloadBytesPerTurn: number };
  };
  return `## 5. Persistence (SQLite, default batching: 250 ms or 1 KiB)

${provenance(file)}

${table(
  [
    'phase',
    'turns/s server',
    'turns/s direct',
    'ratio',
    'turn p50 / p99 server',
    'turn p50 direct',
    'server CPU',
    'health p99',
    'failed',
  ],
  r.phases.map((p) => [
    `${p.name}: ${p.clients} clients, ${p.tokens} tokens, ${p.delayMs} ms apart (${p.turns} turns)`,
    `**${num(p.turnsPerSecond.server, 1)}**`,
    num(p.turnsPerSecond.direct, 1),
    pct(p.turnsPerSecond.ratio),
    `${ms(p.turnMs.server.p50)} / ${ms(p.turnMs.server.p99)}`,
    ms(p.turnMs.direct.p50),
    `${p.server.cpuCores.toFixed(2)} cores (${num(p.server.cpuMsPerTurn, 1)} ms/turn)`,
    ms(p.healthMs.p99),
    p.failures,
  ]),
)}

Write amplification, per turn:

${table(
  [
    'phase',
    'transactions',
    'event batches',
    'write statements',
    'rows written',
    'turn_events rows',
    'read statements',
    'disk bytes',
  ],
  r.phases.map((p) => [
    p.name,
    num(p.perTurn.transactions, 2),
    num(p.perTurn.eventBatches, 2),
    num(p.perTurn.writeStatements, 2),
    num(p.perTurn.rowsWritten, 2),
    num(p.perTurn.turnEventRows, 2),
    num(p.perTurn.readStatements, 2),
    num(p.perTurn.diskBytes),
  ]),
)}

Over the whole run the database holds ${num(r.database.eventRowsPerTurn, 2)} \`turn_events\` rows per turn (${num(r.database.textDeltaRowsPerTurn, 2)} of them text rows, \`text_delta\` or \`text_run\`), ${num(r.database.eventPayloadBytesPerTurn)} bytes of event JSON per turn.

${notes(file)}
`;
}

function targetsSection(files: Files): string {
  const rows = SCENARIOS.flatMap((name) =>
    (files[name]?.targets ?? []).map((t) => [t.name, t.target, t.measured, mark(t.pass)]),
  );
  return `## Targets\n\n${table(['target', 'goal', 'measured', ''], rows)}\n`;
}

function machineSection(files: Files): string {
  const any = SCENARIOS.map((name) => files[name]).find(Boolean);
  if (!any) return '';
  const m = any.machine;
  return `## Machine

${table(
  ['CPU', 'cores', 'RAM', 'Node.js', 'OS', 'kernel', 'temp file system', 'open-file limit'],
  [[m.cpuModel, m.cores, `${m.ramGiB} GiB`, m.node, m.os, m.kernel, m.tmpFs, num(m.fdLimit)]],
)}
`;
}

function profileSection(dir: string): string {
  const profileDir = path.join(dir, 'profiles');
  if (!existsSync(profileDir)) return '';
  const parts: string[] = [];
  for (const name of readdirSync(profileDir)
    .filter((f) => f.endsWith('.json'))
    .sort()) {
    const file = JSON.parse(readFileSync(path.join(profileDir, name), 'utf8')) as ScenarioFile;
    for (const profile of (file.profiles ?? []) as ProfileSummary[]) {
      parts.push(`### ${file.scenario} (\`${file.command}\`, ${file.date.slice(0, 10)}; ${num(profile.busyMs)} ms of server CPU sampled in the measured part)

${table(
  ['owner', 'self time', 'share'],
  profile.owners.slice(0, 10).map((e) => [e.name, `${num(e.ms)} ms`, pct(e.share)]),
)}

${table(
  ['top self-time functions', 'owner', 'self', 'share'],
  profile.topSelf.slice(0, 12).map((e) => [`\`${e.name}\``, e.owner, `${num(e.ms)} ms`, pct(e.share)]),
)}

${table(
  ['our functions, inclusive', 'inclusive', 'share'],
  profile.topInclusiveOurs.slice(0, 12).map((e) => [`\`${e.name}\``, `${num(e.ms)} ms`, pct(e.share)]),
)}
`);
    }
  }
  if (parts.length === 0) return '';
  return `## CPU profiles of the server

Taken with \`--profile\` (the server child runs with \`--cpu-prof\`; only samples inside the measured part count). Profiled runs are slower, so their numbers are kept apart in \`bench/results/profiles/\`. Column positions refer to tsx's compiled output, which puts each TypeScript file on one line.

${parts.join('\n')}`;
}

const METHOD = `## How it is measured

- **Three processes.** The server runs as \`node --import tsx packages/server/src/main.ts\` (what \`npm start\` runs), in a child process with its own temporary data directory and \`LOG_LEVEL=warn\`, so its CPU (\`/proc/<pid>/stat\` utime+stime) and RSS (\`/proc/<pid>/status\` VmRSS) are its own. The provider double (\`@cachibot/testkit\`, OpenAI Chat Completions over SSE) runs in a second child process on 127.0.0.1; the bench process is the client: WebSockets to the server (\`ws\`) and HTTP streaming straight to the double (\`node:http\` with keep-alive), for the zero-overhead baseline. The double is shared by both paths, so its cost cancels out of the comparison, and its CPU is reported next to the others.
- **Two cores, three processes.** Nothing is pinned: the OS schedules the three processes over both cores, as it would in production, where the server shares a machine with its reverse proxy. The bench reports how many cores each process used per batch, the bench client's own event-loop delay, and how much CPU *other* processes used during each scenario (from /proc/stat), and waits before each scenario (up to 2 minutes) until the rest of the machine is quiet. When the client's loop delay or the other processes' share is high, the numbers are pessimistic for the server.
- **The server's event-loop delay** is not exposed by the server, so the bench polls \`GET /api/health\` (no auth, no database) every 50 ms during load; its latency above the idle value is the server's responsiveness.
- **Server limits raised for the load**: \`CACHIBOT_MAX_CONCURRENT_TURNS\`, \`CACHIBOT_MAX_SOCKETS\`, \`CACHIBOT_TURNS_PER_MINUTE\`, \`CACHIBOT_WS_FRAME_BURST\`, \`CACHIBOT_WS_FRAMES_PER_SECOND\` are set high; persistence keeps its defaults (250 ms / 1 KiB batches). \`OLLAMA_BASE_URL\` and \`LMSTUDIO_BASE_URL\` point at a closed port.
- **Percentiles** interpolate linearly between closest ranks. "Server adds" = the server's percentile minus the direct percentile for the same request.
- Raw numbers: \`bench/results/<scenario>.json\`. The code: \`bench/run.ts\` (arguments, orchestration), \`bench/lib/\` (processes, clients, statistics, report, chart), \`bench/scenarios/\` (one file per scenario).
`;

/** Writes docs/benchmarks.md and docs/benchmarks-concurrency.svg; returns the files written. */
export async function writeReport(root: string): Promise<string[]> {
  const dir = path.join(root, 'bench', 'results');
  const files = readResults(dir);
  const written: string[] = [];
  let chart: string | undefined;
  const concurrency = files.concurrency;
  if (concurrency) {
    const levels = (concurrency.results as { levels: Level[] }).levels;
    const points = levels.map((l) => ({
      concurrency: l.concurrency,
      ttftP50: { server: l.ttftMs.server.p50, direct: l.ttftMs.direct.p50 },
      ttftP99: { server: l.ttftMs.server.p99, direct: l.ttftMs.direct.p99 },
      tokensPerSecond: { server: l.tokensPerSecond.server, direct: l.tokensPerSecond.direct },
    }));
    const svgPath = path.join(root, 'docs', 'benchmarks-concurrency.svg');
    const m = concurrency.machine;
    writeFileSync(
      svgPath,
      await renderSvg(
        concurrencySpec(
          points,
          `${m.cpuModel}, ${m.cores} cores, Node ${m.node}, ${concurrency.date.slice(0, 10)}`,
        ),
        'Cachibot: time to first token and tokens per second against concurrent turns, through the server and straight from the provider double',
      ),
    );
    written.push(svgPath);
    chart = 'benchmarks-concurrency.svg';
  }
  const analysisFile = path.join(root, 'bench', 'analysis.md');
  const analysis = existsSync(analysisFile) ? readFileSync(analysisFile, 'utf8').trim() : '';
  const sections = [
    `# Benchmarks

What the Cachibot server adds on top of the model provider: every number is measured through the real server (over real WebSockets) and straight against the same provider double, in one run, and reported as a difference or a ratio. Generated by \`npm run bench\` (\`bench/run.ts\`); do not edit by hand except \`bench/analysis.md\`, which is included below.

\`\`\`sh
npm run bench                               # full run (about 3–4 minutes on 2 cores)
npm run bench -- --quick                    # smaller sizes, about 1 minute
npm run bench -- --only=concurrency --levels=1,10,100
npm run bench -- --only=overhead --profile  # CPU profile of the server (numbers kept apart)
npm run bench -- --help
\`\`\`
`,
    targetsSection(files),
    machineSection(files),
    files.overhead ? overheadSection(files.overhead) : '',
    files.concurrency ? concurrencySection(files.concurrency, chart) : '',
    files['idle-sockets'] ? idleSection(files['idle-sockets']) : '',
    files.history ? historySection(files.history) : '',
    files.persistence ? persistenceSection(files.persistence) : '',
    files.usage ? usageSection(files.usage, provenance(files.usage)) : '',
    analysis ? `${analysis}\n` : '',
    METHOD,
    profileSection(dir),
  ];
  const doc = path.join(root, 'docs', 'benchmarks.md');
  writeFileSync(doc, `${sections.filter(Boolean).join('\n').trim()}\n`);
  // The repository's formatter (Biome) pads Markdown tables; let it, so `npm run lint` stays quiet.
  spawnSync(path.join(root, 'node_modules', '.bin', 'biome'), ['format', '--write', doc], {
    cwd: root,
    stdio: 'ignore',
  });
  written.push(doc);
  return written;
}
