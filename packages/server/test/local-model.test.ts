import { existsSync, mkdirSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LanguageModelV3StreamPart } from '@ai-sdk/provider';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalLanguageModel } from '../src/models/local/local-language-model.ts';
import { type LocalModelFile, LocalModelFiles } from '../src/models/local/local-model-files.ts';
import { LlamaCppLoader, type LocalModelLoader } from '../src/models/local/local-model-loader.ts';
import { LocalModelPool } from '../src/models/local/local-model-pool.ts';
import { fitCompletionPrompt, toPlainConversation } from '../src/models/local/local-prompt.ts';
import { type ApiClient, setupAdmin } from './support/api-client.ts';
import { scaled } from './support/deadlines.ts';
import { removeDir, startServer, type TestServer, tempDataDir } from './support/server.ts';
import { sendAndWait, startTurn, textOf } from './support/turns.ts';
import { WsClient } from './support/ws-client.ts';

// The tiny GGUF models live outside the repository (never copied into it): ../shared/models from the root.
const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const SHARED_MODELS = path.resolve(REPO_ROOT, '../shared/models');
const HAVE_MODELS = ['stories260K.gguf', 'aidreams260K.gguf'].every((file) =>
  existsSync(path.join(SHARED_MODELS, file)),
);
// Without the models the real-inference suites skip with a clear message (../shared/models/README.md).
// In CI, where the shared folder sits beside the checkout, a missing model fails loudly instead, so a CI
// run cannot pass without running the local model; a checkout elsewhere (no ../shared) still skips.
const IN_CI = !!process.env.CI && !['0', 'false'].includes(process.env.CI.trim().toLowerCase());
const SHARED_BESIDE = existsSync(path.dirname(SHARED_MODELS));
const RUN_MODEL_SUITES = HAVE_MODELS || (IN_CI && SHARED_BESIDE);
const NEEDS_MODELS = HAVE_MODELS
  ? `with the tiny models in ${SHARED_MODELS}`
  : IN_CI && SHARED_BESIDE
    ? `FAILING: CI is set but there are no tiny GGUF models at ${SHARED_MODELS}`
    : `SKIPPED: no tiny GGUF models at ${SHARED_MODELS} (see ../shared/models/README.md; CI always has them)`;
if (!HAVE_MODELS) console.warn(`local-model.test.ts: ${NEEDS_MODELS}`);

/** First thing in every real-inference suite: in CI a missing model is an error, never a skip. */
function requireModels(): void {
  if (HAVE_MODELS) return;
  throw new Error(
    `CI=${process.env.CI} but stories260K.gguf and aidreams260K.gguf are missing from ${SHARED_MODELS}: ` +
      'CI must run the local model tests (see ../shared/models/README.md)',
  );
}

/** llama2.c's reference continuation of "Once upon a time" with greedy decoding. */
const STORY_START = ', there was a little girl named Lily.';

const fakeFile = (name: string): LocalModelFile => ({
  name,
  path: `/models/${name}.gguf`,
  sizeBytes: 1,
  contextWindow: 512,
  hasChatTemplate: false,
});

class FakeLoader implements LocalModelLoader<{ file: LocalModelFile }> {
  readonly loads: string[] = [];
  readonly unloads: string[] = [];
  failures = 0;
  async load(file: LocalModelFile) {
    this.loads.push(file.name);
    if (this.failures > 0) {
      this.failures -= 1;
      throw new Error('cannot load');
    }
    return { file };
  }
  async unload(loaded: { file: LocalModelFile }) {
    this.unloads.push(loaded.file.name);
  }
  async close() {}
}

