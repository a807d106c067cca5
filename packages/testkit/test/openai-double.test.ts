import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { expectedText, type OpenAIDouble, startOpenAIDouble } from '../src/index.ts';
import { jsonChunks, parseSse, postJson, readUntilCut } from './sse.ts';

let double: OpenAIDouble;
beforeAll(async () => {
  double = await startOpenAIDouble();
});
afterAll(() => double.close());
beforeEach(() => double.reset());

const chat = (content: string, extra: Record<string, unknown> = {}) => ({
  model: 'gpt-4o',
  messages: [
    { role: 'system', content: 'You are terse.' },
    { role: 'user', content },
  ],
  ...extra,
});
const completions = () => `${double.url}/chat/completions`;

describe('OpenAI double', () => {
  it('streams chat.completion.chunk events, a stop chunk, a usage chunk and [DONE]', async () => {
    const res = await postJson(
      completions(),
      chat('say hi', { stream: true, stream_options: { include_usage: true } }),
    );
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const events = parseSse(await res.text());
    expect(events.at(-1)?.data).toBe('[DONE]');
    const chunks = jsonChunks(events);
    expect(chunks[0]).toMatchObject({
      object: 'chat.completion.chunk',
      model: 'gpt-4o-double',
      choices: [{ index: 0, delta: { role: 'assistant', content: 'tok1' }, finish_reason: null }],
    });
    expect(chunks[0]?.id).toMatch(/^chatcmpl-/);
    const text = chunks.map((chunk) => chunk.choices[0]?.delta?.content ?? '').join('');
    expect(text).toBe(expectedText(20));
    expect(chunks.at(-2)?.choices[0]).toMatchObject({ delta: {}, finish_reason: 'stop' });
    // 3 words of system prompt + 2 of user message.
    expect(chunks.at(-1)).toMatchObject({
      choices: [],
      usage: {
        prompt_tokens: 5,
        completion_tokens: 20,
        total_tokens: 25,
        prompt_tokens_details: { cached_tokens: 0 },
      },
    });
  });

  it('omits the usage chunk unless include_usage is set', async () => {
    const res = await postJson(completions(), chat('hi', { stream: true }));
    const chunks = jsonChunks(parseSse(await res.text()));
    expect(chunks.some((chunk) => chunk.usage)).toBe(false);
    expect(chunks.at(-1)?.choices[0]?.finish_reason).toBe('stop');
  });

  it('answers non-streaming requests with a chat.completion object', async () => {
    const res = await postJson(completions(), chat('hi [[double tokens=3]]'));
    expect(await res.json()).toMatchObject({
      object: 'chat.completion',
      model: 'gpt-4o-double',
      choices: [
        { index: 0, message: { role: 'assistant', content: 'tok1 tok2 tok3' }, finish_reason: 'stop' },
      ],
      // Directives count as prompt words too: "You are terse." + "hi [[double tokens=3]]".
      usage: { prompt_tokens: 6, completion_tokens: 3, total_tokens: 9 },
    });
  });

  it('stops at max_tokens with finish_reason length', async () => {
    const res = await postJson(completions(), chat('hi', { max_tokens: 4, stream: true }));
    const chunks = jsonChunks(parseSse(await res.text()));
    expect(chunks.map((chunk) => chunk.choices[0]?.delta?.content ?? '').join('')).toBe(expectedText(4));
    expect(chunks.at(-1)?.choices[0]?.finish_reason).toBe('length');
    const json = await (await postJson(completions(), chat('hi', { max_completion_tokens: 2 }))).json();
    expect(json.choices[0]).toMatchObject({ message: { content: 'tok1 tok2' }, finish_reason: 'length' });
  });

  it('lists the configured models', async () => {
    const res = await fetch(`${double.url}/models`);
    const body = await res.json();
    expect(body.object).toBe('list');
    expect(body.data.map((model: { id: string }) => model.id)).toEqual([
      'gpt-4o-mini',
      'gpt-4o',
      'double-fast',
    ]);
    expect(body.data[0]).toMatchObject({
      object: 'model',
      owned_by: expect.any(String),
      created: expect.any(Number),
    });
  });

  it('answers the configured error status with an OpenAI error body', async () => {
    double.configure({ status: 429, retryAfterMs: 0 });
    const res = await postJson(completions(), chat('hi', { stream: true }));
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after-ms')).toBe('0');
    expect(await res.json()).toMatchObject({
      error: { message: expect.any(String), type: 'requests', code: 'rate_limit_exceeded' },
    });
    const direct = await postJson(completions(), chat('hi [[double status=500]]'));
    expect(direct.status).toBe(500);
    expect((await direct.json()).error.type).toBe('server_error');
  });

  it('fails only the first failTimes requests of a model', async () => {
    double.configureModel('gpt-4o', { status: 503, failTimes: 1 });
    expect((await postJson(completions(), chat('hi'))).status).toBe(503);
    expect((await postJson(completions(), chat('hi'))).status).toBe(200);
  });

  it('applies per-model knobs over global ones and directives over both', async () => {
    double.configure({ tokens: 2 });
    double.configureModel('gpt-4o', { tokens: 3, reportedModel: 'gpt-4o-2024-08-06' });
    const global = await (await postJson(completions(), chat('hi', { model: 'gpt-4o-mini' }))).json();
    expect(global.choices[0].message.content).toBe(expectedText(2));
    const perModel = await (await postJson(completions(), chat('hi'))).json();
    expect(perModel).toMatchObject({
      model: 'gpt-4o-2024-08-06',
      choices: [{ message: { content: expectedText(3) } }],
    });
    const directed = await (await postJson(completions(), chat('hi [[double text="Just this."]]'))).json();
    expect(directed.choices[0].message.content).toBe('Just this.');
  });

  it('rejects unknown models only when strictModels is on', async () => {
    expect((await postJson(completions(), chat('hi', { model: 'gpt-9' }))).status).toBe(200);
    double.configure({ strictModels: true });
    const res = await postJson(completions(), chat('hi', { model: 'gpt-9' }));
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({
      error: {
        message: expect.stringContaining('The model `gpt-9` does not exist'),
        type: 'invalid_request_error',
        code: 'model_not_found',
      },
    });
  });

  it('answers a malformed directive with 400', async () => {
    const res = await postJson(completions(), chat('[[double tokns=3]]'));
    expect(res.status).toBe(400);
    expect((await res.json()).error.message).toContain('tokns');
  });

  it('cuts the connection after cutAfter tokens without a finish chunk or [DONE]', async () => {
    const res = await postJson(completions(), chat('hi [[double cutAfter=3]]', { stream: true }));
    expect(res.status).toBe(200);
    const received = await readUntilCut(res);
    const chunks = jsonChunks(parseSse(received));
    expect(chunks.map((chunk) => chunk.choices[0]?.delta?.content).join('')).toBe(expectedText(3));
    expect(received).not.toContain('[DONE]');
    const [request] = await double.waitUntil((all) => all[0]?.finishedAt !== undefined);
    expect(request).toMatchObject({ aborted: false, tokensSent: 3 });
  });

  it('hangs until the client aborts and records the abort', async () => {
    const controller = new AbortController();
    const pending = postJson(completions(), chat('hi [[double hang]]', { stream: true }), {
      signal: controller.signal,
    });
    await double.waitForRequests(1);
    controller.abort();
    await expect(pending).rejects.toThrow();
    const [request] = await double.waitUntil((all) => all[0]?.aborted === true);
    expect(request?.tokensSent).toBe(0);
  });

  it('records an abort in the middle of a slow stream', async () => {
    const controller = new AbortController();
    const res = await postJson(completions(), chat('hi [[double delay=30]]', { stream: true }), {
      signal: controller.signal,
    });
    await res.body?.getReader().read(); // the first token arrived
    controller.abort();
    const [request] = await double.waitUntil((all) => all[0]?.aborted === true);
    expect(request?.tokensSent).toBeLessThan(20);
  });

  it('waits firstTokenDelayMs and delayMs between tokens', async () => {
    const started = Date.now();
    const res = await postJson(
      completions(),
      chat('hi [[double tokens=3 ttft=150 delay=40]]', { stream: true }),
    );
    await res.text();
    // 150 before the first token, then 40 before each of the two others.
    expect(Date.now() - started).toBeGreaterThanOrEqual(220);
  });

  it('records each chat request with lower-cased headers and the parsed body', async () => {
    await postJson(completions(), chat('hello there'), {
      headers: { Authorization: 'Bearer sk-test', 'X-Trace': 'a' },
    });
    const [request] = await double.waitForRequests(1);
    expect(request).toMatchObject({
      path: '/v1/chat/completions',
      model: 'gpt-4o',
      aborted: false,
      status: 200,
      tokensSent: 20,
      headers: { authorization: 'Bearer sk-test', 'x-trace': 'a' },
      body: { model: 'gpt-4o' },
    });
    expect(request?.messages).toHaveLength(2);
    expect(request?.startedAt).toBeTypeOf('number');
    await expect(double.waitForRequests(2, 50)).rejects.toThrow(/within 50 ms/);
  });
});
