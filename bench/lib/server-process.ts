import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { HttpClient } from './http-client.ts';

export interface ServerStartOptions {
  /** Repository root (/work/main): the server runs from there like `npm start`. */
  root: string;
  doubleUrl: string;
  /** An existing data directory (history scenario); a fresh temporary one otherwise. */
  dataDir?: string;
  /** Extra environment (e.g. persistence knobs). */
  env?: Record<string, string>;
  /** Extra `--import` preload modules (absolute paths), e.g. the SQLite statement counter. */
  preload?: string[];
  /** Write a V8 CPU profile (`--cpu-prof`) into this directory on exit. */
  cpuProfileDir?: string;
}

/** A port the OS considers free right now (the child binds it a moment later). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

export function tempDir(prefix: string): string {
  return mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** The real server (`packages/server/src/main.ts`) in a child process, as `npm start` runs it. */
export class ServerProcess {
  private exited: Promise<number | null>;

  private constructor(
    private readonly child: ChildProcess,
    readonly pid: number,
    readonly url: string,
    readonly wsUrl: string,
    readonly dataDir: string,
    readonly cpuProfileDir: string | undefined,
  ) {
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  }

  static async start(options: ServerStartOptions): Promise<ServerProcess> {
    const port = await freePort();
    const dataDir = options.dataDir ?? tempDir('cachibot-bench-');
    const args = ['--import', 'tsx'];
    for (const module of options.preload ?? []) args.push('--import', module);
    if (options.cpuProfileDir) {
      mkdirSync(options.cpuProfileDir, { recursive: true });
      args.push('--cpu-prof', '--cpu-prof-dir', options.cpuProfileDir);
    }
    args.push('packages/server/src/main.ts');
    const child = spawn(process.execPath, args, {
      cwd: options.root,
      stdio: ['ignore', 'inherit', 'inherit'],
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? os.tmpdir(),
        PORT: String(port),
        HOST: '127.0.0.1',
        CACHIBOT_DATA_DIR: dataDir,
        LOG_LEVEL: 'warn',
        OPENAI_API_KEY: 'bench',
        OPENAI_BASE_URL: options.doubleUrl,
        OLLAMA_BASE_URL: 'http://127.0.0.1:9', // nothing listens there: ollama is unavailable at once
        LMSTUDIO_BASE_URL: 'http://127.0.0.1:9/v1', // and so is LM Studio
        CACHIBOT_MAX_CONCURRENT_TURNS: '100000',
        CACHIBOT_MAX_SOCKETS: '100000',
        // Abuse limits (per user / per socket) would refuse the load the bench generates on purpose.
        CACHIBOT_TURNS_PER_MINUTE: '100000000',
        CACHIBOT_WS_FRAME_BURST: '1000000',
        CACHIBOT_WS_FRAMES_PER_SECOND: '1000000',
        CACHIBOT_SHUTDOWN_GRACE_MS: '5000',
        ...options.env,
      },
    });
    const url = `http://127.0.0.1:${port}`;
    const server = new ServerProcess(
      child,
      child.pid as number,
      url,
      `ws://127.0.0.1:${port}/ws`,
      dataDir,
      options.cpuProfileDir,
    );
    await server.waitUntilHealthy();
    return server;
  }

  private async waitUntilHealthy(timeoutMs = 30_000): Promise<void> {
    const http = new HttpClient(this.url);
    const deadline = Date.now() + timeoutMs;
    let exitCode: number | null | undefined;
    void this.exited.then((code) => {
      exitCode = code;
    });
    try {
      while (Date.now() < deadline) {
        if (exitCode !== undefined) throw new Error(`server exited during start (${exitCode})`);
        try {
          if ((await http.request('GET', '/api/health')).status === 200) return;
        } catch {
          // not listening yet
        }
        await sleep(50);
      }
      throw new Error('server did not become healthy in time');
    } finally {
      http.close();
    }
  }

  /** Graceful stop (SIGTERM: running turns finish, the CPU profile is written). */
  async stop(): Promise<void> {
    if (this.child.exitCode === null) this.child.kill('SIGTERM');
    const killer = setTimeout(() => this.child.kill('SIGKILL'), 15_000);
    await this.exited;
    clearTimeout(killer);
  }

  /** Path of the profile written by --cpu-prof (after stop). */
  cpuProfilePath(): string | undefined {
    if (!this.cpuProfileDir) return undefined;
    const file = readdirSync(this.cpuProfileDir).find(
      (name) => name.includes(`.${this.pid}.0.`) && name.endsWith('.cpuprofile'),
    );
    return file ? path.join(this.cpuProfileDir, file) : undefined;
  }
}