const deferred = () => {
  let resolve = () => {};
  const promise = new Promise<void>((done) => {
    resolve = done;
  });
  return { promise, resolve };
};
const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('the local model pool', () => {
  it('keeps at most the configured number of models loaded, unloading the least recently used first', async () => {
    const loader = new FakeLoader();
    const pool = new LocalModelPool(loader, 2);
    for (const name of ['a', 'b', 'a', 'c']) await pool.use(fakeFile(name), undefined, async () => {});
    await tick();
    expect(loader.unloads).toEqual(['b']);
    expect(pool.loadedNames()).toEqual(['a', 'c']);
    await pool.use(fakeFile('b'), undefined, async () => {});
    await tick();
    expect(loader.loads).toEqual(['a', 'b', 'c', 'b']);
    expect(pool.loadedNames()).toEqual(['c', 'b']);
    await pool.close();
    expect(loader.unloads.sort()).toEqual(['a', 'b', 'b', 'c']);
  });

  it('runs one generation per model at a time, in arrival order, and others in parallel', async () => {
    const pool = new LocalModelPool(new FakeLoader(), 2);
    const order: string[] = [];
    const first = deferred();
    const running = [
      pool.use(fakeFile('a'), undefined, async () => {
        order.push('a1 start');
        await first.promise;
        order.push('a1 end');
      }),
      pool.use(fakeFile('a'), undefined, async () => {
        order.push('a2');
      }),
      pool.use(fakeFile('b'), undefined, async () => {
        order.push('b1');
      }),
    ];
    await tick();
    expect(order).toEqual(['a1 start', 'b1']);
    first.resolve();
    await Promise.all(running);
    expect(order).toEqual(['a1 start', 'b1', 'a1 end', 'a2']);
  });

  it('lets a queued generation give up without holding up the ones behind it', async () => {
    const pool = new LocalModelPool(new FakeLoader(), 1);
    const first = deferred();
    const waiting = new AbortController();
    const ran: string[] = [];
    const holder = pool.use(fakeFile('a'), undefined, () => first.promise);
    const givesUp = pool.use(fakeFile('a'), waiting.signal, async () => {
      ran.push('cancelled one');
    });
    const last = pool.use(fakeFile('a'), undefined, async () => {
      ran.push('last');
    });
    waiting.abort(new Error('user cancelled'));
    await expect(givesUp).rejects.toThrow('user cancelled');
    first.resolve();
    await Promise.all([holder, last]);
    expect(ran).toEqual(['last']);
  });

  it('tries a model again after a failed load', async () => {
    const loader = new FakeLoader();
    loader.failures = 1;
    const pool = new LocalModelPool(loader, 1);
    await expect(pool.use(fakeFile('a'), undefined, async () => 'ok')).rejects.toThrow('cannot load');
    await expect(pool.use(fakeFile('a'), undefined, async () => 'ok')).resolves.toBe('ok');
    expect(loader.loads).toEqual(['a', 'a']);
  });
});

describe('the plain-text prompt of a model without a chat template', () => {
  const words = (text: string) => text.split(/\s+/).filter(Boolean).length;
  const conversation = toPlainConversation([
    { role: 'system', content: 'Be brief and kind' },
    { role: 'user', content: [{ type: 'text', text: 'one two three' }] },
    { role: 'assistant', content: [{ type: 'text', text: 'four five' }] },
    { role: 'user', content: [{ type: 'text', text: 'six seven' }] },
  ]);

  it('continues the whole conversation, system prompt first, when it fits', () => {
    expect(fitCompletionPrompt(conversation, 100, words)).toBe(
      'Be brief and kind\none two three\nfour five\nsix seven',
    );
  });

  it('keeps the newest message, then the system prompt, then older messages newest first', () => {
    expect(fitCompletionPrompt(conversation, 2 + 5 + 3, words)).toBe(
      'Be brief and kind\nfour five\nsix seven',
    );
    expect(fitCompletionPrompt(conversation, 2 + 5, words)).toBe('Be brief and kind\nsix seven');
    expect(fitCompletionPrompt(conversation, 4, words)).toBe('six seven');
    expect(fitCompletionPrompt(conversation, 0, words)).toBe('six seven');
  });
});

