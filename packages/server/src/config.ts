import path from 'node:path';
import { z } from 'zod';

const optionalString = z
  .string()
  .optional()
  .transform((value) => (value === undefined || value.trim() === '' ? undefined : value.trim()));
const intFrom = (fallback: number) => z.coerce.number().int().min(0).default(fallback);
/** llama.cpp backends for local models; `off` is CPU only (the prebuilt that every install has). */
const LOCAL_GPU_OPTIONS = ['off', 'auto', 'cuda', 'vulkan', 'metal'] as const;
export type LocalGpu = (typeof LOCAL_GPU_OPTIONS)[number];

/** Every environment variable the server reads, validated once at start (see README's configuration table). */
const EnvSchema = z.object({
  PORT: intFrom(5870),
  HOST: z.string().default('127.0.0.1'),
  CACHIBOT_DATA_DIR: z.string().default('./data'),
  DATABASE_URL: optionalString,
  REDIS_URL: optionalString,
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  OPENAI_API_KEY: optionalString,
  OPENAI_BASE_URL: optionalString,
  ANTHROPIC_API_KEY: optionalString,
  ANTHROPIC_BASE_URL: optionalString,
  OLLAMA_BASE_URL: optionalString,
  OPENAI_COMPATIBLE_BASE_URL: optionalString,
  OPENAI_COMPATIBLE_API_KEY: optionalString,
  OPENROUTER_API_KEY: optionalString,
  GROQ_API_KEY: optionalString,
  GOOGLE_GENERATIVE_AI_API_KEY: optionalString,
  MISTRAL_API_KEY: optionalString,
  DEEPSEEK_API_KEY: optionalString,
  XAI_API_KEY: optionalString,
  LMSTUDIO_BASE_URL: optionalString,
  CACHIBOT_DEFAULT_MODEL: optionalString,
  CACHIBOT_SECRET_KEY: optionalString,
  CACHIBOT_MAX_CONCURRENT_TURNS: intFrom(3),
  CACHIBOT_MAX_SOCKETS: intFrom(10),
  CACHIBOT_TURNS_PER_MINUTE: intFrom(30),
  CACHIBOT_WS_FRAME_BURST: intFrom(60),
  CACHIBOT_WS_FRAMES_PER_SECOND: intFrom(2),
  CACHIBOT_WS_UPGRADES_PER_SECOND: z.coerce.number().int().min(1).default(20),
  CACHIBOT_WS_RESUMES_PER_SECOND: z.coerce.number().int().min(1).default(20),
  CACHIBOT_ALLOWED_ORIGINS: optionalString,
  CACHIBOT_PERSIST_INTERVAL_MS: intFrom(250),
  CACHIBOT_PERSIST_BYTES: intFrom(1024),
  CACHIBOT_FIRST_TOKEN_TIMEOUT_MS: intFrom(30_000),
  CACHIBOT_HEARTBEAT_INTERVAL_MS: intFrom(30_000),
  CACHIBOT_HEARTBEAT_TIMEOUT_MS: intFrom(10_000),
  CACHIBOT_SHUTDOWN_GRACE_MS: intFrom(30_000),
  CACHIBOT_TURN_LEASE_MS: z.coerce.number().int().min(200).default(30_000),
  CACHIBOT_EVENT_RETENTION_HOURS: z.coerce
    .number()
    .int()
    .min(24)
    .default(7 * 24),
  CACHIBOT_MODELS_TTL_MS: intFrom(5 * 60_000),
  CACHIBOT_DISCOVERY_TIMEOUT_MS: intFrom(2_000),
  CACHIBOT_WEB_DIR: optionalString,
  CACHIBOT_TRUST_PROXY: optionalString,
  CACHIBOT_METRICS_TOKEN: optionalString,
  CACHIBOT_MODEL_DIRS: optionalString,
  CACHIBOT_LOCAL_MODELS_LOADED: z.coerce.number().int().min(1).default(2),
  CACHIBOT_LOCAL_CONTEXT_SIZE: z.coerce.number().int().min(64).default(2048),
  CACHIBOT_LOCAL_THREADS: z.coerce.number().int().min(1).default(1),
  CACHIBOT_LOCAL_GPU: z.enum(LOCAL_GPU_OPTIONS).default('off'),
});

