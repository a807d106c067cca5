// Scenario 2 — concurrency: N simultaneous turns (one socket each, spread over several users), the
// double pacing tokens like a real model. Each level alternates a direct batch (N streams straight
// from the double) with a server batch, and compares tokens/s delivered and TTFT.
import { setTimeout as sleep } from 'node:timers/promises';
import { BENCH_PROVIDER_MODEL, BENCH_SYSTEM_PROMPT, type BenchUser, createUsers } from '../lib/accounts.ts';
import type { BenchContext, ScenarioResult, TargetCheck } from '../lib/context.ts';
import { DirectClient, type StreamTiming, ttftOf } from '../lib/direct-client.ts';
import type { ConcurrencyOptions } from '../lib/options.ts';
import { HealthProbe, idleHealthLatency, LoopDelayProbe } from '../lib/probes.ts';
import { ResourceSampler, readRss, SelfCpuSampler } from '../lib/proc.ts';
import type { ServerProcess } from '../lib/server-process.ts';
import { ratio, round, roundSummary, summarize } from '../lib/stats.ts';
import { type BenchSocket, closeSockets, openSockets, type TurnTiming } from '../lib/ws-client.ts';

export interface LevelResult {
  concurrency: number;
  rounds: number;
  turns: number;
  failures: number;
  directFailures: number;
  tokensPerSecond: { server: number; direct: number; doubleSentDuringServer: number };
  /** Delivered through the server / delivered directly: the share of the physical limit. */
  deliveredRatio: number;
  /** Delivered to clients / sent by the double in the same server batches. */
  deliveredVsSent: number;
  ttftMs: { server: ReturnType<typeof roundSummary>; direct: ReturnType<typeof roundSummary> };
  addedTtftMs: { p50: number; p99: number };
  /** From the server's own clock (done metadata, whole ms): frame received → first token; → provider request. */
  serverClockMs: { ttftP50: number; ttftP99: number; beforeModelCallP50: number; beforeModelCallP99: number };
  perTurnTokensPerSecond: { server: number; direct: number };
  /** cpuMsPerTurn excludes the health probe's own cost (measured on the idle server beforehand). */
  server: { cpuCores: number; cpuMsPerTurn: number; rssPeakMiB: number; rssStartMiB: number };
  doubleCpuCores: { serverBatches: number; directBatches: number };
  benchCpuCores: { serverBatches: number; directBatches: number };
  healthMs: ReturnType<typeof roundSummary>;
  clientLoopDelayMs: { p50: number; p99: number; max: number };
}

interface Batch {
  timings: StreamTiming[];
  tokens: number;
  windowMs: number;
}

function batchOf(timings: StreamTiming[]): Batch {
  const ok = timings.filter((t) => !t.error);
  const tokens = ok.reduce((sum, t) => sum + t.tokens, 0);
  const first = Math.min(...timings.map((t) => t.sentAt));
  const last = Math.max(...ok.map((t) => t.lastTokenAt));
  return { timings, tokens, windowMs: last - first };
}

const rate = (batches: Batch[]) =>
  (batches.reduce((sum, b) => sum + b.tokens, 0) / batches.reduce((sum, b) => sum + b.windowMs, 0)) * 1000;

const perTurnRate = (timings: StreamTiming[]) =>
  summarize(
    timings
      .filter((t) => !t.error && t.tokens > 1)
      .map((t) => ((t.tokens - 1) / (t.lastTokenAt - t.firstTokenAt)) * 1000),
  ).p50;

const mib = (bytes: number) => round(bytes / 2 ** 20, 1);

function serverClock(timings: TurnTiming[]): LevelResult['serverClockMs'] {
  const clocked = timings.flatMap((t) => (t.server ? [t.server] : []));
  const ttft = summarize(clocked.map((c) => c.ttftMs));
  const before = summarize(clocked.map((c) => c.durationMs - c.attemptMs));
  return {
    ttftP50: ttft.p50,
    ttftP99: ttft.p99,
    beforeModelCallP50: before.p50,
    beforeModelCallP99: before.p99,
  };
}

