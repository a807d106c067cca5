// Experiment, not part of `npm run bench`: does polling GET /api/health every 50 ms change the TTFT
// of a paced turn? (It explains part of the 1-turn TTFT in the concurrency scenario.)
//   node --import tsx bench/experiments/probe-effect.ts [turns]
import { createUsers } from '../lib/accounts.ts';
import { ttftOf } from '../lib/direct-client.ts';
import { DoubleProcess } from '../lib/double-process.ts';
import { HealthProbe } from '../lib/probes.ts';
import { ServerProcess } from '../lib/server-process.ts';
import { summarize } from '../lib/stats.ts';
import { BenchSocket } from '../lib/ws-client.ts';

const turns = Number(process.argv[2] ?? 10);
const root = new URL('../..', import.meta.url).pathname;
const double = await DoubleProcess.start(root);
const server = await ServerProcess.start({ root, doubleUrl: double.url });
const [user] = await createUsers(server.url, 1);
if (!user) throw new Error('no user');
const socket = await BenchSocket.connect(server.wsUrl, user.token);
const directive = '[[double tokens=100 delay=20]]';
for (let i = 0; i < 3; i++) await socket.runTurn({ botId: user.botId, message: `warm ${directive}` });
for (const withProbe of [false, true, false, true]) {
  const probe = withProbe ? new HealthProbe(server.url) : undefined;
  const timings = [];
  for (let i = 0; i < turns; i++)
    timings.push(await socket.runTurn({ botId: user.botId, message: `turn ${i} ${directive}` }));
  await probe?.stop();
  const server_ = summarize(timings.map((t) => t.server?.ttftMs ?? Number.NaN));
  process.stdout.write(
    `health probe ${withProbe ? 'on ' : 'off'}: TTFT p50 ${summarize(timings.map(ttftOf)).p50.toFixed(1)} ms (server clock ${server_.p50} ms)\n`,
  );
}
await socket.close();
await server.stop();
await double.stop();