export interface ProviderSettings {
  apiKey?: string;
  baseURL?: string;
}

export interface Config {
  port: number;
  host: string;
  dataDir: string;
  databaseUrl?: string;
  /** Set: turn events, cancels and readiness go through Redis, so several instances act as one. */
  redisUrl?: string;
  logLevel: string;
  /** Provider id → settings, only for providers that are configured (key or base URL present). */
  providers: Record<string, ProviderSettings>;
  defaultModel?: string;
  /** 32 bytes (base64 or hex) sealing provider keys at rest; else `<dataDir>/secret.key`. */
  secretKey?: string;
  allowedOrigins: string[];
  webDir?: string;
  /**
   * Behind a reverse proxy that terminates TLS: which proxies to trust for X-Forwarded-* (so the
   * session cookie gets `Secure` and origins compare as https). false = none (direct connections).
   */
  trustProxy: boolean | string;
  /** When set, `GET /metrics` needs `Authorization: Bearer <token>`. */
  metricsToken?: string;
  limits: {
    maxConcurrentTurns: number;
    maxSockets: number;
    turnsPerMinute: number;
    frameBurst: number;
    framesPerSecond: number;
    /** Per user, across sockets; bursts of five seconds' worth are allowed. */
    upgradesPerSecond: number;
    resumesPerSecond: number;
  };
  turns: {
    persistIntervalMs: number;
    persistBytes: number;
    firstTokenTimeoutMs: number;
    shutdownGraceMs: number;
    /** A running turn's lease: another process may close it once this long has passed unrenewed. */
    leaseMs: number;
    /** Event logs of finished turns are kept this long for resume, then pruned (resume → `resync`). */
    eventRetentionHours: number;
  };
  heartbeat: { intervalMs: number; timeoutMs: number };
  models: { ttlMs: number; discoveryTimeoutMs: number };
  /** In-process GGUF models: `<dataDir>/models` first, then the `CACHIBOT_MODEL_DIRS` folders. */
  localModels: { dirs: string[]; maxLoaded: number; contextSize: number; threads: number; gpu: LocalGpu };
}

type Env = z.infer<typeof EnvSchema>;

function providerSettings(env: Env): Record<string, ProviderSettings> {
  const providers: Record<string, ProviderSettings> = {};
  const add = (id: string, settings: ProviderSettings, enabled: boolean) => {
    if (enabled) providers[id] = settings;
  };
  add('openai', { apiKey: env.OPENAI_API_KEY, baseURL: env.OPENAI_BASE_URL }, !!env.OPENAI_API_KEY);
  add(
    'anthropic',
    { apiKey: env.ANTHROPIC_API_KEY, baseURL: env.ANTHROPIC_BASE_URL },
    !!env.ANTHROPIC_API_KEY,
  );
  // Ollama has no key; it is enabled by default at its usual address and counts as available when it answers.
  add('ollama', { baseURL: env.OLLAMA_BASE_URL ?? 'http://127.0.0.1:11434' }, true);
  add(
    'compatible',
    { apiKey: env.OPENAI_COMPATIBLE_API_KEY, baseURL: env.OPENAI_COMPATIBLE_BASE_URL },
    !!env.OPENAI_COMPATIBLE_BASE_URL,
  );
  add('openrouter', { apiKey: env.OPENROUTER_API_KEY }, !!env.OPENROUTER_API_KEY);
  add('groq', { apiKey: env.GROQ_API_KEY }, !!env.GROQ_API_KEY);
  add('google', { apiKey: env.GOOGLE_GENERATIVE_AI_API_KEY }, !!env.GOOGLE_GENERATIVE_AI_API_KEY);
  add('mistral', { apiKey: env.MISTRAL_API_KEY }, !!env.MISTRAL_API_KEY);
  add('deepseek', { apiKey: env.DEEPSEEK_API_KEY }, !!env.DEEPSEEK_API_KEY);
  add('xai', { apiKey: env.XAI_API_KEY }, !!env.XAI_API_KEY);
  // LM Studio's local server, like Ollama: on by default at its usual address, available when it answers.
  add('lmstudio', { baseURL: env.LMSTUDIO_BASE_URL ?? 'http://127.0.0.1:1234/v1' }, true);
  return providers;
}

