// Experiment, not part of `npm run bench`: how much CPU the AI SDK's streaming pipeline costs per
// turn and per token on its own, against the same provider double, compared with a bare
// fetch + SSE parse of the same stream. Subtracting it from the server's CPU per turn leaves what the
// server's own code costs (database, events, WebSocket delivery).
//   node --import tsx bench/experiments/ai-sdk-cost.ts [turns] [tokens] [delayMs]
import { createOpenAI } from '@ai-sdk/openai';
import { streamText } from 'ai';
import { BENCH_SYSTEM_PROMPT } from '../lib/accounts.ts';
import { DoubleProcess } from '../lib/double-process.ts';

const turns = Number(process.argv[2] ?? 300);
const tokens = Number(process.argv[3] ?? 50);
const delayMs = Number(process.argv[4] ?? 0);
const root = new URL('../..', import.meta.url).pathname;
const double = await DoubleProcess.start(root);
const provider = createOpenAI({ apiKey: 'bench', baseURL: double.url });
const message = `[[double tokens=${tokens} delay=${delayMs}]]`;

async function viaAiSdk(): Promise<number> {
  const result = streamText({
    model: provider.chat('gpt-4o-mini'),
    system: BENCH_SYSTEM_PROMPT,
    messages: [{ role: 'user', content: message }],
    maxRetries: 0,
  });
  let deltas = 0;
  for await (const part of result.fullStream) if (part.type === 'text-delta') deltas++;
  return deltas;
}

/** The provider's own stream (LanguageModelV2 `doStream`), without streamText's pipeline around it. */
async function viaDoStream(): Promise<number> {
  const { stream } = await provider.chat('gpt-4o-mini').doStream({
    prompt: [
      { role: 'system', content: BENCH_SYSTEM_PROMPT },
      { role: 'user', content: [{ type: 'text', text: message }] },
    ],
  });
  let deltas = 0;
  for await (const part of stream as unknown as AsyncIterable<{ type: string }>)
    if (part.type === 'text-delta') deltas++;
  return deltas;
}

async function viaFetch(): Promise<number> {
  const response = await fetch(`${double.url}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer bench' },
    body: JSON.stringify({
      model: 'gpt-4o-mini',
      messages: [
        { role: 'system', content: BENCH_SYSTEM_PROMPT },
        { role: 'user', content: message },
      ],
      stream: true,
      stream_options: { include_usage: true },
    }),
  });
  const decoder = new TextDecoder();
  let buffered = '';
  let deltas = 0;
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    buffered += decoder.decode(chunk, { stream: true });
    let boundary = buffered.indexOf('\n\n');
    while (boundary >= 0) {
      const event = buffered.slice(0, boundary);
      buffered = buffered.slice(boundary + 2);
      boundary = buffered.indexOf('\n\n');
      if (
        event.startsWith('data: {') &&
        (JSON.parse(event.slice(6)) as { choices: { delta?: { content?: string } }[] }).choices[0]?.delta
          ?.content
      )
        deltas++;
    }
  }
  return deltas;
}

async function measure(name: string, run: () => Promise<number>): Promise<void> {
  for (let i = 0; i < Math.min(30, turns); i++) await run(); // warm-up
  const cpu = process.cpuUsage();
  const started = performance.now();
  let deltas = 0;
  for (let i = 0; i < turns; i++) deltas += await run();
  const used = process.cpuUsage(cpu);
  const cpuMs = (used.user + used.system) / 1000;
  process.stdout.write(
    `${name}: ${(cpuMs / turns).toFixed(2)} ms CPU per turn, ${((cpuMs / deltas) * 1000).toFixed(0)} µs per token, ` +
      `${((performance.now() - started) / turns).toFixed(2)} ms wall per turn (${deltas / turns} tokens)\n`,
  );
}

for (let round = 0; round < 2; round++) {
  await measure('fetch + SSE parse', viaFetch);
  await measure('provider doStream', viaDoStream);
  await measure('AI SDK streamText', viaAiSdk);
}
await double.stop();
