import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  answerText,
  createBot,
  sendMessage,
  signIn,
  startNewChat,
  waitForAnswerEnd,
  waitForConnection,
} from './app-driver.ts';
import { type BrowserSession, openBrowser } from './browser.ts';
import { type E2EServer, startE2EServer } from './support/server.ts';

const HOSTILE_ANSWER = [
  'Look: <img src=x onerror=alert(1)> and [click](javascript:alert(1)) here.',
  '',
  '<script>alert(2)</script>',
  '',
  '<a href="javascript:alert(3)">raw link</a> <svg onload=alert(4)></svg>',
  '',
  '[data link](data:text/html;base64,PHNjcmlwdD5hbGVydCg1KTwvc2NyaXB0Pg==) ![pic](javascript:alert(6))',
  '',
  '[a fine link](https://example.com/docs)',
].join('\n');

type Probe = { __cspViolations: string[] };

/** Parses a Content-Security-Policy header into directive → sources. */
function parseCsp(header: string): Record<string, string[]> {
  return Object.fromEntries(
    header
      .split(';')
      .map((part) => part.trim().split(/\s+/))
      .filter((tokens) => tokens[0])
      .map(([name, ...sources]) => [name?.toLowerCase(), sources]),
  );
}

describe('hostile model output', () => {
  let server: E2EServer;
  let session: BrowserSession;
  let page: Page;
  const dialogs: string[] = [];
  const pageErrors: string[] = [];

  beforeAll(async () => {
    server = await startE2EServer();
    session = await openBrowser({ baseURL: server.url });
    page = await session.context.newPage();
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.addInitScript(() => {
      const probe = window as unknown as Probe;
      probe.__cspViolations = [];
      document.addEventListener('securitypolicyviolation', (event) =>
        probe.__cspViolations.push(`${event.effectiveDirective} ${event.blockedURI}`),
      );
    });
    await signIn(page, { username: 'bobby', password: 'tables password 1' });
    await waitForConnection(page);
    await createBot(page, { name: 'Echo', defaultModel: 'openai/gpt-4o-mini' });
  });
  afterAll(async () => {
    await session?.close();
    await server?.close();
  });

  const violations = () => page.evaluate(() => [...(window as unknown as Probe).__cspViolations]);

  it('serves the app under a CSP that allows no inline script', async () => {
    const response = await page.goto('/');
    const header = response?.headers()['content-security-policy'] ?? '';
    expect(header).not.toBe('');
    const csp = parseCsp(header);
    const scriptSrc = csp['script-src'] ?? csp['default-src'] ?? [];
    expect(scriptSrc).toContain("'self'");
    expect(scriptSrc).not.toContain("'unsafe-inline'");
    expect(scriptSrc).not.toContain("'unsafe-eval'");
    expect(csp['object-src']).toEqual(["'none'"]);
    await page.getByTestId('bot-list').waitFor();
    await waitForConnection(page);
    expect(await violations()).toEqual([]); // the app itself needs nothing the policy forbids
  });

  it('renders hostile Markdown and HTML inert: no handlers, no script links, no dialogs', async () => {
    server.double.configure({ text: HOSTILE_ANSWER });
    let answer: Awaited<ReturnType<typeof sendMessage>>;
    try {
      answer = await sendMessage(page, 'Show me <img src=x onerror=alert(7)> please');
      expect(await waitForAnswerEnd(answer)).toBe('complete');
    } finally {
      server.double.configure({ text: undefined });
    }
    await expect.poll(() => answerText(answer)).toContain('a fine link');

    // Raw HTML is dropped, never parsed.
    expect(await answer.locator('img, script, svg, iframe, object, embed').count()).toBe(0);
    expect(await answer.locator('[onerror], [onload], [onclick]').count()).toBe(0);
    // Unsafe link targets are removed; the safe one stays, opening in a new tab without an opener.
    const hrefs = await answer
      .locator('a')
      .evaluateAll((links) => links.map((link) => link.getAttribute('href')));
    expect(hrefs).toEqual(['https://example.com/docs']);
    expect(await answer.locator('a').getAttribute('rel')).toContain('noopener');
    expect(await answer.getByText('click', { exact: true }).evaluate((node) => node.tagName)).toBe('SPAN');

    // The user's own text shows as text.
    const question = page.locator('[data-testid=message][data-role=user]').first();
    expect(await question.locator('.user-text').textContent()).toBe(
      'Show me <img src=x onerror=alert(7)> please',
    );
    expect(
      await page.locator('[onerror], [onload], a[href^="javascript:" i], a[href^="data:" i]').count(),
    ).toBe(0);

    // Clicking the neutralised link does nothing harmful.
    await answer.getByText('click', { exact: true }).click();
    await page.waitForTimeout(200);
    expect(dialogs).toEqual([]);
    expect(pageErrors).toEqual([]);
    expect(await violations()).toEqual([]);

    // The app still works.
    await startNewChat(page);
    const next = await sendMessage(page, 'Still there?');
    expect(await waitForAnswerEnd(next)).toBe('complete');
  });

  it('enforces the policy: an injected inline script does not run and is reported', async () => {
    const ran = await page.evaluate(async () => {
      const script = document.createElement('script');
      script.textContent = 'window.__inlineRan = true';
      document.body.append(script);
      await new Promise((resolve) => setTimeout(resolve, 50));
      return (window as unknown as { __inlineRan?: boolean }).__inlineRan === true;
    });
    expect(ran).toBe(false);
    expect((await violations()).some((violation) => violation.startsWith('script-src'))).toBe(true);
    expect(dialogs).toEqual([]);
  });
});