async function runLevel(
  ctx: BenchContext,
  server: ServerProcess,
  users: BenchUser[],
  direct: DirectClient,
  concurrency: number,
  options: ConcurrencyOptions,
  probeCpuCores: number,
): Promise<LevelResult> {
  const rounds = Math.min(options.maxRounds, Math.max(1, Math.ceil(options.minTurns / concurrency)));
  const sockets = await openSockets(
    server.wsUrl,
    users.map((u) => u.token),
    concurrency,
  );
  const botOf = (index: number) => (users[index % users.length] as BenchUser).botId;
  const directive = `[[double tokens=${options.tokens} delay=${options.delayMs}]]`;
  const serverBatches: Batch[] = [];
  const directBatches: Batch[] = [];
  const health: number[] = [];
  let doubleSentTokens = 0;
  let doubleSentMs = 0;
  let serverCpuMs = 0;
  let serverWallMs = 0;
  let rssPeak = 0;
  const rssStart = readRss(server.pid);
  const doubleCores = { server: [] as number[], direct: [] as number[] };
  const benchCores = { server: [] as number[], direct: [] as number[] };
  const loop = new LoopDelayProbe();

  // Each path sits idle while the other one runs, and on this kind of machine anything that was idle
  // for a second runs several times slower at first (see bench/analysis.md). One tiny exchange on the
  // path right before its batch makes both batches start warm, so the comparison stays fair.
  const warmDirective = '[[double tokens=1 delay=0]]';
  const warmDirect = () =>
    direct.stream({
      model: BENCH_PROVIDER_MODEL,
      system: BENCH_SYSTEM_PROMPT,
      message: `warm ${warmDirective}`,
    });
  const warmServer = () =>
    (sockets[0] as BenchSocket).runTurn({ botId: botOf(0), message: `warm ${warmDirective}` });

  for (let round_ = 0; round_ < rounds; round_++) {
    {
      await warmDirect();
      const doubleUsage = new ResourceSampler(ctx.double.pid);
      const self = new SelfCpuSampler();
      const timings = await Promise.all(
        sockets.map((_, i) =>
          direct.stream({
            model: BENCH_PROVIDER_MODEL,
            system: BENCH_SYSTEM_PROMPT,
            message: `c${concurrency} r${round_} #${i} ${directive}`,
          }),
        ),
      );
      directBatches.push(batchOf(timings));
      doubleCores.direct.push(doubleUsage.stop().cpuCores);
      benchCores.direct.push(self.stop().cpuCores);
    }
    await sleep(200);
    {
      await warmServer();
      await ctx.double.reset();
      const probe = new HealthProbe(server.url);
      const usage = new ResourceSampler(server.pid);
      const doubleUsage = new ResourceSampler(ctx.double.pid);
      const self = new SelfCpuSampler();
      const timings = await Promise.all(
        sockets.map((socket: BenchSocket, i) =>
          socket.runTurn({ botId: botOf(i), message: `c${concurrency} r${round_} #${i} ${directive}` }),
        ),
      );
      const used = usage.stop();
      serverBatches.push(batchOf(timings));
      serverCpuMs += used.cpuMs;
      serverWallMs += used.wallMs;
      rssPeak = Math.max(rssPeak, used.rssPeakBytes);
      doubleCores.server.push(doubleUsage.stop().cpuCores);
      benchCores.server.push(self.stop().cpuCores);
      health.push(...(await probe.stop()));
      const sent = await ctx.double.stats();
      doubleSentTokens += sent.tokensSent;
      doubleSentMs += sent.lastFinishedAt - sent.firstStartedAt;
    }
    await sleep(200);
  }
  const loopDelay = loop.stop();
  await closeSockets(sockets);

  const serverTimings = serverBatches.flatMap((b) => b.timings);
  const directTimings = directBatches.flatMap((b) => b.timings);
  const okServer = serverTimings.filter((t) => !t.error);
  const ttftServer = summarize(okServer.map(ttftOf));
  const ttftDirect = summarize(directTimings.filter((t) => !t.error).map(ttftOf));
  const serverRate = rate(serverBatches);
  const directRate = rate(directBatches);
  const sentRate = (doubleSentTokens / doubleSentMs) * 1000;
  const mean = (values: number[]) => round(values.reduce((a, b) => a + b, 0) / values.length, 2);
  return {
    concurrency,
    rounds,
    turns: serverTimings.length,
    failures:
      serverTimings.length - okServer.length + okServer.filter((t) => t.tokens !== options.tokens).length,
    directFailures: directTimings.filter((t) => t.error || t.tokens !== options.tokens).length,
    tokensPerSecond: {
      server: round(serverRate, 1),
      direct: round(directRate, 1),
      doubleSentDuringServer: round(sentRate, 1),
    },
    deliveredRatio: round(ratio(serverRate, directRate), 4),
    deliveredVsSent: round(ratio(serverRate, sentRate), 4),
    ttftMs: { server: roundSummary(ttftServer), direct: roundSummary(ttftDirect) },
    addedTtftMs: { p50: round(ttftServer.p50 - ttftDirect.p50), p99: round(ttftServer.p99 - ttftDirect.p99) },
    serverClockMs: serverClock(okServer),
    perTurnTokensPerSecond: {
      server: round(perTurnRate(serverTimings), 1),
      direct: round(perTurnRate(directTimings), 1),
    },
    server: {
      cpuCores: round(serverCpuMs / serverWallMs, 3),
      cpuMsPerTurn: round(Math.max(0, serverCpuMs - probeCpuCores * serverWallMs) / serverTimings.length, 2),
      rssPeakMiB: mib(rssPeak),
      rssStartMiB: mib(rssStart),
    },
    doubleCpuCores: { serverBatches: mean(doubleCores.server), directBatches: mean(doubleCores.direct) },
    benchCpuCores: { serverBatches: mean(benchCores.server), directBatches: mean(benchCores.direct) },
    healthMs: roundSummary(summarize(health)),
    clientLoopDelayMs: loopDelay,
  };
}

