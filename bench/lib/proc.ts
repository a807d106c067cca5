import { readFileSync } from 'node:fs';

/** Linux clock ticks per second for /proc/<pid>/stat times (USER_HZ is 100 on every mainstream kernel). */
const TICKS_PER_SECOND = 100;

/** Resident set size of a process in bytes (VmRSS), or NaN when it is gone. */
export function readRss(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
    return kib ? Number(kib) * 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/** User + system CPU time a process has used, in milliseconds (utime + stime of /proc/<pid>/stat). */
export function readCpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may contain spaces and parentheses: fields are counted after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    return ((utime + stime) * 1000) / TICKS_PER_SECOND;
  } catch {
    return Number.NaN;
  }
}

export interface ResourceUsage {
  /** Wall time of the window, ms. */
  wallMs: number;
  /** CPU time used in the window, ms. */
  cpuMs: number;
  /** cpuMs / wallMs: 1.0 = one core fully busy. */
  cpuCores: number;
  rssStartBytes: number;
  rssPeakBytes: number;
  rssEndBytes: number;
}

/** Samples one process's RSS every `intervalMs` and its CPU time at start and stop. */
export class ResourceSampler {
  private readonly startedAt = performance.now();
  private readonly cpuStart: number;
  private readonly rssStart: number;
  private peak: number;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly pid: number,
    intervalMs = 100,
  ) {
    this.cpuStart = readCpuMs(pid);
    this.rssStart = readRss(pid);
    this.peak = this.rssStart;
    this.timer = setInterval(() => this.sample(), intervalMs);
    this.timer.unref();
  }

  private sample(): void {
    const rss = readRss(this.pid);
    if (rss > this.peak) this.peak = rss;
  }

  stop(): ResourceUsage {
    clearInterval(this.timer);
    this.sample();
    const wallMs = performance.now() - this.startedAt;
    const cpuMs = readCpuMs(this.pid) - this.cpuStart;
    return {
      wallMs,
      cpuMs,
      cpuCores: cpuMs / wallMs,
      rssStartBytes: this.rssStart,
      rssPeakBytes: this.peak,
      rssEndBytes: readRss(this.pid),
    };
  }
}

/** The same window measured for this (the bench client) process, from process.cpuUsage. */
export class SelfCpuSampler {
  private readonly startedAt = performance.now();
  private readonly start = process.cpuUsage();

  stop(): { wallMs: number; cpuMs: number; cpuCores: number } {
    const wallMs = performance.now() - this.startedAt;
    const used = process.cpuUsage(this.start);
    const cpuMs = (used.user + used.system) / 1000;
    return { wallMs, cpuMs, cpuCores: cpuMs / wallMs };
  }
}

/** Busy CPU time of the whole machine (all cores), ms, from the first line of /proc/stat. */
export function machineBusyMs(): number {
  const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0] ?? '';
  // cpu user nice system idle iowait irq softirq steal guest guest_nice
  const [user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number);
  const busy = [user, nice, system, irq, softirq, steal].reduce<number>(
    (sum, value) => sum + (value ?? 0),
    0,
  );
  return (busy * 1000) / TICKS_PER_SECOND;
}

/** CPU of this process plus every child it has already reaped (cutime + cstime), ms. */
export function selfAndReapedChildrenCpuMs(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const [utime, stime, cutime, cstime] = [11, 12, 13, 14].map((index) => Number(fields[index]));
  return (((utime ?? 0) + (stime ?? 0) + (cutime ?? 0) + (cstime ?? 0)) * 1000) / TICKS_PER_SECOND;
}

export interface MachineLoad {
  wallS: number;
  /** Whole machine, in cores. */
  busyCores: number;
  /** The bench, its servers and its double, in cores. */
  benchFamilyCores: number;
  /** Everything else on the machine: a high value means the numbers were disturbed. */
  otherCores: number;
}

/**
 * How busy the machine was during a window, and how much of that was not us. `livePids` are child
 * processes still running at the end (their CPU is not yet in cutime/cstime).
 */
export class MachineLoadSampler {
  private readonly startedAt = performance.now();
  private readonly busyStart = machineBusyMs();
  private readonly familyStart: number;

  constructor(private readonly livePids: number[]) {
    this.familyStart = selfAndReapedChildrenCpuMs() + livePids.reduce((sum, pid) => sum + readCpuMs(pid), 0);
  }

  stop(): MachineLoad {
    const wallMs = performance.now() - this.startedAt;
    const busy = machineBusyMs() - this.busyStart;
    const family =
      selfAndReapedChildrenCpuMs() +
      this.livePids.reduce((sum, pid) => sum + readCpuMs(pid), 0) -
      this.familyStart;
    const cores = (ms: number) => Math.round((ms / wallMs) * 100) / 100;
    return {
      wallS: Math.round(wallMs / 100) / 10,
      busyCores: cores(busy),
      benchFamilyCores: cores(family),
      otherCores: cores(Math.max(0, busy - family)),
    };
  }
}
