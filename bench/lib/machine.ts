import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';

export interface MachineInfo {
  cpuModel: string;
  cores: number;
  ramGiB: number;
  node: string;
  os: string;
  kernel: string;
  /** Soft limit of open files for this process (children inherit it). */
  fdLimit: number;
  /** File system of the temporary data directories (where SQLite writes). */
  tmpFs: string;
}

function fileSystemOf(dir: string): string {
  try {
    const out = execFileSync('df', ['-T', dir], { encoding: 'utf8' }).trim().split('\n');
    return out[out.length - 1]?.split(/\s+/)[1] ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

/** The soft "Max open files" limit, from /proc (no shell needed). */
export function openFileLimit(): number {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8')
      .split('\n')
      .find((row) => row.startsWith('Max open files'));
    const soft = line?.split(/\s{2,}/)[1];
    return soft === 'unlimited' ? Number.POSITIVE_INFINITY : Number(soft);
  } catch {
    return 1024;
  }
}

function distribution(): string {
  try {
    const text = readFileSync('/etc/os-release', 'utf8');
    return /PRETTY_NAME="([^"]+)"/.exec(text)?.[1] ?? os.type();
  } catch {
    return os.type();
  }
}

export function machineInfo(): MachineInfo {
  const cpus = os.cpus();
  return {
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    ramGiB: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    node: process.version,
    os: distribution(),
    kernel: os.release(),
    fdLimit: openFileLimit(),
    tmpFs: fileSystemOf(os.tmpdir()),
  };
}
