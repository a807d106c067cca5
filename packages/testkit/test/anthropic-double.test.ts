import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type AnthropicDouble, expectedText, startAnthropicDouble } from '../src/index.ts';
import { eventJson, parseSse, postJson, readUntilCut } from './sse.ts';

let double: AnthropicDouble;
beforeAll(async () => {
  double = await startAnthropicDouble();
});
afterAll(() => double.close());
beforeEach(() => double.reset());

const message = (content: string, extra: Record<string, unknown> = {}) => ({
  model: 'claude-sonnet-4-5',
  max_tokens: 1024,
  system: 'Be brief.',
  messages: [{ role: 'user', content: [{ type: 'text', text: content }] }],
  ...extra,
});
const messages = () => `${double.baseURL}/messages`;
const headers = { 'x-api-key': 'sk-ant-test', 'anthropic-version': '2023-06-01' };

describe('Anthropic double', () => {
  it('exposes the origin as url and the /v1 base as baseURL', () => {
    expect(double.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(double.baseURL).toBe(`${double.url}/v1`);
  });

  it('streams the Messages API event sequence with usage', async () => {
    const res = await postJson(messages(), message('say hi', { stream: true }), { headers });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const events = parseSse(await res.text());
    const names = events.map((event) => event.event);
    expect(names.slice(0, 3)).toEqual(['message_start', 'content_block_start', 'ping']);
    expect(names.slice(-3)).toEqual(['content_block_stop', 'message_delta', 'message_stop']);
    for (const event of events) expect(JSON.parse(event.data).type).toBe(event.event);

    const start = eventJson(events[0]);
    // "Be brief." (2 words) + "say hi" (2 words).
    expect(start.message).toMatchObject({
      role: 'assistant',
      model: 'claude-sonnet-4-5-double',
      usage: { input_tokens: 4 },
    });
    const deltas = events
      .filter((event) => event.event === 'content_block_delta')
      .map((event) => JSON.parse(event.data));
    expect(deltas[0]).toEqual({
      type: 'content_block_delta',
      index: 0,
      delta: { type: 'text_delta', text: 'tok1' },
    });
    expect(deltas.map((delta) => delta.delta.text).join('')).toBe(expectedText(20));
    expect(eventJson(events.at(-2))).toMatchObject({
      delta: { stop_reason: 'end_turn' },
      usage: { output_tokens: 20 },
    });
  });

  it('reports max_tokens as the stop reason when the limit cuts the answer', async () => {
    const res = await postJson(messages(), message('hi', { stream: true, max_tokens: 5 }), { headers });
    const events = parseSse(await res.text());
    expect(events.filter((event) => event.event === 'content_block_delta')).toHaveLength(5);
    expect(eventJson(events.at(-2))).toMatchObject({
      delta: { stop_reason: 'max_tokens' },
      usage: { output_tokens: 5 },
    });
  });

  it('answers non-streaming requests with a message object', async () => {
    const res = await postJson(messages(), message('hi [[double text="Hello there."]]'), { headers });
    expect(await res.json()).toMatchObject({
      type: 'message',
      role: 'assistant',
      model: 'claude-sonnet-4-5-double',
      content: [{ type: 'text', text: 'Hello there.' }],
      stop_reason: 'end_turn',
      usage: { input_tokens: 6, output_tokens: 2 },
    });
  });

  it('lists the configured models in the Anthropic shape', async () => {
    const body = await (await fetch(`${double.baseURL}/models`)).json();
    expect(body).toMatchObject({ has_more: false, first_id: 'claude-sonnet-4-5', last_id: 'double-fast' });
    expect(body.data[0]).toMatchObject({
      type: 'model',
      id: 'claude-sonnet-4-5',
      display_name: expect.any(String),
      created_at: expect.any(String),
    });
  });

  it('answers error statuses and unknown models with Anthropic error bodies', async () => {
    const overloaded = await postJson(messages(), message('[[double status=529]]', { stream: true }), {
      headers,
    });
    expect(overloaded.status).toBe(529);
    expect(await overloaded.json()).toEqual({
      type: 'error',
      error: { type: 'overloaded_error', message: expect.any(String) },
    });
    double.configure({ strictModels: true });
    const unknown = await postJson(messages(), message('hi', { model: 'claude-9' }), { headers });
    expect(unknown.status).toBe(404);
    expect((await unknown.json()).error).toEqual({ type: 'not_found_error', message: 'model: claude-9' });
  });

  it('cuts the stream after cutAfter deltas without message_stop', async () => {
    const res = await postJson(messages(), message('[[double cut=2]]', { stream: true }), { headers });
    const received = await readUntilCut(res);
    expect(parseSse(received).filter((event) => event.event === 'content_block_delta')).toHaveLength(2);
    expect(received).not.toContain('message_stop');
  });

  it('records the request with its x-api-key header and notices a client abort', async () => {
    const controller = new AbortController();
    const pending = postJson(messages(), message('[[double hang]]', { stream: true }), {
      headers,
      signal: controller.signal,
    });
    const [request] = await double.waitForRequests(1);
    expect(request).toMatchObject({
      path: '/v1/messages',
      model: 'claude-sonnet-4-5',
      headers: { 'x-api-key': 'sk-ant-test' },
    });
    controller.abort();
    await expect(pending).rejects.toThrow();
    await double.waitUntil((all) => all[0]?.aborted === true);
  });
});
