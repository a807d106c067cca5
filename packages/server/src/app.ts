import { LIMITS } from '@cachibot/protocol';
import fastifyCookie from '@fastify/cookie';
import fastifyHelmet from '@fastify/helmet';
import fastifyWebsocket from '@fastify/websocket';
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import { registerAuthRoutes } from './auth/auth-routes.ts';
import { AuthService } from './auth/auth-service.ts';
import { refuseCrossSiteCookieWrites } from './auth/cross-site-guard.ts';
import { requireUser } from './auth/request-auth.ts';
import { registerBotProviderRoutes } from './bots/bot-provider-routes.ts';
import { BotProviderService, countSealedProviderKeys } from './bots/bot-provider-service.ts';
import { BotRepository } from './bots/bot-repository.ts';
import { registerBotRoutes } from './bots/bot-routes.ts';
import { BotService } from './bots/bot-service.ts';
import { InProcessEventBus } from './bus/event-bus.ts';
import { RedisEventBus } from './bus/redis-event-bus.ts';
import { registerBranchRoutes } from './chats/branch-routes.ts';
import { BranchService } from './chats/branch-service.ts';
import { ChatExportService } from './chats/chat-export.ts';
import { registerChatExportRoutes } from './chats/chat-export-routes.ts';
import { ChatRepository } from './chats/chat-repository.ts';
import { registerChatRoutes } from './chats/chat-routes.ts';
import { ChatService } from './chats/chat-service.ts';
import { MessageRepository } from './chats/message-repository.ts';
import type { Config } from './config.ts';
import { type OpenedDatabase, openDatabase } from './db/database.ts';
import { AppError, toErrorBody } from './errors.ts';
import { isAllowedOrigin, WsGateway } from './gateway/ws-gateway.ts';
import { loadCatalogue } from './models/catalogue.ts';
import { LocalModelFiles } from './models/local/local-model-files.ts';
import { LlamaCppLoader } from './models/local/local-model-loader.ts';
import { LocalModelPool } from './models/local/local-model-pool.ts';
import { ModelDirectory } from './models/model-directory.ts';
import { registerModelRoutes } from './models/model-routes.ts';
import { createProviderAdapters } from './models/providers.ts';
import { createOpenAIModule } from './openai-api/openai-module.ts';
import { Metrics, registerMetricsRoute, registerReadinessRoute } from './ops/metrics.ts';
import { SecretBox } from './secrets/secret-box.ts';
import { TeamTemplateRepository } from './templates/team-template-repository.ts';
import { loadTemplateCatalogue } from './templates/template-catalogue.ts';
import { registerTemplateRoutes } from './templates/template-routes.ts';
import { TemplateService } from './templates/template-service.ts';
import { TurnEngine } from './turns/turn-engine.ts';
import { newInstanceId } from './turns/turn-lifecycle.ts';
import { TurnRepository } from './turns/turn-repository.ts';
import { createUsageModule } from './usage/usage-module.ts';
import { registerWebRoutes } from './web/web-routes.ts';

export const VERSION = '0.1.0';

export interface CachibotApp {
  app: FastifyInstance;
  engine: TurnEngine;
  database: OpenedDatabase;
  /** Refuses new turns, lets running ones finish (bounded), closes sockets and the database. */
  close(): Promise<void>;
}

export interface BuildOptions {
  /** PostgreSQL schema (tests isolate each run in its own). */
  pgSchema?: string;
  logger?: boolean;
}