/** `true` (any proxy) or comma-separated addresses/CIDRs of trusted proxies (`loopback` = 127.0.0.1/8, ::1). */
function parseTrustProxy(value: string | undefined): boolean | string {
  if (value === undefined || value === 'false') return false;
  if (value === 'true') return true;
  return value;
}

/** Reads the environment once; domain code receives the resulting object, never `process.env`. */
export function loadConfig(source: Record<string, string | undefined> = process.env): Config {
  const parsed = EnvSchema.safeParse(source);
  if (!parsed.success) {
    const problems = parsed.error.issues
      .map((issue) => `${issue.path.join('.')}: ${issue.message}`)
      .join('; ');
    throw new Error(`Invalid configuration: ${problems}`);
  }
  const env = parsed.data;
  return {
    port: env.PORT,
    host: env.HOST,
    dataDir: path.resolve(env.CACHIBOT_DATA_DIR),
    databaseUrl: env.DATABASE_URL,
    redisUrl: env.REDIS_URL,
    logLevel: env.LOG_LEVEL,
    providers: providerSettings(env),
    defaultModel: env.CACHIBOT_DEFAULT_MODEL,
    secretKey: env.CACHIBOT_SECRET_KEY,
    allowedOrigins: (env.CACHIBOT_ALLOWED_ORIGINS ?? '')
      .split(',')
      .map((origin) => origin.trim())
      .filter(Boolean),
    webDir: env.CACHIBOT_WEB_DIR,
    trustProxy: parseTrustProxy(env.CACHIBOT_TRUST_PROXY),
    metricsToken: env.CACHIBOT_METRICS_TOKEN,
    limits: {
      maxConcurrentTurns: env.CACHIBOT_MAX_CONCURRENT_TURNS,
      maxSockets: env.CACHIBOT_MAX_SOCKETS,
      turnsPerMinute: env.CACHIBOT_TURNS_PER_MINUTE,
      frameBurst: env.CACHIBOT_WS_FRAME_BURST,
      framesPerSecond: env.CACHIBOT_WS_FRAMES_PER_SECOND,
      upgradesPerSecond: env.CACHIBOT_WS_UPGRADES_PER_SECOND,
      resumesPerSecond: env.CACHIBOT_WS_RESUMES_PER_SECOND,
    },
    turns: {
      persistIntervalMs: env.CACHIBOT_PERSIST_INTERVAL_MS,
      persistBytes: env.CACHIBOT_PERSIST_BYTES,
      firstTokenTimeoutMs: env.CACHIBOT_FIRST_TOKEN_TIMEOUT_MS,
      shutdownGraceMs: env.CACHIBOT_SHUTDOWN_GRACE_MS,
      leaseMs: env.CACHIBOT_TURN_LEASE_MS,
      eventRetentionHours: env.CACHIBOT_EVENT_RETENTION_HOURS,
    },
    heartbeat: {
      intervalMs: env.CACHIBOT_HEARTBEAT_INTERVAL_MS,
      timeoutMs: env.CACHIBOT_HEARTBEAT_TIMEOUT_MS,
    },
    models: { ttlMs: env.CACHIBOT_MODELS_TTL_MS, discoveryTimeoutMs: env.CACHIBOT_DISCOVERY_TIMEOUT_MS },
    localModels: {
      dirs: [
        path.resolve(env.CACHIBOT_DATA_DIR, 'models'),
        ...(env.CACHIBOT_MODEL_DIRS ?? '')
          .split(path.delimiter)
          .map((dir) => dir.trim())
          .filter(Boolean)
          .map((dir) => path.resolve(dir)),
      ],
      maxLoaded: env.CACHIBOT_LOCAL_MODELS_LOADED,
      contextSize: env.CACHIBOT_LOCAL_CONTEXT_SIZE,
      threads: env.CACHIBOT_LOCAL_THREADS,
      gpu: env.CACHIBOT_LOCAL_GPU,
    },
  };
}

// ---- The environment, described ---------------------------------------------------------------
// docs/api.md's configuration table is generated from this (npm run docs:api). Keyed by EnvSchema's
// keys, so a variable added there without a line here does not compile.

