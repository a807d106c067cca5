import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type BrowserContext, chromium } from 'playwright-core';
import { scaled } from './support/deadlines.ts';

/** Flags from CONVENTIONS.md: Debian's chromium, no sandbox, no background traffic. */
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface BrowserSession extends AsyncDisposable {
  context: BrowserContext;
  close(): Promise<void>;
}

/**
 * A headless chromium with a fresh profile (its own cookies), removed on close. Use one per simulated
 * user or tab group: `await using session = await openBrowser({ baseURL })`.
 */
export async function openBrowser(options: {
  baseURL: string;
  width?: number;
  height?: number;
  colorScheme?: 'light' | 'dark';
}): Promise<BrowserSession> {
  const userDataDir = mkdtempSync(path.join(tmpdir(), 'cachibot-e2e-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: CHROMIUM_ARGS,
    baseURL: options.baseURL,
    viewport: { width: options.width ?? 1200, height: options.height ?? 800 },
    colorScheme: options.colorScheme ?? 'light',
  });
  // Playwright's 30 s for every action, wait and navigation, stretched on a busy machine.
  context.setDefaultTimeout(scaled(30_000));
  const close = async () => {
    await context.close().catch(() => undefined);
    rmSync(userDataDir, { recursive: true, force: true });
  };
  return { context, close, [Symbol.asyncDispose]: close };
}
