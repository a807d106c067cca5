import { parseArgs } from 'node:util';
import { SCENARIOS, type ScenarioName } from './context.ts';

export interface OverheadOptions {
  turns: number;
  warmup: number;
  tokens: number;
}
export interface ConcurrencyOptions {
  levels: number[];
  tokens: number;
  delayMs: number;
  /** Repeat a level until at least this many turns were measured (bounded by maxRounds). */
  minTurns: number;
  maxRounds: number;
  users: number;
}
export interface IdleOptions {
  counts: number[];
  users: number;
}
export interface HistoryOptions {
  messages: number;
  pages: number;
  firstPageSamples: number;
  turns: number;
}
export interface UsageOptions {
  answers: number;
  samples: number;
}
export interface PersistenceOptions {
  seconds: number;
  concurrency: number;
  tokens: number;
  pacedSeconds: number;
  pacedConcurrency: number;
  pacedTokens: number;
  pacedDelayMs: number;
}

export interface BenchOptions {
  quick: boolean;
  only: ScenarioName[];
  profile: boolean;
  writeDocs: boolean;
  /** Only rewrite docs/benchmarks.md and the chart from bench/results (e.g. after editing analysis.md). */
  reportOnly: boolean;
  /** Longest wait, per scenario, for other processes to leave the machine quiet (seconds). */
  quietWaitS: number;
  /** A module of bench/experiments/ preloaded into every server child (results kept apart). */
  experiment?: string;
  overhead: OverheadOptions;
  concurrency: ConcurrencyOptions;
  idle: IdleOptions;
  history: HistoryOptions;
  persistence: PersistenceOptions;
  usage: UsageOptions;
}

const USAGE = `npm run bench -- [options]
  --quick                 small sizes, under 2 minutes
  --only=a,b              scenarios: ${SCENARIOS.join(', ')}
  --profile               run the server with --cpu-prof and summarise the top functions
  --no-docs               do not rewrite docs/benchmarks.md and the chart
  --report-only           measure nothing: rewrite the docs from bench/results (after editing analysis.md)
  --experiment=NAME       preload bench/experiments/NAME.ts into the server (results kept apart)
  --wait=S                longest wait per scenario for a quiet machine (full 120, quick 5)
  --turns=N               overhead: sequential turns (full 200, quick 50)
  --overhead-tokens=N     overhead: tokens per answer (default 50)
  --levels=1,10,100,500   concurrency: simultaneous turns (quick 1,10,100)
  --sockets=1000,10000    idle-sockets: socket counts (quick 1000)
  --messages=N            history: messages in the big chat (full 100000, quick 20000)
  --answers=N             usage: stored answers of the measured user (full 100000, quick 20000)
  --persist-seconds=N     persistence: seconds of the saturation run (full 20, quick 6)
  --persist-concurrency=N persistence: closed-loop clients (default 16)
`;

const list = (value: string) =>
  value
    .split(',')
    .map((part) => Number(part.trim()))
    .filter((n) => Number.isFinite(n) && n > 0);

export function parseOptions(argv: string[]): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      only: { type: 'string' },
      profile: { type: 'boolean', default: false },
      'no-docs': { type: 'boolean', default: false },
      'report-only': { type: 'boolean', default: false },
      wait: { type: 'string' },
      experiment: { type: 'string' },
      turns: { type: 'string' },
      'overhead-tokens': { type: 'string' },
      levels: { type: 'string' },
      sockets: { type: 'string' },
      messages: { type: 'string' },
      answers: { type: 'string' },
      'persist-seconds': { type: 'string' },
      'persist-concurrency': { type: 'string' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(USAGE);
    process.exit(0);
  }
  const quick = values.quick === true;
  const only = values.only
    ? (values.only.split(',').map((name) => name.trim()) as ScenarioName[])
    : SCENARIOS;
  for (const name of only)
    if (!SCENARIOS.includes(name)) throw new Error(`unknown scenario "${name}"\n${USAGE}`);
  const number = (value: string | undefined, fallback: number) => (value ? Number(value) : fallback);
  return {
    quick,
    only,
    profile: values.profile === true,
    writeDocs: values['no-docs'] !== true,
    reportOnly: values['report-only'] === true,
    quietWaitS: number(values.wait, quick ? 5 : 120),
    experiment: values.experiment,
    overhead: {
      turns: number(values.turns, quick ? 50 : 200),
      warmup: quick ? 10 : 20,
      tokens: number(values['overhead-tokens'], 50),
    },
    concurrency: {
      levels: values.levels ? list(values.levels) : quick ? [1, 10, 100] : [1, 10, 100, 500],
      tokens: 100,
      delayMs: 20,
      minTurns: quick ? 10 : 30,
      maxRounds: quick ? 3 : 10,
      users: 10,
    },
    idle: { counts: values.sockets ? list(values.sockets) : quick ? [1000] : [1000, 10000], users: 10 },
    history: {
      messages: number(values.messages, quick ? 20_000 : 100_000),
      pages: quick ? 50 : 200,
      firstPageSamples: quick ? 100 : 300,
      turns: quick ? 20 : 50,
    },
    usage: { answers: number(values.answers, quick ? 20_000 : 100_000), samples: quick ? 60 : 200 },
    persistence: {
      seconds: number(values['persist-seconds'], quick ? 5 : 20),
      concurrency: number(values['persist-concurrency'], 16),
      tokens: 50,
      pacedSeconds: quick ? 4 : 12,
      pacedConcurrency: 100,
      pacedTokens: 100,
      pacedDelayMs: 20,
    },
  };
}
