import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';

// Built by support/global-setup.ts before any e2e file runs.
const WEB_DIST = fileURLToPath(new URL('../dist', import.meta.url));
// The first load may cost at most 400 KB of gzipped JavaScript (kB = 1000 bytes, the stricter reading).
const BUDGET_BYTES = 400_000;

/** `/assets/x.js` (as index.html names it) → the file in dist/. */
const fileOf = (href: string) => path.join(WEB_DIST, href.replace(/^\//, ''));

/** The scripts index.html loads at once: its module scripts and modulepreload links. */
function entryScripts(html: string): string[] {
  const tags = html.match(/<(script|link)\b[^>]*>/g) ?? [];
  const hrefs: string[] = [];
  for (const tag of tags) {
    const isModuleScript = tag.startsWith('<script') && /\btype="module"/.test(tag);
    const isPreload = tag.startsWith('<link') && /\brel="modulepreload"/.test(tag);
    const url = /\b(?:src|href)="([^"]+)"/.exec(tag)?.[1];
    if ((isModuleScript || isPreload) && url) hrefs.push(url);
  }
  return hrefs;
}

/** Every chunk the entries import statically (Vite preloads these too); `import()` chunks load later. */
function firstLoadFiles(entries: string[]): string[] {
  const seen = new Set<string>();
  const queue = entries.map(fileOf);
  while (queue.length > 0) {
    const file = queue.pop() as string;
    if (seen.has(file)) continue;
    seen.add(file);
    const code = readFileSync(file, 'utf8');
    for (const match of code.matchAll(
      /(?:\bimport|\bexport)\s*(?:[\w*{}\s,$]*?\bfrom\s*)?["'](\.{1,2}\/[^"']+\.js)["']/g,
    )) {
      queue.push(path.join(path.dirname(file), match[1] as string));
    }
  }
  return [...seen];
}

describe('the first-load bundle', () => {
  it('stays under 400 KB of gzipped JavaScript', async ({ annotate }) => {
    const html = readFileSync(path.join(WEB_DIST, 'index.html'), 'utf8');
    const entries = entryScripts(html);
    expect(entries.length).toBeGreaterThan(0); // the build really has an entry script

    const sizes = firstLoadFiles(entries).map((file) => ({
      file: path.relative(WEB_DIST, file),
      raw: readFileSync(file).length,
      gzip: gzipSync(readFileSync(file)).length, // zlib's default level, as HTTP servers use
    }));
    const total = sizes.reduce((sum, size) => sum + size.gzip, 0);
    const kb = (bytes: number) => `${(bytes / 1000).toFixed(1)} kB`;
    await annotate(
      `first-load JS: ${kb(total)} gzipped (budget ${kb(BUDGET_BYTES)}) — ` +
        sizes.map((size) => `${size.file} ${kb(size.raw)} raw / ${kb(size.gzip)} gzip`).join(', '),
    );
    expect(total).toBeGreaterThan(10_000); // a real React app, not an empty or missing file
    expect(total).toBeLessThan(BUDGET_BYTES);
  });
});
