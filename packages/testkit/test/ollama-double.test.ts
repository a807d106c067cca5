import { APICallError, streamText } from 'ai';
import { createOllama } from 'ollama-ai-provider-v2';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_OLLAMA_MODELS, expectedText, type OllamaDouble, startOllamaDouble } from '../src/index.ts';
import { postJson, readUntilCut } from './sse.ts';

let double: OllamaDouble;
beforeAll(async () => {
  double = await startOllamaDouble();
});
afterAll(() => double.close());
beforeEach(() => double.reset());

const chatUrl = () => `${double.url}/api/chat`;
const chat = (content: string, extra: Record<string, unknown> = {}) => ({
  model: 'llama3.2:latest',
  messages: [
    { role: 'system', content: 'You are terse.' },
    { role: 'user', content },
  ],
  ...extra,
});
const ndjson = (text: string) =>
  text
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line));

describe('Ollama double', () => {
  it('lists its models at /api/tags in the shape Ollama uses', async () => {
    const res = await fetch(`${double.url}/api/tags`);
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.models.map((model: { name: string }) => model.name)).toEqual(DEFAULT_OLLAMA_MODELS);
    expect(body.models[0]).toMatchObject({
      name: 'llama3.2:latest',
      model: 'llama3.2:latest',
      details: { format: 'gguf' },
    });
  });

  it('streams NDJSON chunks by default and ends with done, done_reason and the counts', async () => {
    const res = await postJson(chatUrl(), chat('say hi'));
    expect(res.headers.get('content-type')).toBe('application/x-ndjson');
    const lines = ndjson(await res.text());
    expect(lines[0]).toMatchObject({
      model: 'llama3.2:latest-double',
      message: { role: 'assistant', content: 'tok1' },
      done: false,
    });
    expect(lines.map((line) => line.message.content).join('')).toBe(expectedText(20));
    // 3 words of system prompt + 2 of user message.
    expect(lines.at(-1)).toMatchObject({
      done: true,
      done_reason: 'stop',
      prompt_eval_count: 5,
      eval_count: 20,
      message: { content: '' },
    });
  });

  it('answers one JSON object when stream is false, and honours options.num_predict only', async () => {
    const capped = await postJson(chatUrl(), chat('hi', { stream: false, options: { num_predict: 3 } }));
    expect(await capped.json()).toMatchObject({
      message: { content: expectedText(3) },
      done: true,
      done_reason: 'length',
      eval_count: 3,
    });
    // Like the real server, a top-level limit is an unknown field and changes nothing.
    const ignored = await postJson(chatUrl(), chat('hi', { stream: false, max_output_tokens: 3 }));
    expect((await ignored.json()).eval_count).toBe(20);
  });

  it('answers errors and unknown models with Ollama error strings, and cuts streams on demand', async () => {
    const failed = await postJson(chatUrl(), chat('x [[double status=500]]'));
    expect(failed.status).toBe(500);
    expect(await failed.json()).toEqual({ error: 'Simulated 500 error from the provider double' });
    const unknown = await postJson(chatUrl(), chat('x [[double strict]]', { model: 'nope:latest' }));
    expect(unknown.status).toBe(404);
    expect((await unknown.json()).error).toMatch(/model "nope:latest" not found/);
    const cut = await readUntilCut(await postJson(chatUrl(), chat('x [[double cut=2]]')));
    expect(ndjson(cut).map((line) => line.message.content)).toEqual(['tok1', ' tok2']);
  });

  it('talks to ollama-ai-provider-v2 unchanged: text, usage, reported model and HTTP errors', async () => {
    const ollama = createOllama({ baseURL: `${double.url}/api` });
    const result = streamText({ model: ollama('llama3.2:latest'), prompt: 'one two three' });
    expect(await result.text).toBe(expectedText(20));
    const usage = await result.usage;
    expect(usage.inputTokens).toBe(3);
    expect(usage.outputTokens).toBe(20);
    expect((await result.response).modelId).toBe('llama3.2:latest-double');
    expect(await result.finishReason).toBe('stop');
    expect(double.requests[0]?.path).toBe('/api/chat');

    double.configure({ status: 503 });
    let failure: unknown;
    const failing = streamText({
      model: ollama('llama3.2:latest'),
      prompt: 'x',
      maxRetries: 0,
      onError: ({ error }) => {
        failure = error;
      },
    });
    await failing.consumeStream();
    expect(APICallError.isInstance(failure)).toBe(true);
    expect((failure as APICallError).statusCode).toBe(503);
  });
});
