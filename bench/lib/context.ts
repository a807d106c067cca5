import type { DoubleProcess } from './double-process.ts';
import type { MachineInfo } from './machine.ts';
import type { MachineLoad } from './proc.ts';
import { ServerProcess, type ServerStartOptions } from './server-process.ts';

export type ScenarioName = 'overhead' | 'concurrency' | 'idle-sockets' | 'history' | 'persistence' | 'usage';
export const SCENARIOS: ScenarioName[] = [
  'overhead',
  'concurrency',
  'idle-sockets',
  'history',
  'persistence',
  'usage',
];

export interface TargetCheck {
  name: string;
  target: string;
  measured: string;
  pass: boolean;
}

/** Everything a scenario produces: its config, its numbers, the targets it checks, notes for the docs. */
export interface ScenarioResult {
  config: Record<string, unknown>;
  results: Record<string, unknown>;
  targets: TargetCheck[];
  notes: string[];
}

export interface ScenarioFile extends ScenarioResult {
  scenario: ScenarioName;
  date: string;
  mode: 'quick' | 'full';
  command: string;
  machine: MachineInfo;
  durationS: number;
  /** How busy the machine was, and how much of it was other processes (see MachineLoadSampler). */
  machineLoad: MachineLoad & { before: { waitedS: number; otherCores: number } };
  profiles?: unknown[];
}

export interface BenchContext {
  root: string;
  quick: boolean;
  double: DoubleProcess;
  /** Starts the server child (with --cpu-prof when the run profiles); stopped by the runner at the end. */
  startServer(options?: Partial<ServerStartOptions>): Promise<ServerProcess>;
  /**
   * Marks the measured part of the scenario: profiles (--profile) only count samples inside these
   * windows, so server start-up and fixtures do not crowd the top functions.
   */
  measured: MeasuredWindows;
  log(line: string): void;
}

/** Windows on the monotonic clock (µs), the clock V8 stamps its CPU profile samples with. */
export class MeasuredWindows {
  readonly windows: { startUs: number; endUs: number }[] = [];
  private openedAt: number | undefined;

  private static nowUs(): number {
    return Number(process.hrtime.bigint() / 1000n);
  }

  begin(): void {
    this.openedAt = MeasuredWindows.nowUs();
  }

  end(): void {
    if (this.openedAt === undefined) return;
    this.windows.push({ startUs: this.openedAt, endUs: MeasuredWindows.nowUs() });
    this.openedAt = undefined;
  }
}

export function createServerStarter(
  root: string,
  double: DoubleProcess,
  cpuProfileDir: string | undefined,
  started: ServerProcess[],
  experimentPreload?: string,
): BenchContext['startServer'] {
  return async (options = {}) => {
    const preload = [...(experimentPreload ? [experimentPreload] : []), ...(options.preload ?? [])];
    const server = await ServerProcess.start({
      root,
      doubleUrl: double.url,
      cpuProfileDir,
      ...options,
      preload,
    });
    started.push(server);
    return server;
  };
}