export async function runConcurrency(
  ctx: BenchContext,
  options: ConcurrencyOptions,
): Promise<ScenarioResult> {
  const server = await ctx.startServer();
  const users = await createUsers(server.url, options.users);
  const direct = new DirectClient(ctx.double.url);
  const idleHealth = await idleHealthLatency(server.url);
  // What the health probe alone costs the server, so it can be taken out of the CPU per turn.
  const probeOnly = new ResourceSampler(server.pid);
  const probe = new HealthProbe(server.url);
  await sleep(3000);
  await probe.stop();
  const probeCpuCores = probeOnly.stop().cpuCores;

  ctx.log('  warm-up: 10 turns each way');
  const warm = await openSockets(
    server.wsUrl,
    users.map((u) => u.token),
    10,
  );
  const warmDirective = `[[double tokens=${options.tokens} delay=0]]`;
  await Promise.all(
    warm.map((s, i) =>
      s.runTurn({ botId: (users[i % users.length] as BenchUser).botId, message: `warm ${warmDirective}` }),
    ),
  );
  await Promise.all(
    warm.map(() =>
      direct.stream({
        model: BENCH_PROVIDER_MODEL,
        system: BENCH_SYSTEM_PROMPT,
        message: `warm ${warmDirective}`,
      }),
    ),
  );
  await closeSockets(warm);

  const levels: LevelResult[] = [];
  for (const concurrency of options.levels) {
    ctx.log(`  ${concurrency} simultaneous turns`);
    ctx.measured.begin();
    const level = await runLevel(ctx, server, users, direct, concurrency, options, probeCpuCores);
    ctx.measured.end();
    levels.push(level);
    ctx.log(
      `    TTFT p99 server ${level.ttftMs.server.p99} ms vs direct ${level.ttftMs.direct.p99} ms; ` +
        `tokens/s ${level.tokensPerSecond.server} vs ${level.tokensPerSecond.direct} (${(level.deliveredRatio * 100).toFixed(1)} %)`,
    );
  }
  direct.close();

  const targets: TargetCheck[] = [];
  const at100 = levels.find((level) => level.concurrency === 100);
  if (at100) {
    targets.push({
      name: 'server-added TTFT p99, 100 concurrent turns',
      target: '< 25 ms',
      measured: `${round(at100.addedTtftMs.p99, 1)} ms (server ${round(at100.ttftMs.server.p99, 1)} ms vs direct ${round(at100.ttftMs.direct.p99, 1)} ms)`,
      pass: at100.addedTtftMs.p99 < 25,
    });
    targets.push({
      name: "share of the double's token rate delivered, 100 concurrent turns",
      target: '≥ 98 %',
      measured: `${(at100.deliveredRatio * 100).toFixed(1)} % of direct (${(at100.deliveredVsSent * 100).toFixed(1)} % of what the double sent meanwhile)`,
      pass: at100.deliveredRatio >= 0.98,
    });
  }
  return {
    config: { ...options },
    results: { idleHealthMs: idleHealth, probeCpuCores: round(probeCpuCores, 4), levels },
    targets,
    notes: [
      'Tokens/s = tokens received by all clients ÷ (last token received − first request sent), summed over the rounds of a level; the same definition for the direct batches. "Sent by the double" is measured on the double\'s own clock during the server batches.',
      'Both paths are warmed with one 1-token exchange right before each batch: each path idles while the other runs, and on this machine a process that idled for a second runs several times slower at first (see the analysis).',
      'Health = `GET /api/health` latency polled every 50 ms during the server batches (idle baseline given separately): the server does not expose its event-loop delay, so this is its proxy.',
      'Server CPU per turn is net of the health probe’s own cost (measured alone on the idle server first); server CPU in cores is gross. CPU in cores: 1.00 = one core busy for the whole batch. The machine has the core count listed above; the server, the double and the bench client share it.',
    ],
  };
}
