import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { LanguageModelV3StreamPart } from '@ai-sdk/provider';
import type { ServerEvent, TurnEvent } from '@cachibot/protocol';
import { APICallError } from 'ai';
import { MockLanguageModelV3 } from 'ai/test';
import { describe, expect, it } from 'vitest';
import { InProcessEventBus } from '../../src/bus/event-bus.ts';
import {
  ClientConnection,
  MAX_FOLLOWED_CHATS,
  MAX_TRACKED_TURNS,
} from '../../src/gateway/client-connection.ts';
import { UserBuckets } from '../../src/gateway/token-bucket.ts';
import { attemptPlan, runAttempts } from '../../src/turns/attempt-loop.ts';
import { LiveTurn } from '../../src/turns/live-turn.ts';
import { TurnCapacity } from '../../src/turns/turn-capacity.ts';
import { coalesceDeltas } from '../../src/turns/turn-follower.ts';

const usage = {
  inputTokens: { total: 3, noCache: 3, cacheRead: undefined, cacheWrite: undefined },
  outputTokens: { total: 2, text: 2, reasoning: undefined },
};

const answering = (text: string) =>
  new MockLanguageModelV3({
    doStream: async () => ({
      stream: new ReadableStream<LanguageModelV3StreamPart>({
        start(controller) {
          controller.enqueue({ type: 'text-start', id: 't' });
          for (const word of text.split(' '))
            controller.enqueue({ type: 'text-delta', id: 't', delta: word });
          controller.enqueue({ type: 'finish', finishReason: { unified: 'stop', raw: 'stop' }, usage });
          controller.close();
        },
      }),
    }),
  });

const refusing = (status: number) =>
  new MockLanguageModelV3({
    doStream: async () => {
      throw new APICallError({
        message: `HTTP ${status}`,
        url: 'http://127.0.0.1:1/v1/chat/completions',
        requestBodyValues: {},
        statusCode: status,
        responseHeaders: { 'retry-after-ms': '30' },
      });
    },
  });

