import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { notFound, toErrorBody } from '../errors.ts';

const BUILT_WEB_DIR = fileURLToPath(new URL('../../../web/dist', import.meta.url));
const README = fileURLToPath(new URL('../../../../README.md', import.meta.url));

const PLACEHOLDER = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Cachibot</title></head>
<body><h1>Cachibot</h1><p>The server is running, but the web app has not been built. Run <code>npm run build</code>
(or <code>npm start</code>, which builds it first).</p></body></html>`;

/** Serves the built web app at `/`, with index.html for client-side routes; API 404s stay JSON. */
export async function registerWebRoutes(app: FastifyInstance, webDir = BUILT_WEB_DIR): Promise<void> {
  const root = path.resolve(webDir);
  const built = existsSync(path.join(root, 'index.html'));
  if (built) await app.register(fastifyStatic, { root, index: ['index.html'], wildcard: false });
  else app.get('/', async (_request, reply) => reply.type('text/html').send(PLACEHOLDER));

  // The app's "configure a provider" hint links here: the README, whatever host this runs on.
  app.get('/README.md', async (_request, reply) =>
    reply.type('text/plain; charset=utf-8').send(await readFile(README, 'utf8')),
  );

  app.setNotFoundHandler((request, reply) => {
    const isApi = request.url.startsWith('/api') || request.url.startsWith('/ws');
    if (!isApi && request.method === 'GET' && built) return reply.sendFile('index.html');
    const { status, body } = toErrorBody(notFound('Route'));
    return reply.code(status).send(body);
  });
}
