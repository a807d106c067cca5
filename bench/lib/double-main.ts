// Child-process entry: runs the OpenAI provider double on 127.0.0.1 so its CPU is its own and
// measurable. Talks to the bench over stdio, one JSON object per line.
import { createInterface } from 'node:readline';
import { startOpenAIDouble } from '@cachibot/testkit';

export interface DoubleStats {
  requests: number;
  tokensSent: number;
  aborted: number;
  /** Date.now() of the first request's arrival and of the last response's end (double's clock). */
  firstStartedAt: number;
  lastFinishedAt: number;
}

const double = await startOpenAIDouble();
process.stdout.write(`${JSON.stringify({ url: double.url, pid: process.pid })}\n`);

function stats(): DoubleStats {
  let tokensSent = 0;
  let aborted = 0;
  let firstStartedAt = Number.POSITIVE_INFINITY;
  let lastFinishedAt = 0;
  for (const request of double.requests) {
    tokensSent += request.tokensSent;
    if (request.aborted) aborted++;
    firstStartedAt = Math.min(firstStartedAt, request.startedAt);
    lastFinishedAt = Math.max(lastFinishedAt, request.finishedAt ?? 0);
  }
  return { requests: double.requests.length, tokensSent, aborted, firstStartedAt, lastFinishedAt };
}

const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  const { id, command } = JSON.parse(line) as { id: number; command: 'reset' | 'stats' };
  // reset() also drops the recorded requests, which otherwise grow for the whole run.
  if (command === 'reset') double.reset();
  const reply = command === 'stats' ? stats() : {};
  process.stdout.write(`${JSON.stringify({ id, ...reply })}\n`);
});
lines.on('close', () => {
  void double.close().then(() => process.exit(0));
});
