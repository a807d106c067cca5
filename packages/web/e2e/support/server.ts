import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildApp, type CachibotApp } from '@cachibot/server';
import { loadConfig } from '@cachibot/server/config';
import { type OpenAIDouble, startOpenAIDouble } from '@cachibot/testkit';

export const WEB_DIST = fileURLToPath(new URL('../../dist', import.meta.url));

export interface E2EServer extends AsyncDisposable {
  /** `http://127.0.0.1:<port>`: the browser's base URL (the port stays the same across restarts). */
  readonly url: string;
  readonly port: number;
  readonly dataDir: string;
  /** The OpenAI provider double every answer comes from. */
  readonly double: OpenAIDouble;
  /** Stops the server gracefully (the data directory stays). */
  stop(): Promise<void>;
  /** Starts it again on the same port and data directory. */
  start(): Promise<void>;
  /** `stop()` then `start()`: "restart the server". */
  restart(): Promise<void>;
  /** Stops everything and removes the data directory. */
  close(): Promise<void>;
}

/**
 * The real Cachibot server in-process on 127.0.0.1 (port 0, then kept), with a temporary data
 * directory, the built web app and the OpenAI double as its only provider.
 */
export async function startE2EServer(env: Record<string, string> = {}): Promise<E2EServer> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'cachibot-e2e-data-'));
  const double = await startOpenAIDouble();
  let port = 0;
  let running: CachibotApp | undefined;

  const start = async () => {
    if (running) return;
    const config = loadConfig({
      HOST: '127.0.0.1',
      PORT: String(port),
      CACHIBOT_DATA_DIR: dataDir,
      CACHIBOT_WEB_DIR: WEB_DIST,
      LOG_LEVEL: 'silent',
      OPENAI_API_KEY: 'sk-e2e-double',
      OPENAI_BASE_URL: double.url,
      OLLAMA_BASE_URL: 'http://127.0.0.1:9', // nothing listens there: ollama is unavailable at once
      LMSTUDIO_BASE_URL: 'http://127.0.0.1:9/v1', // and so is LM Studio
      CACHIBOT_PERSIST_INTERVAL_MS: '50',
      CACHIBOT_SHUTDOWN_GRACE_MS: '3000',
      ...env,
    });
    const app = await buildApp(config);
    await app.app.listen({ port, host: '127.0.0.1' });
    const address = app.app.server.address();
    port = typeof address === 'object' && address ? address.port : port;
    running = app;
  };
  const stop = async () => {
    const app = running;
    running = undefined;
    await app?.close();
  };
  const close = async () => {
    await stop();
    await double.close();
    rmSync(dataDir, { recursive: true, force: true });
  };

  await start();
  return {
    get url() {
      return `http://127.0.0.1:${port}`;
    },
    get port() {
      return port;
    },
    dataDir,
    double,
    stop,
    start,
    restart: async () => {
      await stop();
      await start();
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}
