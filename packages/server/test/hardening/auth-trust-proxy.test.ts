import { afterAll, describe, expect, it } from 'vitest';
import { setupAdmin } from '../support/api-client.ts';
import { type ServerProcess, spawnServer } from '../support/process.ts';
import { removeDir, startServer, tempDataDir } from '../support/server.ts';

const WARNING = /CACHIBOT_TRUST_PROXY=true trusts X-Forwarded-For from anyone/;
const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) removeDir(dir);
});

/** The process's output once it matches, or all of it when the deadline passes. */
async function outputWhen(server: ServerProcess, pattern: RegExp, timeoutMs = 5_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  while (!pattern.test(server.output()) && Date.now() < deadline) {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, Math.max(0, deadline - Date.now()));
      server.child.stdout?.once('data', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
  return server.output();
}

const stop = async (server: ServerProcess) => {
  server.child.kill('SIGTERM');
  await server.exited;
};

describe('CACHIBOT_TRUST_PROXY', () => {
  it('warns at start when set to true (any client could pick its address)', async () => {
    const dataDir = tempDataDir();
    dirs.push(dataDir);
    const server = await spawnServer(dataDir, { CACHIBOT_TRUST_PROXY: 'true' });
    try {
      const output = await outputWhen(server, WARNING);
      expect(output).toMatch(WARNING);
      expect(output).toMatch(/Set it to the proxy addresses instead/);
    } finally {
      await stop(server);
    }
  });

  it('does not warn for a list of proxy addresses, and takes the client address from behind them', async () => {
    const dataDir = tempDataDir();
    dirs.push(dataDir);
    const server = await spawnServer(dataDir, { CACHIBOT_TRUST_PROXY: '10.0.0.0/8, 127.0.0.1' });
    try {
      await setupAdmin(server.url);
      const login = (password: string, client: string) =>
        fetch(`${server.url}/api/auth/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-forwarded-for': client },
          body: JSON.stringify({ username: 'admin', password }),
        }).then((response) => response.status);
      for (let i = 0; i < 5; i++) expect(await login(`wrong password ${i}`, '192.0.2.7')).toBe(401);
      expect(await login('correct horse battery', '192.0.2.7')).toBe(429);
      // Another client behind the same trusted proxy is another address.
      expect(await login('correct horse battery', '192.0.2.8')).toBe(200);
      expect(server.output()).not.toMatch(WARNING);
    } finally {
      await stop(server);
    }
  });

  it('ignores X-Forwarded-For when unset', async () => {
    const server = await startServer();
    dirs.push(server.dataDir);
    try {
      await setupAdmin(server.url);
      const login = (password: string, client: string) =>
        fetch(`${server.url}/api/auth/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-forwarded-for': client },
          body: JSON.stringify({ username: 'admin', password }),
        }).then((response) => response.status);
      for (let i = 0; i < 5; i++) expect(await login(`wrong password ${i}`, `192.0.2.${i + 10}`)).toBe(401);
      // Every try came from 127.0.0.1, whatever the header claimed.
      expect(await login('correct horse battery', '192.0.2.99')).toBe(429);
    } finally {
      await server.stop();
    }
  });
});
