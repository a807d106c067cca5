import { describe, expect, it } from 'vitest';
import { FailureLimiter } from '../src/auth/login-limiter.ts';
import { hashPassword, verifyPassword } from '../src/auth/password.ts';
import { titleFromMessage } from '../src/chats/chat-service.ts';
import type { MessageTable } from '../src/db/schema.ts';
import { createCatalogue } from '../src/models/catalogue.ts';
import { costMicros } from '../src/models/pricing.ts';
import { buildHistory } from '../src/turns/history.ts';
import { buildMetadata } from '../src/turns/turn-record.ts';

const row = (
  id: string,
  role: 'user' | 'assistant',
  content: string,
  parent: string | null = null,
): MessageTable => ({
  id,
  chat_id: 'c',
  user_id: 'u',
  role,
  content,
  status: 'complete',
  parent_id: parent,
  client_message_id: null,
  turn_id: null,
  metadata: '{}',
  created_at: '',
  updated_at: '',
});

describe('history', () => {
  const newestFirst = [
    row('6', 'assistant', '', '5'),
    row('5', 'user', 'third question'),
    row('4', 'assistant', 'second answer', '3'),
    row('3', 'user', 'second question'),
    row('2', 'assistant', 'first answer', '1'),
    row('1', 'user', 'first question'),
  ];

  it('keeps the whole conversation in order when it fits, skipping the empty placeholder', () => {
    const history = buildHistory(newestFirst, '5', { contextWindow: 10_000, systemPrompt: '' });
    expect(history.map((message) => message.content)).toEqual([
      'first question',
      'first answer',
      'second question',
      'second answer',
      'third question',
    ]);
  });

  it('drops the oldest messages first when the context window is small, and starts with a user message', () => {
    const history = buildHistory(newestFirst, '5', {
      contextWindow: 40,
      maxOutputTokens: 10,
      systemPrompt: '',
    });
    expect(history[0]?.role).toBe('user');
    expect(history[history.length - 1]?.content).toBe('third question');
    expect(history.length).toBeLessThan(5);
  });

  it('always keeps the current message, even when it alone exceeds the window', () => {
    const history = buildHistory([row('9', 'user', 'x'.repeat(10_000))], '9', {
      contextWindow: 100,
      systemPrompt: '',
    });
    expect(history).toHaveLength(1);
  });

  it('keeps the branch it is given, oldest first, leaving out answers without text', () => {
    // branchRows reads leaf first: the question, the answer it follows, that answer's question …
    const rows = [
      row('5', 'user', 'next', '3'),
      row('3', 'assistant', 'the answer on screen', '2'),
      row('2', 'user', 'q', '1'),
      row('1', 'assistant', '', null),
    ];
    const history = buildHistory(rows, '5', { contextWindow: 10_000, systemPrompt: '' });
    expect(history.map((message) => message.content)).toEqual(['q', 'the answer on screen', 'next']);
  });
});

describe('cost', () => {
  const pricing = { inputPerMTok: 2.5, outputPerMTok: 10, cachedInputPerMTok: 1.25 };

  it('computes integer micro-dollars, cached input at its own price', () => {
    expect(costMicros({ inputTokens: 1000, outputTokens: 100, totalTokens: 1100 }, pricing)).toBe(3500);
    expect(
      costMicros({ inputTokens: 1000, outputTokens: 0, totalTokens: 1000, cachedInputTokens: 400 }, pricing),
    ).toBe(2000);
  });

  it('is unknown, never zero, without a price', () => {
    expect(costMicros({ inputTokens: 1, outputTokens: 1, totalTokens: 2 }, undefined)).toBeUndefined();
  });
});

