// `npm run bench [-- options]`: drives the real server (a child process) over real WebSockets
// against the provider double (another child process), and the double directly, and reports the
// server's overhead as differences and ratios. See docs/benchmarks.md and `--help`.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  type BenchContext,
  createServerStarter,
  MeasuredWindows,
  type ScenarioFile,
  type ScenarioName,
  type ScenarioResult,
} from './lib/context.ts';
import { summarizeCpuProfile } from './lib/cpu-profile.ts';
import { DoubleProcess } from './lib/double-process.ts';
import { log } from './lib/log.ts';
import { machineInfo } from './lib/machine.ts';
import { type BenchOptions, parseOptions } from './lib/options.ts';
import { type MachineLoad, MachineLoadSampler } from './lib/proc.ts';
import { writeReport } from './lib/report.ts';
import { type ServerProcess, tempDir } from './lib/server-process.ts';
import { runConcurrency } from './scenarios/concurrency.ts';
import { runHistory } from './scenarios/history.ts';
import { runIdleSockets } from './scenarios/idle-sockets.ts';
import { runOverhead } from './scenarios/overhead.ts';
import { runPersistence } from './scenarios/persistence.ts';
import { runUsage } from './scenarios/usage.ts';

const root = path.resolve(import.meta.dirname, '..');
const resultsDir = path.join(root, 'bench', 'results');
const args = process.argv.slice(2);
const options = parseOptions(args);
const command = `npm run bench${args.length ? ` -- ${args.join(' ')}` : ''}`;
const experimentPreload = options.experiment
  ? path.join(root, 'bench', 'experiments', `${options.experiment}.ts`)
  : undefined;

const runners: Record<ScenarioName, (ctx: BenchContext, options: BenchOptions) => Promise<ScenarioResult>> = {
  overhead: (ctx, o) => runOverhead(ctx, o.overhead),
  concurrency: (ctx, o) => runConcurrency(ctx, o.concurrency),
  'idle-sockets': (ctx, o) => runIdleSockets(ctx, o.idle),
  history: (ctx, o) => runHistory(ctx, o.history),
  persistence: (ctx, o) => runPersistence(ctx, o.persistence),
  usage: (ctx, o) => runUsage(ctx, o.usage),
};

/**
 * Other work on a 2-core machine (a test run, a type check) shifts every number: wait, within bounds,
 * until the rest of the machine uses less than `threshold` cores, and record what it used.
 */
async function waitForQuietMachine(
  double: DoubleProcess,
  maxWaitS: number,
  threshold = 0.3,
): Promise<{ waitedS: number; otherCores: number }> {
  const started = performance.now();
  let load: MachineLoad;
  do {
    const sampler = new MachineLoadSampler([double.pid]);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    load = sampler.stop();
    if (load.otherCores < threshold) break;
    log(`  waiting for a quieter machine: other processes use ${load.otherCores} cores`);
  } while ((performance.now() - started) / 1000 < maxWaitS);
  return { waitedS: Math.round((performance.now() - started) / 1000), otherCores: load.otherCores };
}

/** Data directories (the history one holds ~100 MB) and raw profiles live in the temp dir: clean up. */
function removeTemporaryFiles(servers: ServerProcess[], cpuProfileDir: string | undefined): void {
  for (const dir of new Set([
    ...servers.map((server) => server.dataDir),
    ...(cpuProfileDir ? [cpuProfileDir] : []),
  ])) {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function runScenario(name: ScenarioName, double: DoubleProcess): Promise<boolean> {
  const started: ServerProcess[] = [];
  const cpuProfileDir = options.profile ? tempDir(`cachibot-prof-${name}-`) : undefined;
  const measured = new MeasuredWindows();
  const ctx: BenchContext = {
    root,
    quick: options.quick,
    double,
    startServer: createServerStarter(root, double, cpuProfileDir, started, experimentPreload),
    measured,
    log,
  };
  log(`▶ ${name}`);
  try {
    await double.reset();
    const quiet = await waitForQuietMachine(double, options.quietWaitS);
    const t0 = performance.now();
    const load = new MachineLoadSampler([double.pid]);
    const result = await runners[name](ctx, options);
    for (const server of started) await server.stop();
    const machineLoad = load.stop();
    if (machineLoad.otherCores > 0.2)
      log(`  note: other processes used ${machineLoad.otherCores} cores during this scenario`);
    const file: ScenarioFile = {
      scenario: name,
      date: new Date().toISOString(),
      mode: options.quick ? 'quick' : 'full',
      command,
      machine: machineInfo(),
      durationS: Math.round((performance.now() - t0) / 100) / 10,
      machineLoad: { ...machineLoad, before: quiet },
      ...result,
    };
    if (cpuProfileDir) {
      file.profiles = started.flatMap((server) => {
        const profile = server.cpuProfilePath();
        return profile
          ? [{ ...summarizeCpuProfile(profile, measured.windows), measuredWindows: measured.windows.length }]
          : [];
      });
    }
    // A profiled run is slower by the profiler's cost: keep its numbers apart from the real ones.
    const target = options.experiment
      ? path.join(resultsDir, 'experiments', options.experiment, `${name}.json`)
      : options.profile
        ? path.join(resultsDir, 'profiles', `${name}.json`)
        : path.join(resultsDir, `${name}.json`);
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, `${JSON.stringify(file, null, 2)}\n`);
    removeTemporaryFiles(started, cpuProfileDir);
    for (const check of result.targets)
      log(`  ${check.pass ? 'PASS' : 'MISS'} ${check.name}: ${check.measured} (target ${check.target})`);
    log(`  done in ${file.durationS} s → ${path.relative(root, target)}`);
    return true;
  } catch (error) {
    log(`  FAILED: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    for (const server of started) await server.stop().catch(() => undefined);
    removeTemporaryFiles(started, cpuProfileDir);
    return false;
  }
}

async function main(): Promise<void> {
  if (options.reportOnly) {
    const written = await writeReport(root);
    log(`wrote ${written.map((file) => path.relative(root, file)).join(', ')}`);
    process.exit(0);
  }
  const machine = machineInfo();
  log(
    `Cachibot bench (${options.quick ? 'quick' : 'full'}): ${machine.cpuModel}, ${machine.cores} cores, ${machine.ramGiB} GiB, node ${machine.node}`,
  );
  const double = await DoubleProcess.start(root);
  let ok = true;
  try {
    for (const name of options.only) ok = (await runScenario(name, double)) && ok;
  } finally {
    await double.stop();
  }
  // Docs show the plain server only: experiments and profiles do not rewrite them.
  if (options.writeDocs && !options.experiment) {
    const written = await writeReport(root);
    log(`wrote ${written.map((file) => path.relative(root, file)).join(', ')}`);
  }
  process.exit(ok ? 0 : 1);
}

await main();
