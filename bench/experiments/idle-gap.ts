// Experiment, not part of `npm run bench`: does a turn that starts after the server sat idle for a
// while start slower? Sequential short turns separated by idle gaps; the server's own clock says how
// long it took from the frame to the provider request.
//   node --import tsx bench/experiments/idle-gap.ts [turnsPerGap]
import { setTimeout as sleep } from 'node:timers/promises';
import { BENCH_PROVIDER_MODEL, BENCH_SYSTEM_PROMPT, createUsers } from '../lib/accounts.ts';
import { DirectClient, ttftOf } from '../lib/direct-client.ts';
import { DoubleProcess } from '../lib/double-process.ts';
import { readCpuMs } from '../lib/proc.ts';
import { ServerProcess } from '../lib/server-process.ts';
import { summarize } from '../lib/stats.ts';
import { BenchSocket } from '../lib/ws-client.ts';

const turns = Number(process.argv[2] ?? 8);
const root = new URL('../..', import.meta.url).pathname;
const double = await DoubleProcess.start(root);
const server = await ServerProcess.start({ root, doubleUrl: double.url });
const [user] = await createUsers(server.url, 1);
if (!user) throw new Error('no user');
const socket = await BenchSocket.connect(server.wsUrl, user.token);
const directive = '[[double tokens=5 delay=0]]';
const direct = new DirectClient(double.url);
for (let i = 0; i < 10; i++) await socket.runTurn({ botId: user.botId, message: `warm ${directive}` });
for (const gapMs of [0, 100, 500, 1000, 2000, 0]) {
  const timings = [];
  let cpuMs = 0;
  for (let i = 0; i < turns; i++) {
    await sleep(gapMs);
    const cpu = readCpuMs(server.pid);
    timings.push(await socket.runTurn({ botId: user.botId, message: `turn ${i} ${directive}` }));
    cpuMs += readCpuMs(server.pid) - cpu;
  }
  const directTtfts = [];
  for (let i = 0; i < turns; i++) {
    await sleep(gapMs);
    directTtfts.push(
      ttftOf(
        await direct.stream({ model: BENCH_PROVIDER_MODEL, system: BENCH_SYSTEM_PROMPT, message: directive }),
      ),
    );
  }
  const before = summarize(
    timings.map((t) => (t.server ? t.server.durationMs - t.server.attemptMs : Number.NaN)),
  );
  const serverTtft = summarize(timings.map((t) => t.server?.ttftMs ?? Number.NaN));
  process.stdout.write(
    `idle ${gapMs} ms before each turn: TTFT p50 ${summarize(timings.map(ttftOf)).p50.toFixed(1)} ms; server clock: TTFT p50 ${serverTtft.p50} ms, frame → provider request p50 ${before.p50} ms (max ${before.max}); server CPU ${(cpuMs / turns).toFixed(1)} ms/turn; direct TTFT p50 ${summarize(directTtfts).p50.toFixed(2)} ms\n`,
  );
}
await socket.close();
direct.close();
await server.stop();
await double.stop();