describe('per-message record', () => {
  const catalogue = createCatalogue({
    version: 'test-1',
    models: { 'p/priced': { pricing: { inputPerMTok: 1, outputPerMTok: 2 } } },
  });
  const usage = { inputTokens: 100, outputTokens: 50, totalTokens: 150 };

  it('names the model that answered after a fallback and sums costs per model', () => {
    const metadata = buildMetadata(
      {
        modelRequested: 'p/first',
        status: 'complete',
        timing: { receivedAt: 1000, firstTokenAt: 1300, endedAt: 1800 },
        attempts: [
          {
            model: 'p/first',
            startedAt: 1000,
            endedAt: 1100,
            error: { code: 'rate_limited', message: '429' },
          },
          {
            model: 'p/priced',
            startedAt: 1100,
            endedAt: 1800,
            usage,
            providerModelId: 'priced-v2',
            finishReason: 'stop',
          },
        ],
      },
      catalogue,
    );
    expect(metadata).toMatchObject({
      model: 'p/priced',
      modelRequested: 'p/first',
      providerModelId: 'priced-v2',
      usage,
      costUsd: 0.0002,
      catalogueVersion: 'test-1',
      ttftMs: 300,
      durationMs: 800,
      tokensPerSecond: 100,
      finishReason: 'stop',
    });
    expect(metadata.attempts).toEqual([
      {
        model: 'p/first',
        startedAt: new Date(1000).toISOString(),
        durationMs: 100,
        error: { code: 'rate_limited', message: '429' },
      },
      { model: 'p/priced', startedAt: new Date(1100).toISOString(), durationMs: 700 },
    ]);
    expect(metadata.perModel).toEqual({
      'p/first': { inputTokens: 0, outputTokens: 0, calls: 1, durationMs: 100 },
      'p/priced': { inputTokens: 100, outputTokens: 50, calls: 1, durationMs: 700, costUsd: 0.0002 },
    });
  });

  it('leaves the cost out when the answering model has no price', () => {
    const metadata = buildMetadata(
      {
        modelRequested: 'p/unknown',
        status: 'complete',
        timing: { receivedAt: 0, firstTokenAt: 10, endedAt: 20 },
        attempts: [{ model: 'p/unknown', startedAt: 0, endedAt: 20, usage }],
      },
      catalogue,
    );
    expect(metadata.usage).toEqual(usage);
    expect(metadata).not.toHaveProperty('costUsd');
  });

  it('marks cancelled and failed turns in finishReason and keeps the error', () => {
    const base = { modelRequested: 'p/x', timing: { receivedAt: 0, endedAt: 5 }, attempts: [] };
    expect(buildMetadata({ ...base, status: 'cancelled' }, catalogue).finishReason).toBe('cancelled');
    const failed = buildMetadata(
      { ...base, status: 'error', error: { code: 'provider_error', message: 'boom' } },
      catalogue,
    );
    expect(failed).toMatchObject({ finishReason: 'error', error: { code: 'provider_error' }, model: 'p/x' });
  });
});

describe('small rules', () => {
  it('titles a chat from the first line of its first message', () => {
    expect(titleFromMessage('  Plan a trip\nto Lisbon')).toBe('Plan a trip');
    expect(titleFromMessage('x'.repeat(100))).toHaveLength(58);
    expect(titleFromMessage('   ')).toBe('New chat');
  });

  it('hashes passwords with a salt and verifies them', async () => {
    const hash = await hashPassword('s3cret pass');
    expect(hash).not.toContain('s3cret');
    expect(hash).not.toBe(await hashPassword('s3cret pass'));
    expect(await verifyPassword('s3cret pass', hash)).toBe(true);
    expect(await verifyPassword('wrong', hash)).toBe(false);
  });

  it('limits failures per key within a sliding window', () => {
    let now = 0;
    const limiter = new FailureLimiter(3, 60_000, () => now);
    for (let i = 0; i < 3; i++) limiter.recordFailure('ip');
    expect(limiter.retryAfterSeconds('ip')).toBe(60);
    expect(limiter.retryAfterSeconds('other')).toBe(0);
    now = 60_001;
    expect(limiter.retryAfterSeconds('ip')).toBe(0);
  });
});

