import { timingSafeEqual } from 'node:crypto';
import type { Message } from '@cachibot/protocol';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { Db } from '../db/database.ts';

export interface MetricsSources {
  db: Db;
  /** Turns running in this process now. */
  activeTurns(): number;
  /** WebSockets open on this process now. */
  openSockets(): number;
  /** Whether Redis answers (undefined when none is configured). */
  redisUp?(): Promise<boolean>;
  instanceId: string;
}

/**
 * The process's Prometheus metrics, in a registry of its own (tests run several servers in one
 * process). Turn figures come from the stored record of each finished answer.
 */
export class Metrics {
  readonly registry = new Registry();
  private readonly turns: Counter<'model' | 'status'>;
  private readonly ttft: Histogram<'model'>;
  private readonly tokens: Counter<'model' | 'direction'>;
  private readonly cost: Counter<'model'>;

  constructor(sources: MetricsSources) {
    const registers = [this.registry];
    this.registry.setDefaultLabels({ instance_id: sources.instanceId });
    collectDefaultMetrics({ register: this.registry, eventLoopMonitoringPrecision: 20 });
    this.turns = new Counter({
      name: 'cachibot_turns_total',
      help: 'Finished answers by the model that answered and their status',
      labelNames: ['model', 'status'],
      registers,
    });
    this.ttft = new Histogram({
      name: 'cachibot_ttft_seconds',
      help: 'Time to first token of finished answers, on the server clock',
      labelNames: ['model'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 16, 32],
      registers,
    });
    this.tokens = new Counter({
      name: 'cachibot_tokens_total',
      help: 'Tokens of finished answers, input and output',
      labelNames: ['model', 'direction'],
      registers,
    });
    this.cost = new Counter({
      name: 'cachibot_cost_usd_total',
      help: 'Cost of priced answers in USD',
      labelNames: ['model'],
      registers,
    });
    new Gauge({
      name: 'cachibot_active_turns',
      help: 'Answers running in this process',
      registers,
      collect() {
        this.set(sources.activeTurns());
      },
    });
    new Gauge({
      name: 'cachibot_open_sockets',
      help: 'WebSockets open on this process',
      registers,
      collect() {
        this.set(sources.openSockets());
      },
    });
    new Gauge({
      name: 'cachibot_db_ping_seconds',
      help: 'Time a trivial database query takes, measured at scrape time',
      registers,
      async collect() {
        const started = process.hrtime.bigint();
        await sql`select 1`.execute(sources.db);
        this.set(Number(process.hrtime.bigint() - started) / 1e9);
      },
    });
    if (sources.redisUp) {
      const redisUp = sources.redisUp;
      new Gauge({
        name: 'cachibot_redis_up',
        help: '1 when Redis answers a PING',
        registers,
        async collect() {
          this.set((await redisUp()) ? 1 : 0);
        },
      });
    }
  }

  /** Counts one finished answer from its stored record. */
  recordAnswer(message: Message): void {
    const { metadata } = message;
    const model = metadata.model ?? 'unknown';
    this.turns.inc({ model, status: message.status });
    if (metadata.ttftMs !== undefined) this.ttft.observe({ model }, metadata.ttftMs / 1000);
    if (metadata.usage) {
      this.tokens.inc({ model, direction: 'input' }, metadata.usage.inputTokens);
      this.tokens.inc({ model, direction: 'output' }, metadata.usage.outputTokens);
    }
    if (metadata.costUsd !== undefined) this.cost.inc({ model }, metadata.costUsd);
  }
}

const sameToken = (given: string, expected: string) => {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
};

/** `GET /metrics` (Prometheus text), behind `Authorization: Bearer <token>` when a token is set. */
export function registerMetricsRoute(
  app: FastifyInstance,
  metrics: Metrics,
  token: string | undefined,
): void {
  app.get('/metrics', async (request, reply) => {
    if (token) {
      const header = request.headers.authorization ?? '';
      const given = header.startsWith('Bearer ') ? header.slice(7) : '';
      if (!sameToken(given, token))
        return reply
          .code(401)
          .send({ error: { code: 'unauthorized', message: 'Send the metrics token as a bearer token' } });
    }
    const text = await metrics.registry.metrics();
    return reply.header('content-type', metrics.registry.contentType).send(text);
  });
}

/**
 * `GET /api/health/ready` for load balancers: 200 while this instance takes new turns and its
 * database (and Redis, when configured) answer; 503 otherwise, with what failed.
 */
export function registerReadinessRoute(
  app: FastifyInstance,
  checks: { db: Db; redisUp?: () => Promise<boolean>; accepting: () => boolean },
): void {
  app.get('/api/health/ready', async (_request, reply) => {
    const result: Record<string, 'ok' | 'failed'> = {};
    const within = <T>(promise: Promise<T>) =>
      Promise.race([
        promise,
        new Promise<never>((_, reject) => setTimeout(() => reject(new Error('timeout')), 2_000).unref()),
      ]);
    result.database = await within(sql`select 1`.execute(checks.db)).then(
      () => 'ok' as const,
      () => 'failed' as const,
    );
    if (checks.redisUp)
      result.redis = await within(checks.redisUp()).then(
        (up) => (up ? ('ok' as const) : ('failed' as const)),
        () => 'failed' as const,
      );
    result.turns = checks.accepting() ? 'ok' : 'failed';
    const ready = Object.values(result).every((value) => value === 'ok');
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'unavailable', checks: result });
  });
}