describe.skipIf(!RUN_MODEL_SUITES)(`a local model called directly (${NEEDS_MODELS})`, () => {
  let pool: LocalModelPool;
  let files: LocalModelFiles;

  beforeAll(() => {
    requireModels();
    files = new LocalModelFiles([SHARED_MODELS], 2048);
    pool = new LocalModelPool(new LlamaCppLoader({ threads: 1, gpu: 'off' }), 2);
  });
  afterAll(() => pool?.close());

  const prompt = (text: string) => [{ role: 'user' as const, content: [{ type: 'text' as const, text }] }];

  it('streams the v3 parts in order with the real usage of the prompt and the answer', async () => {
    const model = new LocalLanguageModel('stories260K', { files, pool });
    const { stream } = await model.doStream({ prompt: prompt('Once upon a time'), maxOutputTokens: 12 });
    const parts: LanguageModelV3StreamPart[] = [];
    const reader = stream.getReader();
    for (let next = await reader.read(); !next.done; next = await reader.read()) parts.push(next.value);
    const types = [...new Set(parts.map((part) => part.type))];
    expect(types).toEqual([
      'stream-start',
      'response-metadata',
      'text-start',
      'text-delta',
      'text-end',
      'finish',
    ]);
    const text = parts.map((part) => (part.type === 'text-delta' ? part.delta : '')).join('');
    expect(text).toBe(', there was a little girl named Lily. She');
    expect(parts.find((part) => part.type === 'response-metadata')).toMatchObject({
      modelId: 'local/stories260K',
    });
    expect(parts.at(-1)).toMatchObject({
      type: 'finish',
      finishReason: { unified: 'length', raw: 'maxTokens' },
      // BOS + ▁Once ▁upon ▁a ▁time; twelve generated tokens.
      usage: { inputTokens: { total: 5, noCache: 5 }, outputTokens: { total: 12, text: 12, reasoning: 0 } },
    });
  });

  it('keeps the spaces between the prompt and the first generated token out of the answer', async () => {
    const model = new LocalLanguageModel('stories260K', { files, pool });
    // Seven tokens: ▁there ▁was ▁a ▁little ▁g ir l.
    const result = await model.doGenerate({ prompt: prompt('Once upon a time,'), maxOutputTokens: 7 });
    expect(result.content).toEqual([{ type: 'text', text: 'there was a little girl' }]);
  });

  it('stops generating at once when aborted and frees the model', async () => {
    const model = new LocalLanguageModel('stories260K', { files, pool });
    const abort = new AbortController();
    const { stream } = await model.doStream({
      prompt: prompt('Once upon a time'),
      abortSignal: abort.signal,
    });
    let deltas = 0;
    const reader = stream.getReader();
    const failure = await (async () => {
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) return undefined;
          if (value.type === 'text-delta' && ++deltas === 3) abort.abort();
        }
      } catch (error) {
        return error;
      }
    })();
    expect((failure as Error).name).toBe('AbortError');
    expect(deltas).toBeLessThanOrEqual(4);
    const next = await model.doGenerate({ prompt: prompt('Once upon a time'), maxOutputTokens: 3 });
    expect(next.content).toEqual([{ type: 'text', text: ', there was' }]);
  });

  it('prompts a model with a chat template through it', async () => {
    // The tiny models have no template; marking one as a chat model exercises the chat path for real.
    const chatFile = { ...(await files.find('stories260K')), hasChatTemplate: true } as LocalModelFile;
    const chatFiles = { find: async () => chatFile } as unknown as LocalModelFiles;
    const model = new LocalLanguageModel('stories260K', { files: chatFiles, pool });
    const result = await model.doGenerate({
      prompt: [{ role: 'system', content: 'Tell stories.' }, ...prompt('Once upon a time')],
      maxOutputTokens: 8,
    });
    expect(result.content[0]?.type).toBe('text');
    expect(result.usage.inputTokens.total).toBeGreaterThan(5); // the template wraps the messages
    expect(result.usage.outputTokens.total).toBeGreaterThan(0);
    expect(result.usage.outputTokens.total).toBeLessThanOrEqual(8);
  });

  it('reports a missing file as an unknown model', async () => {
    const model = new LocalLanguageModel('no-such-model', { files, pool });
    await expect(model.doGenerate({ prompt: prompt('hi') })).rejects.toMatchObject({
      name: 'AI_NoSuchModelError',
    });
  });
});