/** Composition root: every implementation is chosen here, once. */
export async function buildApp(config: Config, options: BuildOptions = {}): Promise<CachibotApp> {
  const instanceId = newInstanceId();
  const app = Fastify({
    logger:
      options.logger === false || config.logLevel === 'silent'
        ? false
        : {
            level: config.logLevel,
            // Several instances log to one place: each line says which one wrote it.
            base: { pid: process.pid, instance: instanceId },
            redact: [
              'req.headers.authorization',
              'req.headers.cookie',
              'req.headers["x-api-key"]',
              '*.apiKey',
              '*.api_key_sealed',
            ],
          },
    bodyLimit: LIMITS.bodyBytes,
    trustProxy: config.trustProxy,
    // The router's own errors (bad percent-encoding, over-long ids) answer in the contract's shape too.
    frameworkErrors: (error, _request, reply) => {
      const known = toKnownError(error) ?? new AppError('bad_request', 'Malformed request URL');
      const { status, body } = toErrorBody(
        known.status >= 500 ? new AppError('bad_request', 'Malformed request') : known,
      );
      return (reply as unknown as FastifyReply).code(status).send(body);
    },
  });
  // JSON only: a text/plain body is refused before it reaches a route.
  app.removeContentTypeParser('text/plain');
  if (config.trustProxy === true) {
    app.log.warn(
      'CACHIBOT_TRUST_PROXY=true trusts X-Forwarded-For from anyone: a client can pick the address that login limits count. Set it to the proxy addresses instead (e.g. CACHIBOT_TRUST_PROXY=127.0.0.1 or 10.0.0.0/8)',
    );
  }
  const catalogue = await loadCatalogue(config.dataDir); // a broken prices.json stops the start, clearly
  // Before the database opens, so that a bad key stops the start without leaving it open.
  const existingSecretBox = SecretBox.loadExisting(config.dataDir, config.secretKey);
  const database = await openDatabase({
    dataDir: config.dataDir,
    databaseUrl: config.databaseUrl,
    pgSchema: options.pgSchema,
  });
  const { db } = database;
  // No key yet: create one, unless the database holds keys sealed with a key file that went missing.
  const secretBox =
    existingSecretBox ??
    (await SecretBox.createKeyFile(config.dataDir, () => countSealedProviderKeys(db)).catch(
      async (error: unknown) => {
        await database.close();
        throw error;
      },
    ));

  // With Redis, live events and cancels cross instances; without it, one process is the whole world.
  const redisBus = config.redisUrl
    ? new RedisEventBus(config.redisUrl, instanceId, (error, what) => app.log.error({ err: error }, what))
    : undefined;
  const bus =
    redisBus ??
    new InProcessEventBus((error, event) =>
      app.log.error({ err: error, turnId: event.payload.turnId }, 'an event listener failed'),
    );
  const redisUp = redisBus ? () => redisBus.ping() : undefined;
  const bots = new BotService(new BotRepository(db));
  const messages = new MessageRepository(db);
  const chats = new ChatService(db, new ChatRepository(db), messages, bots);
  const auth = new AuthService(db, bots);
  const localLoader = new LlamaCppLoader({ ...config.localModels, log: app.log });
  const local = {
    files: new LocalModelFiles(config.localModels.dirs, config.localModels.contextSize),
    pool: new LocalModelPool(localLoader, config.localModels.maxLoaded),
  };
  const models = new ModelDirectory(
    createProviderAdapters(config.providers, local),
    catalogue,
    {
      ttlMs: config.models.ttlMs,
      discoveryTimeoutMs: config.models.discoveryTimeoutMs,
      defaultModel: config.defaultModel,
    },
    config.providers,
  );
  const botProviders = new BotProviderService(db, bots, secretBox);
  const turns = new TurnRepository(db);
  const usage = createUsageModule(db, models, bots);
  const engine = new TurnEngine(
    { bots, botProviders, chats, messages, turns, models, bus, log: app.log, budgets: usage.guard },
    {
      maxConcurrentTurns: config.limits.maxConcurrentTurns,
      turnsPerMinute: config.limits.turnsPerMinute,
      persistIntervalMs: config.turns.persistIntervalMs,
      persistBytes: config.turns.persistBytes,
      firstTokenTimeoutMs: config.turns.firstTokenTimeoutMs,
      leaseMs: config.turns.leaseMs,
      eventRetentionMs: config.turns.eventRetentionHours * 3_600_000,
      instanceId,
    },
  );
  await engine.start();

  app.setErrorHandler((error, request, reply) => {
    const known = toKnownError(error);
    if (!known) request.log.error({ err: error }, 'request failed');
    const { status, body } = toErrorBody(known ?? error);
    if (known?.retryAfterSeconds) reply.header('retry-after', String(known.retryAfterSeconds));
    return reply.code(status).send(body);
  });

  await app.register(fastifyHelmet, {
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        objectSrc: ["'none'"],
        frameAncestors: ["'none'"],
        baseUri: ["'self'"],
        upgradeInsecureRequests: null,
      },
    },
    hsts: false,
  });
  await app.register(fastifyCookie);
  app.addHook(
    'onRequest',
    refuseCrossSiteCookieWrites((request) =>
      isAllowedOrigin(
        request.headers.origin,
        request.headers.host,
        request.protocol === 'https',
        config.allowedOrigins,
      ),
    ),
  );
  await app.register(fastifyWebsocket, {
    // Close to the frame limit: a frame over it gets `payload_too_large`, far over it closes (1009).
    options: { maxPayload: 4 * LIMITS.frameBytes + 1024, perMessageDeflate: false },
  });

  const authenticate = requireUser(auth);
  app.get('/api/health', async () => ({ status: 'ok', version: VERSION }));
  registerAuthRoutes(app, auth);
  registerBotRoutes(app, bots, authenticate);
  registerBotProviderRoutes(app, botProviders, authenticate);
  registerChatRoutes(app, chats, authenticate);
  registerBranchRoutes(app, new BranchService(db, chats, messages), authenticate);
  registerModelRoutes(app, models, authenticate);
  const templates = new TemplateService(loadTemplateCatalogue(), new TeamTemplateRepository(db), bots);
  registerTemplateRoutes(app, templates, bots, authenticate);
  registerChatExportRoutes(app, new ChatExportService(db, chats, messages, bots), authenticate);
  usage.register(app, authenticate);
  await createOpenAIModule({ db, engine, bots, chats, botProviders, models, log: app.log }).register(
    app,
    authenticate,
  );
  const gateway = new WsGateway(
    { auth, chats, engine, log: app.log },
    {
      maxSocketsPerUser: config.limits.maxSockets,
      frameBurst: config.limits.frameBurst,
      framesPerSecond: config.limits.framesPerSecond,
      upgradesPerSecond: config.limits.upgradesPerSecond,
      resumesPerSecond: config.limits.resumesPerSecond,
      allowedOrigins: config.allowedOrigins,
      heartbeat: config.heartbeat,
    },
  );
  gateway.register(app);
  const metrics = new Metrics({
    db,
    instanceId,
    activeTurns: () => engine.activeTurns(),
    openSockets: () => gateway.openSockets(),
    redisUp,
  });
  engine.onAnswerStored((message) => metrics.recordAnswer(message));
  registerMetricsRoute(app, metrics, config.metricsToken);
  registerReadinessRoute(app, { db, redisUp, accepting: () => engine.accepting });
  await registerWebRoutes(app, config.webDir);

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      await engine.shutdown(config.turns.shutdownGraceMs);
      gateway.close();
      await app.close();
      await database.close();
      await redisBus?.close();
      await local.pool.close();
    })();
    return closing;
  };
  return { app, engine, database, close };
}

