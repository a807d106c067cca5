// Scenario 3 — idle connections: N authenticated WebSockets held open; the server's RSS growth per
// socket, the time to open them, and whether an open crowd slows a turn or a health check.
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { type BenchUser, createUsers } from '../lib/accounts.ts';
import type { BenchContext, ScenarioResult, TargetCheck } from '../lib/context.ts';
import { ttftOf } from '../lib/direct-client.ts';
import { openFileLimit } from '../lib/machine.ts';
import type { IdleOptions } from '../lib/options.ts';
import { idleHealthLatency } from '../lib/probes.ts';
import { readCpuMs, readRss } from '../lib/proc.ts';
import type { ServerProcess } from '../lib/server-process.ts';
import { percentile, round, summarize } from '../lib/stats.ts';
import { BenchSocket, closeSockets, openSockets } from '../lib/ws-client.ts';

/** fds/ports kept free for the database, the double, HTTP clients and the runtime itself. */
const HEADROOM = 1000;

function ephemeralPorts(): number {
  try {
    const [low, high] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8')
      .trim()
      .split(/\s+/)
      .map(Number);
    return (high as number) - (low as number) + 1;
  } catch {
    return 28_000;
  }
}

/** Median RSS over a short window: one sample can land on either side of a GC. */
async function steadyRss(pid: number, samples = 10, intervalMs = 100): Promise<number> {
  const values: number[] = [];
  for (let i = 0; i < samples; i++) {
    values.push(readRss(pid));
    await sleep(intervalMs);
  }
  return percentile(values, 50);
}

async function turnTtfts(server: ServerProcess, user: BenchUser, turns: number): Promise<number[]> {
  const socket = await BenchSocket.connect(server.wsUrl, user.token);
  const values: number[] = [];
  for (let i = 0; i < turns; i++) {
    const timing = await socket.runTurn({
      botId: user.botId,
      message: `idle probe ${i} [[double tokens=20 delay=0]]`,
    });
    if (!timing.error) values.push(ttftOf(timing));
  }
  await socket.close();
  return values;
}

export interface IdleCountResult {
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
}

export async function runIdleSockets(ctx: BenchContext, options: IdleOptions): Promise<ScenarioResult> {
  const notes: string[] = [];
  const fdLimit = openFileLimit();
  const ports = ephemeralPorts();
  const ceiling = Math.min(fdLimit, ports) - HEADROOM;
  const counts: IdleCountResult[] = [];
  for (const requested of options.counts) {
    const count = Math.min(requested, ceiling);
    if (count < requested) {
      notes.push(
        `Lowered ${requested} sockets to ${count}: open-file limit ${fdLimit} (ulimit -n), ${ports} ephemeral ports, ${HEADROOM} kept free.`,
      );
    }
    ctx.log(`  ${count} idle sockets`);
    const server = await ctx.startServer();
    const users = await createUsers(server.url, options.users);
    const probeUser = users[0] as BenchUser;
    const ttftBefore = await turnTtfts(server, probeUser, 20);
    const healthIdle = await idleHealthLatency(server.url);
    const rssBefore = await steadyRss(server.pid);
    const clientRssBefore = process.memoryUsage().rss;

    ctx.measured.begin();
    const openStarted = performance.now();
    const sockets = await openSockets(
      server.wsUrl,
      users.map((u) => u.token),
      count,
      100,
    );
    const openSeconds = (performance.now() - openStarted) / 1000;
    await sleep(2000);
    const cpuStart = readCpuMs(server.pid);
    const rssAfter = await steadyRss(server.pid, 30, 100);
    const idleCpuCores = (readCpuMs(server.pid) - cpuStart) / 3000;
    const clientRssAfter = process.memoryUsage().rss;
    const healthWith = await idleHealthLatency(server.url);
    const ttftWith = await turnTtfts(server, probeUser, 20);
    ctx.measured.end();
    await closeSockets(sockets);

    counts.push({
      requested,
      sockets: count,
      openSeconds: round(openSeconds, 2),
      upgradesPerSecond: round(count / openSeconds, 0),
      rssBeforeMiB: round(rssBefore / 2 ** 20, 1),
      rssAfterMiB: round(rssAfter / 2 ** 20, 1),
      rssPerSocketKiB: round((rssAfter - rssBefore) / count / 1024, 2),
      idleCpuCores: round(idleCpuCores, 4),
      clientRssPerSocketKiB: round((clientRssAfter - clientRssBefore) / count / 1024, 2),
      healthMs: { idle: healthIdle.p50, withSockets: healthWith.p50 },
      ttftP50Ms: { before: round(summarize(ttftBefore).p50), withSockets: round(summarize(ttftWith).p50) },
    });
    ctx.log(
      `    ${counts[counts.length - 1]?.rssPerSocketKiB} KiB per socket, ${counts[counts.length - 1]?.upgradesPerSecond} upgrades/s`,
    );
    await server.stop();
  }

  const largest = counts[counts.length - 1];
  const targets: TargetCheck[] = largest
    ? [
        {
          name: `RSS per idle socket (${largest.sockets} sockets)`,
          target: '< 64 KiB',
          measured: `${largest.rssPerSocketKiB} KiB`,
          pass: largest.rssPerSocketKiB < 64,
        },
      ]
    : [];
  return {
    config: { ...options, fdLimit, ephemeralPorts: ports },
    results: { counts },
    targets,
    notes: [
      ...notes,
      'RSS per socket = (median server RSS over 3 s with the sockets open, 2 s after the last upgrade − median RSS before) ÷ sockets. Kernel socket buffers are not part of RSS.',
      `Sockets are spread over ${options.users} users (CACHIBOT_MAX_SOCKETS raised), opened 100 upgrades at a time; each upgrade authenticates with a bearer token.`,
      'A fresh server per count, so one count’s heap does not carry into the next.',
    ],
  };
}
