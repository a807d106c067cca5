// Scenario 1 — overhead per turn: one client, sequential turns, the double streaming with no delay.
// Each turn is measured through the server (WebSocket) and directly against the double (HTTP/SSE),
// interleaved so drift (JIT warm-up, page cache, CPU frequency) hits both paths alike.
import { BENCH_PROVIDER_MODEL, BENCH_SYSTEM_PROMPT, createUsers } from '../lib/accounts.ts';
import type { BenchContext, ScenarioResult } from '../lib/context.ts';
import { DirectClient, endOf, lastTokenOf, type StreamTiming, ttftOf } from '../lib/direct-client.ts';
import type { OverheadOptions } from '../lib/options.ts';
import { LoopDelayProbe } from '../lib/probes.ts';
import { ResourceSampler } from '../lib/proc.ts';
import { round, roundSummary, summarize } from '../lib/stats.ts';
import { BenchSocket, type TurnTiming } from '../lib/ws-client.ts';

const fmt = (ms: number) => `${round(ms, 2)} ms`;

export async function runOverhead(ctx: BenchContext, options: OverheadOptions): Promise<ScenarioResult> {
  const server = await ctx.startServer();
  const [user] = await createUsers(server.url, 1);
  if (!user) throw new Error('no user');
  const socket = await BenchSocket.connect(server.wsUrl, user.token);
  const direct = new DirectClient(ctx.double.url);
  const directive = `[[double tokens=${options.tokens} delay=0]]`;
  const viaServer = (i: number) =>
    socket.runTurn({ botId: user.botId, message: `overhead turn ${i} ${directive}` });
  const viaDirect = (i: number) =>
    direct.stream({
      model: BENCH_PROVIDER_MODEL,
      system: BENCH_SYSTEM_PROMPT,
      message: `overhead turn ${i} ${directive}`,
    });

  ctx.log(`  warm-up: ${options.warmup} turns each way`);
  for (let i = 0; i < options.warmup; i++) {
    await viaServer(-i - 1);
    await viaDirect(-i - 1);
  }
  await ctx.double.reset();

  ctx.log(`  measuring ${options.turns} sequential turns through the server and directly`);
  const server_: TurnTiming[] = [];
  const direct_: StreamTiming[] = [];
  const loop = new LoopDelayProbe();
  const resources = new ResourceSampler(server.pid);
  ctx.measured.begin();
  for (let i = 0; i < options.turns; i++) {
    // Alternate the order so neither path always runs right after the other.
    if (i % 2 === 0) {
      direct_.push(await viaDirect(i));
      server_.push(await viaServer(i));
    } else {
      server_.push(await viaServer(i));
      direct_.push(await viaDirect(i));
    }
  }
  ctx.measured.end();
  const usage = resources.stop();
  const loopDelay = loop.stop();
  await socket.close();
  direct.close();

  const failures = server_.filter((t) => t.error || t.tokens !== options.tokens).length;
  const directFailures = direct_.filter((t) => t.error || t.tokens !== options.tokens).length;
  const ok = server_.filter((t) => !t.error);
  const ttftServer = summarize(ok.map(ttftOf));
  const ttftDirect = summarize(direct_.map(ttftOf));
  const paired = summarize(server_.map((t, i) => ttftOf(t) - ttftOf(direct_[i] as StreamTiming)));
  const endServer = summarize(ok.map(endOf));
  const endDirect = summarize(direct_.map(endOf));
  const lastServer = summarize(ok.map(lastTokenOf));
  const turnStart = summarize(ok.map((t) => (t.startedAt ?? Number.NaN) - t.sentAt));
  const added = { p50: ttftServer.p50 - ttftDirect.p50, p99: ttftServer.p99 - ttftDirect.p99 };
  // Where the server's TTFT goes, from the server's own clock (whole ms, so means are reported).
  const clocked = ok.filter((t) => t.server);
  const mean = (values: number[]) => round(values.reduce((a, b) => a + b, 0) / values.length, 2);
  const breakdown = {
    turns: clocked.length,
    beforeModelCallMs: mean(clocked.map((t) => (t.server?.durationMs ?? 0) - (t.server?.attemptMs ?? 0))),
    modelCallToFirstTokenMs: mean(
      clocked.map(
        (t) => (t.server?.ttftMs ?? 0) - ((t.server?.durationMs ?? 0) - (t.server?.attemptMs ?? 0)),
      ),
    ),
    serverTtftMs: mean(clocked.map((t) => t.server?.ttftMs ?? 0)),
    transportMs: mean(clocked.map((t) => ttftOf(t) - (t.server?.ttftMs ?? 0))),
    directTtftMs: mean(direct_.map(ttftOf)),
  };

  return {
    config: {
      ...options,
      chat: 'a new chat per turn (system prompt + one user message, the same request as the direct call)',
    },
    results: {
      failures,
      directFailures,
      ttft: {
        server: roundSummary(ttftServer),
        direct: roundSummary(ttftDirect),
        pairedDifference: roundSummary(paired),
      },
      addedTtftMs: { p50: round(added.p50), p99: round(added.p99) },
      ttftRatio: {
        p50: round(ttftServer.p50 / ttftDirect.p50, 2),
        p99: round(ttftServer.p99 / ttftDirect.p99, 2),
      },
      turnStarted: roundSummary(turnStart),
      ttftBreakdownMeanMs: breakdown,
      lastToken: { server: roundSummary(lastServer), direct: roundSummary(endDirect) },
      endToEnd: { server: roundSummary(endServer), direct: roundSummary(endDirect) },
      endToEndRatio: {
        p50: round(endServer.p50 / endDirect.p50, 2),
        p99: round(endServer.p99 / endDirect.p99, 2),
      },
      addedEndToEndMs: {
        p50: round(endServer.p50 - endDirect.p50),
        p99: round(endServer.p99 - endDirect.p99),
      },
      server: {
        cpuMsPerTurn: round(usage.cpuMs / options.turns),
        cpuCores: round(usage.cpuCores),
        rssMiB: round(usage.rssPeakBytes / 2 ** 20, 1),
      },
      clientLoopDelayMs: loopDelay,
    },
    targets: [
      {
        name: 'server-added TTFT p99, 1 client',
        target: '< 5 ms',
        measured: `${fmt(added.p99)} (server ${fmt(ttftServer.p99)} vs direct ${fmt(ttftDirect.p99)})`,
        pass: added.p99 < 5,
      },
    ],
    notes: [
      'Server TTFT: `chat` frame sent → first `text_delta` received. Direct TTFT: POST sent → first SSE chunk with content. Same model, system prompt and user message.',
      'End to end: server = `chat` sent → `done` received (after the final write); direct = POST sent → response end.',
      'TTFT breakdown (means, from the server’s own clock in the `done` metadata: whole milliseconds): before the model call = frame received → provider request starts (validation, database reads and the turn’s creation transaction, history); model call → first token = provider request → first token handed to the socket (HTTP to the double, the double’s own TTFT, the AI SDK stream pipeline); transport = the rest of the client-observed TTFT (WebSocket both ways, frame parsing).',
    ],
  };
}