/** Fastify's own errors (body too large, bad JSON, bad content type) in the contract's shape. */
function toKnownError(error: unknown): AppError | undefined {
  if (AppError.isInstance(error)) return error;
  const fastifyError = error as { code?: string; statusCode?: number; message?: string };
  if (fastifyError.code === 'FST_ERR_CTP_BODY_TOO_LARGE')
    return new AppError('payload_too_large', 'Request body is too large');
  if (fastifyError.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE')
    return new AppError('bad_request', 'Unsupported content type; send JSON');
  if (/prototype/.test(fastifyError.message ?? '')) {
    return new AppError(
      'bad_request',
      'Request body contains a forbidden "__proto__" or "constructor.prototype" key',
    );
  }
  if (fastifyError.code === 'FST_ERR_CTP_EMPTY_JSON_BODY')
    return new AppError('bad_request', 'Request body is empty; send JSON');
  if (fastifyError.code === 'FST_ERR_BAD_URL' || fastifyError.code === 'FST_ERR_ASYNC_CONSTRAINT') {
    return new AppError('bad_request', 'Malformed request URL');
  }
  if (fastifyError.statusCode === 414) return new AppError('bad_request', 'An id in the URL is too long');
  if (fastifyError.statusCode === 400) return new AppError('bad_request', 'Request body is not valid JSON');
  if (fastifyError.statusCode === 429) return new AppError('rate_limited', 'Too many requests');
  return undefined;
}
