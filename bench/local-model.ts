/**
 * Tokens per second of the in-process local model `local/stories260K`, three ways, same prompt, greedy,
 * one thread, until the 512-token context is full (507 generated tokens):
 *   1. node-llama-cpp called directly (LlamaCompletion),
 *   2. Cachibot's AI SDK model (LocalLanguageModel.doStream) without the server,
 *   3. a real turn over the WebSocket (the message's `metadata.tokensPerSecond`).
 * All three measure from the first generated token to the last, as the message metadata does.
 *
 *   npm run bench:local [-- runs]   (node --import tsx bench/local-model.ts [runs=5]); writes bench/results/local-model.json
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { getLlama, LlamaCompletion } from 'node-llama-cpp';
import { buildApp } from '../packages/server/src/app.ts';
import { loadConfig } from '../packages/server/src/config.ts';
import { LocalLanguageModel } from '../packages/server/src/models/local/local-language-model.ts';
import { LocalModelFiles } from '../packages/server/src/models/local/local-model-files.ts';
import { LlamaCppLoader } from '../packages/server/src/models/local/local-model-loader.ts';
import { LocalModelPool } from '../packages/server/src/models/local/local-model-pool.ts';
import { setupAdmin } from '../packages/server/test/support/api-client.ts';
import { sendAndWait } from '../packages/server/test/support/turns.ts';
import { WsClient } from '../packages/server/test/support/ws-client.ts';
import { log } from './lib/log.ts';

const MODELS = path.resolve(fileURLToPath(new URL('../', import.meta.url)), '../shared/models');
const MODEL_FILE = path.join(MODELS, 'stories260K.gguf');
const PROMPT = 'Once upon a time';
const RUNS = Number(process.argv[2] ?? 5);

const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;
const round = (value: number) => Math.round(value * 10) / 10;

async function direct(): Promise<number[]> {
  const llama = await getLlama({ gpu: false, build: 'never' });
  const model = await llama.loadModel({ modelPath: MODEL_FILE });
  const context = await model.createContext({ contextSize: 512, threads: 1 });
  const sequence = context.getSequence();
  const rates: number[] = [];
  for (let run = 0; run <= RUNS; run++) {
    const completion = new LlamaCompletion({ contextSequence: sequence });
    let first = 0;
    let tokens = 0;
    await completion.generateCompletionWithMeta(model.tokenize(PROMPT), {
      maxTokens: 507,
      disableContextShift: true,
      onToken: (generated) => {
        first ||= performance.now();
        tokens += generated.length;
      },
    });
    const rate = (tokens - 1) / ((performance.now() - first) / 1000);
    if (run > 0) rates.push(rate); // run 0 warms up
    completion.dispose();
  }
  await context.dispose();
  await model.dispose();
  await llama.dispose();
  return rates;
}

async function provider(): Promise<number[]> {
  const files = new LocalModelFiles([MODELS], 2048);
  const pool = new LocalModelPool(new LlamaCppLoader({ threads: 1, gpu: 'off' }), 1);
  const model = new LocalLanguageModel('stories260K', { files, pool });
  const rates: number[] = [];
  for (let run = 0; run <= RUNS; run++) {
    const { stream } = await model.doStream({
      prompt: [{ role: 'user', content: [{ type: 'text', text: PROMPT }] }],
    });
    const reader = stream.getReader();
    let first = 0;
    let tokens = 0;
    for (let next = await reader.read(); !next.done; next = await reader.read()) {
      if (next.value.type === 'text-delta') first ||= performance.now();
      if (next.value.type === 'finish') tokens = next.value.usage.outputTokens.total ?? 0;
    }
    const rate = tokens / ((performance.now() - first) / 1000);
    if (run > 0) rates.push(rate);
  }
  await pool.close();
  return rates;
}

async function turn(): Promise<number[]> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'cachibot-bench-local-'));
  const config = loadConfig({
    PORT: '0',
    CACHIBOT_DATA_DIR: dataDir,
    LOG_LEVEL: 'silent',
    OLLAMA_BASE_URL: 'http://127.0.0.1:9',
    CACHIBOT_MODEL_DIRS: MODELS,
  });
  const cachibot = await buildApp(config);
  await cachibot.app.listen({ port: 0, host: '127.0.0.1' });
  const address = cachibot.app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const admin = await setupAdmin(`http://127.0.0.1:${port}`);
  const bot = await admin.post('/api/bots', {
    name: 'Bench',
    systemPrompt: '',
    models: { default: 'local/stories260K' },
  });
  const rates: number[] = [];
  try {
    for (let run = 0; run <= RUNS; run++) {
      // One socket per turn: the same message again must not match the previous turn's events.
      const ws = await WsClient.connect(`ws://127.0.0.1:${port}/ws`, admin.token as string);
      const { done } = await sendAndWait(ws, { botId: bot.body.id, message: PROMPT }, 60_000);
      await ws.close();
      if (done.status !== 'complete')
        throw new Error(`turn ended ${done.status}: ${JSON.stringify(done.metadata.error)}`);
      if (run > 0) rates.push(done.metadata.tokensPerSecond ?? 0);
    }
  } finally {
    await cachibot.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
  return rates;
}

if (!existsSync(MODEL_FILE)) {
  process.stderr.write(`No ${MODEL_FILE}: the tiny models live in ../shared/models (see its README).\n`);
  process.exit(1);
}
const results = { direct: await direct(), provider: await provider(), turn: await turn() };
log(`local/stories260K, ${RUNS} runs after a warm-up, 507 tokens each, 1 thread, median tokens/s:`);
for (const [name, rates] of Object.entries(results)) {
  log(`  ${name.padEnd(9)} ${round(median(rates))}  (runs: ${rates.map(round).join(', ')})`);
}
const out = path.resolve(fileURLToPath(new URL('./results/local-model.json', import.meta.url)));
writeFileSync(
  out,
  `${JSON.stringify(
    {
      scenario: 'local-model',
      date: new Date().toISOString(),
      command: 'node --import tsx bench/local-model.ts',
      machine: { cpuModel: os.cpus()[0]?.model, cores: os.cpus().length, node: process.version },
      config: { model: 'local/stories260K', prompt: PROMPT, runs: RUNS, threads: 1 },
      medianTokensPerSecond: Object.fromEntries(
        Object.entries(results).map(([name, rates]) => [name, round(median(rates))]),
      ),
      runs: results,
    },
    null,
    2,
  )}\n`,
);
log(`→ ${path.relative(process.cwd(), out)}`);
