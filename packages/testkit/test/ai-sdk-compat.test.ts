// The doubles are only useful if the real provider SDKs accept them: drive them with the same
// AI SDK calls the chat server makes.
import { createAnthropic } from '@ai-sdk/anthropic';
import { createOpenAI } from '@ai-sdk/openai';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import { generateText, streamText } from 'ai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  type AnthropicDouble,
  expectedText,
  type OpenAIDouble,
  startAnthropicDouble,
  startOpenAIDouble,
} from '../src/index.ts';

// 'claude-x' is unknown to the SDK, which warns about its output limit on every call.
(globalThis as { AI_SDK_LOG_WARNINGS?: boolean }).AI_SDK_LOG_WARNINGS = false;

let openaiDouble: OpenAIDouble;
let anthropicDouble: AnthropicDouble;
beforeAll(async () => {
  openaiDouble = await startOpenAIDouble();
  anthropicDouble = await startAnthropicDouble();
});
afterAll(async () => {
  await openaiDouble.close();
  await anthropicDouble.close();
});
beforeEach(() => {
  openaiDouble.reset();
  anthropicDouble.reset();
});

describe('AI SDK compatibility', () => {
  it('streams through @ai-sdk/openai chat models with usage and the reported model id', async () => {
    const openai = createOpenAI({ baseURL: openaiDouble.url, apiKey: 'test' });
    const result = streamText({ model: openai.chat('gpt-4o'), prompt: 'one two three' });
    expect(await result.text).toBe(expectedText(20));
    const usage = await result.usage;
    expect(usage.inputTokens).toBe(3);
    expect(usage.outputTokens).toBe(20);
    expect((await result.response).modelId).toBe('gpt-4o-double');
    expect(await result.finishReason).toBe('stop');
    const [request] = openaiDouble.requests;
    expect(request?.headers.authorization).toBe('Bearer test');
    expect(request?.body.stream_options).toEqual({ include_usage: true });
  });

  it('maps a max output limit to finish reason length', async () => {
    const openai = createOpenAI({ baseURL: openaiDouble.url, apiKey: 'test' });
    const result = streamText({ model: openai.chat('gpt-4o-mini'), prompt: 'hi', maxOutputTokens: 5 });
    expect(await result.text).toBe(expectedText(5));
    expect(await result.finishReason).toBe('length');
  });

  it('streams through @ai-sdk/openai-compatible with includeUsage', async () => {
    const provider = createOpenAICompatible({
      name: 'double',
      baseURL: openaiDouble.url,
      apiKey: 'test',
      includeUsage: true,
    });
    openaiDouble.configureModel('double-fast', { text: 'Fast answer here.', reportedModel: 'fast-v1' });
    const result = streamText({ model: provider.chatModel('double-fast'), prompt: 'go' });
    expect(await result.text).toBe('Fast answer here.');
    expect((await result.usage).outputTokens).toBe(3);
    expect((await result.response).modelId).toBe('fast-v1');
  });

  it('answers generateText (non-streaming) through both providers', async () => {
    const openai = createOpenAI({ baseURL: openaiDouble.url, apiKey: 'test' });
    const fromOpenAI = await generateText({ model: openai.chat('gpt-4o'), prompt: 'hi [[double tokens=4]]' });
    expect(fromOpenAI.text).toBe(expectedText(4));
    expect(fromOpenAI.usage.outputTokens).toBe(4);
    const anthropic = createAnthropic({ baseURL: anthropicDouble.baseURL, apiKey: 'k' });
    const fromAnthropic = await generateText({
      model: anthropic('claude-x'),
      prompt: 'hi [[double tokens=2]]',
    });
    expect(fromAnthropic.text).toBe(expectedText(2));
    expect(fromAnthropic.response.modelId).toBe('claude-x-double');
  });

  it('surfaces a double error status as an API call error', async () => {
    const openai = createOpenAI({ baseURL: openaiDouble.url, apiKey: 'test' });
    const errors: unknown[] = [];
    const result = streamText({
      model: openai.chat('gpt-4o'),
      prompt: '[[double status=429]]',
      maxRetries: 0,
      onError: ({ error }) => {
        errors.push(error);
      },
    });
    await result.consumeStream();
    expect(errors[0]).toMatchObject({ statusCode: 429 });
  });

  it('lets SDK retries succeed once failTimes failures are used up', async () => {
    const openai = createOpenAI({ baseURL: openaiDouble.url, apiKey: 'test' });
    openaiDouble.configure({ status: 500, failTimes: 1, retryAfterMs: 0 });
    const result = streamText({
      model: openai.chat('gpt-4o'),
      prompt: 'hi [[double tokens=2]]',
      maxRetries: 2,
    });
    expect(await result.text).toBe(expectedText(2));
    expect(openaiDouble.requests.map((request) => request.status)).toEqual([500, 200]);
  });

  it('streams through @ai-sdk/anthropic with usage and the reported model id', async () => {
    const anthropic = createAnthropic({ baseURL: anthropicDouble.baseURL, apiKey: 'k' });
    const result = streamText({ model: anthropic('claude-x'), system: 'Be brief.', prompt: 'one two three' });
    expect(await result.text).toBe(expectedText(20));
    const usage = await result.usage;
    expect(usage.inputTokens).toBe(5);
    expect(usage.outputTokens).toBe(20);
    expect((await result.response).modelId).toBe('claude-x-double');
    expect(await result.finishReason).toBe('stop');
    expect(anthropicDouble.requests[0]?.headers['x-api-key']).toBe('k');
  });

  it('records an abort when the SDK caller cancels a hanging request', async () => {
    const anthropic = createAnthropic({ baseURL: anthropicDouble.baseURL, apiKey: 'k' });
    const controller = new AbortController();
    const result = streamText({
      model: anthropic('claude-x'),
      prompt: '[[double hang]]',
      abortSignal: controller.signal,
      onError: () => undefined,
    });
    const consumed = result.consumeStream({ onError: () => undefined });
    await anthropicDouble.waitForRequests(1);
    controller.abort();
    await consumed;
    await anthropicDouble.waitUntil((all) => all[0]?.aborted === true);
  });

  it('makes a cut stream throw from the SDK stream after the partial text', async () => {
    const openai = createOpenAI({ baseURL: openaiDouble.url, apiKey: 'test' });
    const result = streamText({
      model: openai.chat('gpt-4o'),
      prompt: '[[double cutAfter=3]]',
      onError: () => undefined,
    });
    let text = '';
    const consume = async () => {
      for await (const part of result.fullStream) if (part.type === 'text-delta') text += part.text;
    };
    // The SDK reports a dropped connection by rejecting the stream (cause: undici "terminated").
    await expect(consume()).rejects.toThrow(/Failed to process successful response/);
    expect(text).toBe(expectedText(3));
  });
});
