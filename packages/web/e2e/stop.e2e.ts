import type { Message } from '@cachibot/protocol';
import { expectedText } from '@cachibot/testkit';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  answerText,
  createBot,
  currentChatId,
  sendMessage,
  signIn,
  waitForAnswerEnd,
  waitForConnection,
} from './app-driver.ts';
import { type BrowserSession, openBrowser } from './browser.ts';
import { scaled } from './support/deadlines.ts';
import { type E2EServer, startE2EServer } from './support/server.ts';

describe('stopping an answer', () => {
  let server: E2EServer;
  let session: BrowserSession;
  let page: Page;

  beforeAll(async () => {
    server = await startE2EServer();
    session = await openBrowser({ baseURL: server.url });
    page = await session.context.newPage();
    await signIn(page, { username: 'linus', password: 'stop password 1' });
    await waitForConnection(page);
    await createBot(page, { name: 'Talker', defaultModel: 'openai/gpt-4o-mini' });
  });
  afterAll(async () => {
    await session?.close();
    await server?.close();
  });

  it('keeps the partial text, marked as stopped, and stores it as cancelled', async () => {
    const full = expectedText(200);
    const answer = await sendMessage(page, 'Tell me a long story [[double tokens=200 delay=20]]');
    await expect.poll(() => answerText(answer), { timeout: scaled(10_000) }).toContain('tok10 ');
    await page.getByTestId('cancel-button').click();
    expect(await waitForAnswerEnd(answer)).toBe('cancelled');

    // The server stored the partial answer as cancelled (REST with the page's session cookie)…
    const chatId = currentChatId(page);
    const response = await page.request.get(`/api/chats/${chatId}/messages`);
    expect(response.status()).toBe(200);
    const { messages } = (await response.json()) as { messages: Message[] };
    const stored = messages.find((message) => message.role === 'assistant');
    expect(stored?.status).toBe('cancelled');
    expect(stored?.metadata.finishReason).toBe('cancelled');
    const shown = stored?.content ?? '';
    expect(full.startsWith(shown)).toBe(true); // a clean prefix: nothing lost, nothing doubled
    expect(shown.length).toBeGreaterThan('tok1 tok2 tok3 tok4 tok5 tok6 tok7 tok8 tok9 tok10'.length);
    expect(shown.length).toBeLessThan(full.length);

    // …and the bubble keeps exactly that text, marked as stopped.
    await expect.poll(() => answerText(answer)).toBe(shown);
    expect(await answer.getByTestId('message-stopped').isVisible()).toBe(true);
    await page.getByTestId('send-button').waitFor(); // the composer is ready again
    expect(await page.getByTestId('cancel-button').count()).toBe(0);

    // The provider call was aborted, not left running.
    await server.double.waitUntil((requests) => requests[0]?.finishedAt !== undefined, scaled(5_000));
    expect(server.double.requests[0]?.aborted).toBe(true);
    expect(server.double.requests[0]?.tokensSent).toBeLessThan(200);

    await page.reload();
    await waitForConnection(page);
    const reloaded = page.locator('[data-testid=message][data-role=assistant]').first();
    await expect.poll(() => reloaded.getAttribute('data-status')).toBe('cancelled');
    expect(await answerText(reloaded)).toBe(shown);
    expect(await reloaded.getByTestId('message-stopped').isVisible()).toBe(true);
  });
});
