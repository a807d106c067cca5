// Experiment, not part of `npm run bench`: server CPU and TTFT of one turn at a time when the
// provider paces its tokens (as real models do) against the same turn delivered in one burst.
//   node --import tsx bench/experiments/paced-turn-cost.ts [turns]

import { readFileSync } from 'node:fs';
import { BENCH_PROVIDER_MODEL, BENCH_SYSTEM_PROMPT, createUsers } from '../lib/accounts.ts';
import { DirectClient, ttftOf } from '../lib/direct-client.ts';
import { DoubleProcess } from '../lib/double-process.ts';
import { readCpuMs } from '../lib/proc.ts';
import { ServerProcess } from '../lib/server-process.ts';
import { summarize } from '../lib/stats.ts';
import { BenchSocket } from '../lib/ws-client.ts';

const turns = Number(process.argv[2] ?? 10);
const profileDir = process.argv[3];
/** [user, system] CPU ms of a process. */
const userSystemMs = (pid: number) => {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return [Number(fields[11]) * 10, Number(fields[12]) * 10];
};
const root = new URL('../..', import.meta.url).pathname;
const double = await DoubleProcess.start(root);
const server = await ServerProcess.start({ root, doubleUrl: double.url, cpuProfileDir: profileDir });
const [user] = await createUsers(server.url, 1);
if (!user) throw new Error('no user');
const socket = await BenchSocket.connect(server.wsUrl, user.token);
const direct = new DirectClient(double.url);

for (const [tokens, delay] of [
  [100, 0],
  [100, 20],
  [100, 5],
  [1, 20],
]) {
  const directive = `[[double tokens=${tokens} delay=${delay}]]`;
  for (let i = 0; i < 3; i++) await socket.runTurn({ botId: user.botId, message: `warm ${directive}` });
  const cpu = readCpuMs(server.pid);
  const [user0, system0] = userSystemMs(server.pid);
  const viaServer = [];
  for (let i = 0; i < turns; i++)
    viaServer.push(await socket.runTurn({ botId: user.botId, message: `turn ${i} ${directive}` }));
  const cpuMs = (readCpuMs(server.pid) - cpu) / turns;
  const [user1, system1] = userSystemMs(server.pid);
  const viaDirect = [];
  for (let i = 0; i < turns; i++)
    viaDirect.push(
      await direct.stream({
        model: BENCH_PROVIDER_MODEL,
        system: BENCH_SYSTEM_PROMPT,
        message: `turn ${i} ${directive}`,
      }),
    );
  process.stdout.write(
    `${tokens} tokens, ${delay} ms apart: server CPU ${cpuMs.toFixed(1)} ms/turn (user ${(((user1 ?? 0) - (user0 ?? 0)) / turns).toFixed(1)}, system ${(((system1 ?? 0) - (system0 ?? 0)) / turns).toFixed(1)}); TTFT p50 server ${summarize(viaServer.map(ttftOf)).p50.toFixed(1)} ms vs direct ${summarize(viaDirect.map(ttftOf)).p50.toFixed(1)} ms; server-side ttft ${summarize(viaServer.map((t) => t.server?.ttftMs ?? Number.NaN)).p50} ms\n`,
  );
}
await socket.close();
direct.close();
await server.stop();
await double.stop();
