import { fileURLToPath } from 'node:url';
import { build } from 'vite';

const WEB_ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Builds the web app once per run: a fresh clone has no `dist/`, and an old one may be stale. */
export default async function buildWebApp(): Promise<void> {
  // Vitest sets NODE_ENV=test and Vite keeps an existing NODE_ENV, so without this the bundle would be
  // React's development build: not what users get, and several times larger.
  const previous = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  try {
    await build({ root: WEB_ROOT, mode: 'production', logLevel: 'warn' });
  } finally {
    if (previous === undefined) delete process.env.NODE_ENV;
    else process.env.NODE_ENV = previous;
  }
}