describe('the SQLite statement cache', () => {
  it('reuses a prepared statement per SQL text, keeps the most recent ones, and still answers', async () => {
    const SQLite = (await import('better-sqlite3')).default;
    const { withStatementCache } = await import('../src/db/statement-cache.ts');
    const file = new SQLite(':memory:');
    const prepared: string[] = [];
    const prepare = file.prepare.bind(file);
    file.prepare = ((sql: string) => {
      prepared.push(sql);
      return prepare(sql);
    }) as typeof file.prepare;
    const cached = withStatementCache(file, 2);
    const one = cached.prepare('select 1 as n');
    expect(cached.prepare('select 1 as n')).toBe(one);
    expect(one.all([])).toEqual([{ n: 1 }]);
    cached.prepare('select 2 as n');
    cached.prepare('select 1 as n'); // most recent again
    cached.prepare('select 3 as n'); // evicts "select 2", the least recently used
    cached.prepare('select 1 as n');
    cached.prepare('select 2 as n');
    expect(prepared).toEqual(['select 1 as n', 'select 2 as n', 'select 3 as n', 'select 2 as n']);
    cached.close();
  });
});

describe("a finished answer's share of its chat's totals", () => {
  it('adds tokens always, cost in micro-dollars when priced, and counts unpriced answers with tokens', async () => {
    const { answerTotals } = await import('../src/db/answer-totals.ts');
    const usage = { inputTokens: 120, outputTokens: 30, totalTokens: 150 };
    expect(answerTotals({ usage, costUsd: 0.000123 })).toEqual({
      input_tokens: 120,
      output_tokens: 30,
      cost_micros: 123,
      unpriced_answers: 0,
    });
    expect(answerTotals({ usage })).toEqual({
      input_tokens: 120,
      output_tokens: 30,
      cost_micros: 0,
      unpriced_answers: 1,
    });
    // An answer that failed before any token costs nothing and is not "unpriced".
    expect(answerTotals({})).toEqual({
      input_tokens: 0,
      output_tokens: 0,
      cost_micros: 0,
      unpriced_answers: 0,
    });
    expect(answerTotals({ usage: { inputTokens: 0, outputTokens: 0 }, costUsd: 0 }).cost_micros).toBe(0);
  });
});

describe('the provider interface mapping', () => {
  it('sends the system prompt and plain-text history as the provider prompt', async () => {
    const { toPrompt } = await import('../src/turns/model-call.ts');
    expect(
      toPrompt('Be brief.', [
        { role: 'user', content: 'Hi' },
        { role: 'assistant', content: 'Hello' },
        { role: 'user', content: 'Again' },
      ]),
    ).toEqual([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: [{ type: 'text', text: 'Hi' }] },
      { role: 'assistant', content: [{ type: 'text', text: 'Hello' }] },
      { role: 'user', content: [{ type: 'text', text: 'Again' }] },
    ]);
    expect(toPrompt('', [{ role: 'user', content: 'x' }])).toHaveLength(1);
  });

  it('reads usage with cached input and reasoning tokens, and zeros for what a provider omits', async () => {
    const { toUsage } = await import('../src/turns/model-call.ts');
    expect(
      toUsage({
        inputTokens: { total: 120, noCache: 20, cacheRead: 100, cacheWrite: undefined },
        outputTokens: { total: 40, text: 30, reasoning: 10 },
      }),
    ).toEqual({
      inputTokens: 120,
      outputTokens: 40,
      totalTokens: 160,
      cachedInputTokens: 100,
      reasoningTokens: 10,
    });
    expect(
      toUsage({
        inputTokens: { total: undefined, noCache: undefined, cacheRead: undefined, cacheWrite: undefined },
        outputTokens: { total: 7, text: undefined, reasoning: undefined },
      }),
    ).toEqual({ inputTokens: 0, outputTokens: 7, totalTokens: 7 });
  });
});