export interface EnvVariable {
  name: string;
  /** Markdown: what applies while the variable is unset. */
  default: string;
  meaning: string;
}

/** `default` only where EnvSchema has none of its own (the schema's default is used otherwise). */
const ENV_VARIABLE_DOCS = {
  PORT: { meaning: 'HTTP + WebSocket port' },
  HOST: { meaning: 'bind address' },
  CACHIBOT_DATA_DIR: {
    meaning: 'where the embedded SQLite database (`cachibot.db`), the secret key and `models/` live',
  },
  DATABASE_URL: { meaning: '`postgres://…` switches storage to PostgreSQL (same schema, same behaviour)' },
  REDIS_URL: {
    meaning:
      '`redis://…`: several instances on one PostgreSQL database act as one — live turn events and cancels cross instances (see docs/scaling.md)',
  },
  LOG_LEVEL: { meaning: '`fatal`, `error`, `warn`, `info`, `debug`, `trace` or `silent`' },
  OPENAI_API_KEY: { meaning: 'provider `openai` (Chat Completions), enabled by its key' },
  OPENAI_BASE_URL: { default: '`https://api.openai.com/v1`', meaning: 'base URL of provider `openai`' },
  ANTHROPIC_API_KEY: { meaning: 'provider `anthropic`, enabled by its key' },
  ANTHROPIC_BASE_URL: {
    default: '`https://api.anthropic.com/v1`',
    meaning: 'base URL of provider `anthropic`',
  },
  OLLAMA_BASE_URL: {
    default: '`http://127.0.0.1:11434`',
    meaning: 'provider `ollama` (always on; listed as available when it answers)',
  },
  OPENAI_COMPATIBLE_BASE_URL: {
    meaning: 'provider `compatible`: any OpenAI-compatible server (vLLM, llama.cpp server, …), enabled by it',
  },
  OPENAI_COMPATIBLE_API_KEY: { meaning: 'API key of provider `compatible`, if its server wants one' },
  OPENROUTER_API_KEY: { meaning: 'provider `openrouter`, enabled by its key' },
  GROQ_API_KEY: { meaning: 'provider `groq`, enabled by its key' },
  GOOGLE_GENERATIVE_AI_API_KEY: {
    meaning: 'provider `google` (Gemini, through its OpenAI-compatible endpoint), enabled by its key',
  },
  MISTRAL_API_KEY: { meaning: 'provider `mistral`, enabled by its key' },
  DEEPSEEK_API_KEY: { meaning: 'provider `deepseek`, enabled by its key' },
  XAI_API_KEY: { meaning: 'provider `xai`, enabled by its key' },
  LMSTUDIO_BASE_URL: {
    default: '`http://127.0.0.1:1234/v1`',
    meaning: "provider `lmstudio`: LM Studio's local server (always on; listed as available when it answers)",
  },
  CACHIBOT_DEFAULT_MODEL: {
    default: 'first available',
    meaning: 'system default model id, e.g. `openai/gpt-4o-mini`',
  },
  CACHIBOT_SECRET_KEY: {
    default: '`<data dir>/secret.key`',
    meaning:
      '32 bytes (base64 or hex) that seal per-bot API keys at rest; by default a key file is created on first start (mode 0600)',
  },
  CACHIBOT_MAX_CONCURRENT_TURNS: { meaning: 'answers running at once per user; more → `rate_limited`' },
  CACHIBOT_MAX_SOCKETS: { meaning: 'open WebSockets per user; more → upgrade refused with `429`' },
  CACHIBOT_TURNS_PER_MINUTE: { meaning: 'messages per user per minute; more → `rate_limited`' },
  CACHIBOT_WS_FRAME_BURST: {
    meaning: 'frames per socket in a burst (pings excepted); more → `rate_limited`',
  },
  CACHIBOT_WS_FRAMES_PER_SECOND: { meaning: 'sustained frames per second per socket, after the burst' },
  CACHIBOT_ALLOWED_ORIGINS: {
    default: 'same origin',
    meaning: 'extra browser origins (comma-separated, exact) allowed to open the WebSocket with a cookie',
  },
  CACHIBOT_PERSIST_INTERVAL_MS: {
    meaning: 'a streaming answer is written at least this often (or every `CACHIBOT_PERSIST_BYTES`)',
  },
  CACHIBOT_PERSIST_BYTES: { meaning: '… or every this many bytes of new text, whichever comes first' },
  CACHIBOT_FIRST_TOKEN_TIMEOUT_MS: {
    meaning: 'no first token within this time → attempt error `timeout`; the next fallback model takes over',
  },
  CACHIBOT_HEARTBEAT_INTERVAL_MS: { meaning: 'WebSocket protocol ping interval' },
  CACHIBOT_HEARTBEAT_TIMEOUT_MS: {
    meaning: 'a socket that does not answer a ping within this time is dropped',
  },
  CACHIBOT_SHUTDOWN_GRACE_MS: {
    meaning:
      'on SIGTERM, running answers get this long to finish; any still running then is stored as `interrupted` (text kept)',
  },
  CACHIBOT_WS_UPGRADES_PER_SECOND: {
    meaning:
      "WebSocket connections one user may open per second (bursts of five seconds' worth); more → upgrade refused with `429`",
  },
  CACHIBOT_WS_RESUMES_PER_SECOND: {
    meaning:
      "`resume` frames one user may send per second across sockets (bursts of five seconds' worth); more → `rate_limited`",
  },
  CACHIBOT_TURN_LEASE_MS: {
    meaning:
      'a running answer belongs to its process for this long after its last renewal; if the process dies, another one (or its restart) closes the answer as `interrupted` once the lease has run out (at once on the same host)',
  },
  CACHIBOT_EVENT_RETENTION_HOURS: {
    meaning:
      "finished answers' event logs are kept this long (at least 24) for resume; a resume after that gets a `resync` snapshot",
  },
  CACHIBOT_MODELS_TTL_MS: { meaning: "how long a provider's discovered model list is cached" },
  CACHIBOT_DISCOVERY_TIMEOUT_MS: {
    meaning: 'a provider that does not list its models within this time is shown as unavailable for now',
  },
  CACHIBOT_WEB_DIR: { default: '`packages/web/dist`', meaning: 'where the built web app is served from' },
  CACHIBOT_METRICS_TOKEN: {
    meaning: '`GET /metrics` (Prometheus) then needs `Authorization: Bearer <token>`; unset, it is open',
  },
  CACHIBOT_TRUST_PROXY: {
    default: '`false`',
    meaning:
      'behind a reverse proxy that terminates TLS: `true`, or its addresses (`loopback`, `10.0.0.0/8`, …, comma-separated); then `X-Forwarded-*` counts and the session cookie is `Secure`',
  },
  CACHIBOT_MODEL_DIRS: {
    meaning:
      'more folders of `*.gguf` models (`:`-separated; `;` on Windows), besides `<data dir>/models`; each file is the model `local/<name>`',
  },
  CACHIBOT_LOCAL_MODELS_LOADED: {
    meaning: 'local models kept in memory at once; the least recently used idle one is unloaded first',
  },
  CACHIBOT_LOCAL_CONTEXT_SIZE: {
    meaning: 'context given to a local model: its training context, capped at this',
  },
  CACHIBOT_LOCAL_THREADS: { meaning: 'CPU threads per local generation' },
  CACHIBOT_LOCAL_GPU: {
    meaning:
      'llama.cpp backend for local models: `off` (CPU), `auto`, `cuda`, `vulkan` or `metal` (needs a GPU build)',
  },
} satisfies Record<keyof typeof EnvSchema.shape, { default?: string; meaning: string }>;

function schemaDefault(schema: z.ZodType): string | undefined {
  return schema instanceof z.ZodDefault ? `\`${String(schema.def.defaultValue)}\`` : undefined;
}

/** Every environment variable the server reads, with its default and meaning, in the docs' order. */
export const ENV_VARIABLES: readonly EnvVariable[] = Object.entries(ENV_VARIABLE_DOCS).map(
  ([name, doc]: [string, { default?: string; meaning: string }]) => ({
    name,
    default: schemaDefault(EnvSchema.shape[name as keyof typeof EnvSchema.shape]) ?? doc.default ?? 'unset',
    meaning: doc.meaning,
  }),
);