/** A clock that moves only when told: attempts and TTFT measured on it are exact. */
function fakeClock(start = 1_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

function loop(
  models: Record<string, MockLanguageModelV3>,
  chain: string[],
  signal = new AbortController().signal,
) {
  const clock = fakeClock();
  const log: string[] = [];
  const pauses: number[] = [];
  const result = runAttempts(
    {
      chain,
      historyFor: () => [{ role: 'user', content: 'Hi' }],
      firstTokenTimeoutMs: 10_000,
      signal,
      interrupted: () => false,
    },
    {
      languageModel: (model) => {
        clock.advance(7); // connecting to the provider takes time on the turn's clock
        const found = models[model];
        if (!found) throw new Error(`Unknown model ${model}`);
        return found;
      },
      onText: (delta) => {
        clock.advance(5);
        log.push(`text ${delta}`);
      },
      onReasoning: () => {},
      onFallback: (from, to, reason) => log.push(`fallback ${from} → ${to} (${reason})`),
      onAttemptFailed: (model, error) => log.push(`failed ${model} ${error.code}`),
      now: clock.now,
      sleep: async (ms) => {
        pauses.push(ms);
      },
    },
  );
  return { result, log, pauses };
}

describe('the attempt loop (issue 11 point 15)', () => {
  it('answers with the first model that works and measures the first token on the injected clock', async () => {
    const { result, log } = loop({ 'a/one': answering('hello world') }, ['a/one']);
    const outcome = await result;
    expect(outcome.status).toBe('complete');
    expect(outcome.attempts).toHaveLength(1);
    expect(outcome.firstTokenAt).toBe(1_007);
    expect(log).toEqual(['text hello', 'text world']);
  });

  it('falls back to the next model after a retryable failure before the first token', async () => {
    const { result, log } = loop({ 'a/one': refusing(503), 'b/two': answering('ok') }, ['a/one', 'b/two']);
    const outcome = await result;
    expect(outcome.status).toBe('complete');
    expect(outcome.attempts.map((attempt) => [attempt.model, attempt.error?.code])).toEqual([
      ['a/one', 'provider_error'],
      ['b/two', undefined],
    ]);
    expect(log).toEqual([
      'failed a/one provider_error',
      'fallback a/one → b/two (provider_error)',
      'text ok',
    ]);
  });

  it('tries a bot without fallbacks once more, after the pause the provider asked for', async () => {
    let calls = 0;
    const flaky = new MockLanguageModelV3({
      doStream: async (options) => {
        calls++;
        if (calls === 1) return refusing(429).doStream(options);
        return answering('second try').doStream(options);
      },
    });
    const { result, pauses, log } = loop({ 'a/one': flaky }, ['a/one']);
    const outcome = await result;
    expect(outcome.status).toBe('complete');
    expect(outcome.attempts).toHaveLength(2);
    expect(pauses).toEqual([30]);
    expect(log[1]).toBe('fallback a/one → a/one (rate_limited)');
  });

  it('does not retry a permanent failure, nor a model the provider does not know', async () => {
    const permanent = await loop({ 'a/one': refusing(401) }, ['a/one']).result;
    expect(permanent.attempts).toHaveLength(1);
    expect(permanent.error?.code).toBe('provider_auth');
    const unknown = await loop({}, ['a/missing']).result;
    expect(unknown.attempts).toHaveLength(1);
    expect(unknown.error?.code).toBe('unknown_model');
  });

  it('plans one extra try only when there is no fallback', () => {
    expect(attemptPlan(['a/one'])).toEqual(['a/one', 'a/one']);
    expect(attemptPlan(['a/one', 'b/two'])).toEqual(['a/one', 'b/two']);
  });

  it('ends as cancelled when the turn is cancelled', async () => {
    const controller = new AbortController();
    controller.abort();
    const outcome = await loop({ 'a/one': answering('never') }, ['a/one'], controller.signal).result;
    expect(outcome.status).toBe('cancelled');
  });
});

describe('the capacity reservation (issue 11 point 1)', () => {
  it('checks and takes a slot in one synchronous step', () => {
    const capacity = new TurnCapacity({ maxConcurrentTurns: 3, turnsPerMinute: 100 });
    const taken = Array.from({ length: 3 }, () => capacity.reserve('u'));
    expect(() => capacity.reserve('u')).toThrow(/At most 3 answers/);
    taken[0]?.[0]?.release();
    taken[0]?.[0]?.release(); // idempotent
    expect(capacity.runningCount('u')).toBe(2);
    expect(() => capacity.reserve('other')).not.toThrow();
  });

  it('counts starts in a sliding minute and gives a cancelled start back', () => {
    const clock = fakeClock();
    const capacity = new TurnCapacity({ maxConcurrentTurns: 100, turnsPerMinute: 2 }, clock.now);
    const [first] = capacity.reserve('u');
    capacity.reserve('u');
    expect(() => capacity.reserve('u')).toThrow(/2 messages per minute/);
    first?.cancel();
    expect(() => capacity.reserve('u')).not.toThrow();
    clock.advance(60_001);
    expect(() => capacity.reserve('u')).not.toThrow();
  });

  it('refuses everything once closed for shutdown', () => {
    const capacity = new TurnCapacity({ maxConcurrentTurns: 3, turnsPerMinute: 3 });
    capacity.close();
    expect(() => capacity.reserve('u')).toThrow(/shutting down/);
  });
});

describe('bounded memory (issue 11 point 11)', () => {
  const socket = () => {
    const sent: ServerEvent[] = [];
    return {
      sent,
      socket: {
        readyState: 1,
        OPEN: 1,
        bufferedAmount: 0,
        send: (data: string) => sent.push(JSON.parse(data)),
      },
    };
  };
  const event = (turnId: string, seq: number): TurnEvent => ({
    type: 'text_delta',
    payload: { turnId, chatId: 'c', botId: 'b', seq, messageId: 'm', delta: 'x' },
  });

  it('remembers the last seq of at most MAX_TRACKED_TURNS turns per socket', () => {
    const { socket: raw } = socket();
    const connection = new ClientConnection(raw as never, 'u', 's');
    for (let i = 0; i < MAX_TRACKED_TURNS + 500; i++) connection.deliver(event(`t${i}`, 1));
    const tracked = (connection as unknown as { lastSeq: Map<string, number> }).lastSeq;
    expect(tracked.size).toBe(MAX_TRACKED_TURNS);
    expect(tracked.has('t0')).toBe(false);
    expect(tracked.has(`t${MAX_TRACKED_TURNS + 499}`)).toBe(true);
  });

  it('follows at most MAX_FOLLOWED_CHATS chats per socket, unsubscribing the oldest', () => {
    const { socket: raw } = socket();
    const connection = new ClientConnection(raw as never, 'u', 's');
    const stopped: string[] = [];
    for (let i = 0; i < MAX_FOLLOWED_CHATS + 10; i++) connection.follow(`c${i}`, () => stopped.push(`c${i}`));
    expect(stopped).toEqual(Array.from({ length: 10 }, (_, i) => `c${i}`));
    expect(connection.isFollowing('c0')).toBe(false);
    expect(connection.isFollowing(`c${MAX_FOLLOWED_CHATS + 9}`)).toBe(true);
  });

  it('keeps per-user buckets for at most the given number of users', () => {
    const buckets = new UserBuckets(1, 1, 100);
    for (let i = 0; i < 1_000; i++) buckets.take(`user-${i}`);
    expect((buckets as unknown as { buckets: Map<string, unknown> }).buckets.size).toBe(100);
  });
});

describe('no throw ends a turn (issue 11 point 8)', () => {
  it('a listener that throws is reported; the other listeners and the publisher carry on', () => {
    const errors: unknown[] = [];
    const bus = new InProcessEventBus((error) => errors.push(error));
    const got: number[] = [];
    bus.subscribe('c', () => {
      throw new Error('broken socket code');
    });
    bus.subscribe('c', (e) => got.push(e.payload.seq));
    const turn = new LiveTurn(
      { id: 't', userId: 'u', chatId: 'c', botId: 'b', assistantMessageId: 'm' },
      bus,
    );
    expect(() => turn.emit('text_delta', { messageId: 'm', delta: 'a' })).not.toThrow();
    turn.emit('text_delta', { messageId: 'm', delta: 'b' });
    expect(got).toEqual([1, 2]);
    expect(errors).toHaveLength(2);
  });
});

describe('replay joins deltas (issue 11 point 7)', () => {
  it('joins consecutive deltas of one message into one event standing for fromSeq … seq', () => {
    const base = { turnId: 't', chatId: 'c', botId: 'b' };
    const events: TurnEvent[] = [
      { type: 'turn_started', payload: { ...base, seq: 1 } } as TurnEvent,
      ...[2, 3, 4].map((seq) => ({
        type: 'text_delta' as const,
        payload: { ...base, seq, messageId: 'm', delta: `d${seq}` },
      })),
      { type: 'reasoning_delta', payload: { ...base, seq: 5, messageId: 'm', delta: 'r' } },
      { type: 'text_delta', payload: { ...base, seq: 6, messageId: 'm', delta: 'd6' } },
    ];
    const joined = coalesceDeltas(events);
    expect(
      joined.map((event) => [event.type, (event.payload as { fromSeq?: number }).fromSeq, event.payload.seq]),
    ).toEqual([
      ['turn_started', undefined, 1],
      ['text_delta', 2, 4],
      ['reasoning_delta', undefined, 5],
      ['text_delta', undefined, 6],
    ]);
    expect(joined[1]?.payload).toMatchObject({ delta: 'd2d3d4' });
  });
});

describe('the turn engine reads as a story (issue 11 point 15)', () => {
  const src = path.resolve(import.meta.dirname, '../../src');
  const files = (dir: string): string[] =>
    readdirSync(dir).flatMap((name) => {
      const full = path.join(dir, name);
      return statSync(full).isDirectory() ? files(full) : full.endsWith('.ts') ? [full] : [];
    });

  it('keeps every file in turns/ at 250 lines or fewer', () => {
    const long = files(path.join(src, 'turns'))
      .map((file) => [path.basename(file), readFileSync(file, 'utf8').split('\n').length] as const)
      .filter(([, lines]) => lines > 250);
    expect(long).toEqual([]);
  });

  it('has no import cycles between the server folders', () => {
    const edges = new Map<string, Set<string>>();
    for (const file of files(src)) {
      const from = path.relative(src, path.dirname(file)).split(path.sep)[0] || '.';
      for (const match of readFileSync(file, 'utf8').matchAll(/from '(\.[^']+)'/g)) {
        const target = path.relative(src, path.resolve(path.dirname(file), match[1] as string));
        const to = target.split(path.sep)[0] as string;
        if (to === from || !target.includes(path.sep)) continue;
        if (!edges.has(from)) edges.set(from, new Set());
        edges.get(from)?.add(to);
      }
    }
    const cycles: string[] = [];
    const visit = (node: string, trail: string[]) => {
      for (const next of edges.get(node) ?? []) {
        if (next === trail[0]) cycles.push([...trail, next].join(' → '));
        else if (!trail.includes(next)) visit(next, [...trail, next]);
      }
    };
    for (const node of edges.keys()) visit(node, [node]);
    expect(cycles).toEqual([]);
  });

  it('lets the gateway use only the engine, not its internals', () => {
    const imports = files(path.join(src, 'gateway'))
      .flatMap((file) => [...readFileSync(file, 'utf8').matchAll(/from '\.\.\/turns\/([^']+)'/g)])
      .map((match) => match[1]);
    expect(new Set(imports)).toEqual(new Set(['turn-engine.ts']));
  });
});