describe.skipIf(!RUN_MODEL_SUITES)(`local models in a running server (${NEEDS_MODELS})`, () => {
  let server: TestServer;
  let admin: ApiClient;
  let storyBot: string;
  let openBot: string;

  /** Each turn on its own socket: the same prompt twice must not match an earlier turn's events. */
  async function onFreshSocket<T>(use: (ws: WsClient) => Promise<T>): Promise<T> {
    const ws = await WsClient.connect(server.wsUrl, admin.token as string);
    try {
      return await use(ws);
    } finally {
      await ws.close();
    }
  }
  const story = (botId: string, message = 'Once upon a time', model = 'local/stories260K') =>
    onFreshSocket((ws) => sendAndWait(ws, { botId, message, model }, scaled(20_000)));

  beforeAll(async () => {
    requireModels();
    const dataDir = tempDataDir();
    // A model in the data directory's own folder (a symlink: the files are never copied).
    mkdirSync(path.join(dataDir, 'models'));
    symlinkSync(
      path.join(SHARED_MODELS, 'aidreams260K.gguf'),
      path.join(dataDir, 'models', 'tiny-dreams.gguf'),
    );
    server = await startServer({ dataDir, env: { CACHIBOT_MODEL_DIRS: SHARED_MODELS } });
    admin = await setupAdmin(server.url);
    const capped = await admin.post('/api/bots', {
      name: 'Storyteller',
      systemPrompt: '',
      models: { default: 'local/stories260K' },
      settings: { maxOutputTokens: 40 },
    });
    storyBot = capped.body.id;
    openBot = (
      await admin.post('/api/bots', {
        name: 'Open',
        systemPrompt: '',
        models: { default: 'local/stories260K' },
      })
    ).body.id;
  });
  afterAll(async () => {
    await server?.stop();
    if (server) removeDir(server.dataDir);
  });

  it('lists every .gguf of the model folders as local/<name> with its context window and no cost', async () => {
    const { body } = await admin.get('/api/models');
    const local = body.groups.local as { id: string; contextWindow?: number; pricing?: unknown }[];
    expect(local.map((model) => model.id)).toEqual([
      'local/aidreams260K',
      'local/stories260K',
      'local/tiny-dreams',
    ]);
    const byId = Object.fromEntries(local.map((model) => [model.id, model]));
    expect(byId['local/stories260K']).toMatchObject({
      provider: 'local',
      name: 'stories260K',
      contextWindow: 512,
    });
    expect(byId['local/aidreams260K']).toMatchObject({
      contextWindow: 128,
      pricing: { inputPerMTok: 0, outputPerMTok: 0 },
    });
    expect(byId['local/tiny-dreams']).toMatchObject({ contextWindow: 128 });
    expect(body.providers).toContainEqual({ id: 'local', available: true });
  });

  it('answers a turn in-process with real text, real token counts and no cost', async () => {
    const turn = await story(storyBot);
    expect(turn.done.status).toBe('complete');
    expect(turn.done.content.startsWith(STORY_START)).toBe(true);
    expect(textOf(turn.events)).toBe(turn.done.content);
    expect(turn.done.metadata).toMatchObject({
      model: 'local/stories260K',
      modelRequested: 'local/stories260K',
      providerModelId: 'local/stories260K',
      finishReason: 'length',
      costUsd: 0,
      // BOS + ▁Once ▁upon ▁a ▁time; the bot's 40-token maximum.
      usage: { inputTokens: 5, outputTokens: 40, totalTokens: 45 },
      perModel: { 'local/stories260K': { inputTokens: 5, outputTokens: 40, calls: 1, costUsd: 0 } },
    });
    expect(turn.done.metadata.tokensPerSecond).toBeGreaterThan(0);
    expect(turn.done.metadata.ttftMs).toBeGreaterThanOrEqual(0);
  });

  it('answers from a model in the data directory, keeping the prompt within its small context', async () => {
    const long = Array.from({ length: 200 }, (_, index) => `line ${index} of a long message`).join('\n');
    const turn = await story(storyBot, long, 'local/tiny-dreams');
    expect(turn.done.status).toBe('complete');
    expect(turn.done.content.length).toBeGreaterThan(0);
    const usage = turn.done.metadata.usage;
    // 128 tokens of context: 40 for the answer, at most 88 for the cut prompt.
    expect(usage?.inputTokens).toBeLessThanOrEqual(88);
    expect(usage?.inputTokens).toBeGreaterThan(40);
    expect((usage?.inputTokens ?? 0) + (usage?.outputTokens ?? 0)).toBeLessThanOrEqual(128);
  });

  it('answers concurrent chats on one model one after the other, each in full', async () => {
    const alone = await story(storyBot);
    const together = await Promise.all([story(storyBot), story(storyBot), story(storyBot)]);
    for (const turn of together) {
      expect(turn.done.status).toBe('complete');
      expect(turn.done.content).toBe(alone.done.content);
      expect(turn.done.metadata.usage).toEqual(alone.done.metadata.usage);
    }
  });

  it('stops a local generation on cancel, keeps the partial answer and frees the model', async () => {
    const full = await story(openBot);
    expect(full.done.status).toBe('complete');
    const cancelled = await onFreshSocket(async (ws) => {
      const { turnId } = await startTurn(ws, {
        botId: openBot,
        message: 'Once upon a time',
        model: 'local/stories260K',
      });
      await ws.waitFor('text_delta', (event) => event.payload.turnId === turnId);
      ws.send('cancel', { turnId });
      return (await ws.waitFor('done', (event) => event.payload.turnId === turnId)).payload.message;
    });
    expect(cancelled.status).toBe('cancelled');
    expect(cancelled.metadata.finishReason).toBe('cancelled');
    expect(cancelled.content.length).toBeGreaterThan(0);
    expect(cancelled.content.length).toBeLessThan(full.done.content.length);
    expect(full.done.content.startsWith(cancelled.content)).toBe(true);
    const after = await story(storyBot);
    expect(after.done.content.startsWith(STORY_START)).toBe(true);
  });
});
