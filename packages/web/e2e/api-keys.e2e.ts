import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectBot, signIn, waitForAnswerEnd, waitForConnection } from './app-driver.ts';
import { type BrowserSession, openBrowser } from './browser.ts';
import { type E2EServer, startE2EServer } from './support/server.ts';

const SCREENSHOT = fileURLToPath(new URL('../../../docs/screenshots/api-keys.png', import.meta.url));

describe('personal API keys', () => {
  let server: E2EServer;
  let session: BrowserSession;
  let page: Page;

  beforeAll(async () => {
    server = await startE2EServer();
    session = await openBrowser({ baseURL: server.url });
    page = await session.context.newPage();
    await page.setViewportSize({ width: 1280, height: 900 });
    await signIn(page, { username: 'ada', password: 'api keys password 1' });
    await waitForConnection(page);
  });
  afterAll(async () => {
    await session?.close();
    await server?.close();
  });

  const complete = (key: string, content: string) =>
    fetch(`${server.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content }] }),
    });

  it('creates a key shown once, whose calls show up as chats of the API bot, and revokes it', async () => {
    await page.getByTestId('nav-api-keys').click();
    const dialog = page.getByTestId('api-keys-dialog');
    await dialog.getByTestId('api-key-name').fill('laptop script');
    await dialog.getByTestId('api-key-create').click();
    const key = (await dialog.getByTestId('api-key-secret').textContent()) ?? '';
    expect(key).toMatch(/^cbk_/);
    await page.screenshot({ path: SCREENSHOT, animations: 'disabled', caret: 'hide' });

    const answer = await complete(key, 'Hello from a script [[double tokens=4]]');
    expect(answer.status).toBe(200);
    expect((await answer.json()).choices[0].message.content).toBe('tok1 tok2 tok3 tok4');

    await dialog.getByRole('button', { name: 'Done' }).click();
    expect(await dialog.getByTestId('api-key-secret').count()).toBe(0);
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });

    // The call is a chat of the "API" bot, with its answer and record, like any other.
    await page.reload();
    await waitForConnection(page);
    await selectBot(page, 'API');
    await page
      .getByTestId('chat-item')
      .filter({ hasText: 'Hello from a script' })
      .locator('button')
      .first()
      .click();
    const bubble = page.locator('[data-testid=message][data-role=assistant]').first();
    expect(await waitForAnswerEnd(bubble)).toBe('complete');
    expect(await bubble.locator('.markdown').textContent()).toBe('tok1 tok2 tok3 tok4');
    expect(await bubble.getByTestId('message-model').textContent()).toBe('openai/gpt-4o-mini');

    await page.getByTestId('nav-api-keys').click();
    const row = page.getByTestId('api-key-row').filter({ hasText: 'laptop script' });
    await expect.poll(() => row.textContent()).not.toContain('last used never');
    expect(await row.textContent()).toContain(`…${key.slice(-4)}`);
    expect(await page.getByTestId('api-keys-dialog').textContent()).not.toContain(key);
    await row.getByRole('button', { name: 'Revoke' }).click();
    await row.getByRole('button', { name: 'Revoke key' }).click();
    await row.waitFor({ state: 'detached' });
    expect((await complete(key, 'Still there?')).status).toBe(401);
  });
});
