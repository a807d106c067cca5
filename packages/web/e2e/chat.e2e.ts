import { mkdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expectedText } from '@cachibot/testkit';
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  answerText,
  createBot,
  currentChatId,
  pickModel,
  readChatTotals,
  readMessageInfo,
  sendMessage,
  signIn,
  startNewChat,
  waitForAnswerEnd,
  waitForConnection,
} from './app-driver.ts';
import { type BrowserSession, openBrowser } from './browser.ts';
import { type E2EServer, startE2EServer } from './support/server.ts';

const SCREENSHOT = fileURLToPath(new URL('../../../docs/screenshots/chat.png', import.meta.url));
const USER = { username: 'ada', password: 'correct horse battery' };

describe('a chat in the browser', () => {
  let server: E2EServer;
  let session: BrowserSession;
  let page: Page;
  const consoleProblems: string[] = [];

  beforeAll(async () => {
    server = await startE2EServer();
    session = await openBrowser({ baseURL: server.url, width: 1200, height: 800, colorScheme: 'light' });
    page = await session.context.newPage();
    page.on('console', (message) => {
      // Network noise while the server restarts is expected; script errors and CSP refusals are not.
      const networkNoise = /^(WebSocket connection to .* failed|Failed to load resource)/.test(
        message.text(),
      );
      if ((message.type() === 'error' || message.type() === 'warning') && !networkNoise)
        consoleProblems.push(message.text());
    });
    page.on('pageerror', (error) => consoleProblems.push(error.message));
  });
  afterAll(async () => {
    await session?.close();
    await server?.close();
  });

  /** The only answer's model label and info panel, as the user sees them. */
  async function expectAnswerRecord(answer: Locator) {
    await expect.poll(() => answerText(answer)).toBe(expectedText(20));
    expect(await answer.getByTestId('message-model').textContent()).toBe('openai/gpt-4o');
    const info = await readMessageInfo(answer);
    expect(info.Model).toBe('openai/gpt-4o');
    const [input, output] = (info['Tokens in / out'] ?? '')
      .split(' / ')
      .map((n) => Number(n.replace(/,/g, '')));
    expect(input).toBeGreaterThan(0);
    expect(output).toBe(20);
    return info;
  }

  /** The header shows the server's totals of the chat: both messages, the answer's tokens, its cost. */
  async function expectHeaderTotals(info: Record<string, string>) {
    await expect
      .poll(() => readChatTotals(page))
      .toEqual({
        messages: '2',
        tokens: `${(info['Tokens in / out'] ?? '').replace(' / ', ' in / ')} out`,
        cost: info.Cost,
      });
  }

  it('answers with the model picked for the message and keeps that record across reload and restart', async () => {
    await signIn(page, USER);
    await waitForConnection(page);
    await createBot(page, { name: 'Helper', defaultModel: 'openai/gpt-4o-mini' });
    await startNewChat(page);
    await page.getByTestId('model-select').click();
    await page.locator('[data-testid=model-option][data-model-id="openai/gpt-4o"]').click();
    expect(await page.getByTestId('model-select').getAttribute('data-model-id')).toBe('openai/gpt-4o');

    const answer = await sendMessage(page, 'Hello there');
    expect(await waitForAnswerEnd(answer)).toBe('complete');
    const live = await expectAnswerRecord(answer);
    expect(server.double.requests.map((request) => request.model)).toEqual(['gpt-4o']);
    expect(live.Cost).toMatch(/^\$/); // gpt-4o has a catalogue price
    await expectHeaderTotals(live);

    await page.reload();
    await waitForConnection(page);
    const reloaded = page.locator('[data-testid=message][data-role=assistant]');
    await expect.poll(() => reloaded.count()).toBe(1);
    expect(await expectAnswerRecord(reloaded.first())).toEqual(live);
    await expectHeaderTotals(live);

    await server.restart();
    await page.reload();
    await waitForConnection(page);
    const restarted = page.locator('[data-testid=message][data-role=assistant]');
    await expect.poll(() => restarted.count()).toBe(1);
    expect(await expectAnswerRecord(restarted.first())).toEqual(live);
    await expectHeaderTotals(live);
    expect(server.double.requests).toHaveLength(1); // reloads and the restart called no model
  });

  it('renders Markdown answers with highlighted code (and saves the README screenshot)', async () => {
    const codeAnswer = [
      'Use `const`: the name can never be reassigned.',
      '',
      '```ts',
      'const greeting: string = "Hello";',
      'const answer = 42;',
      '```',
    ].join('\n');
    const tipAnswer =
      'Mark it **`readonly`**: the compiler then rejects `push` and index writes. ' +
      'For a literal, `as const` does the same and keeps the exact values.';
    await startNewChat(page);
    await pickModel(page, 'openai/gpt-4o');
    // Knobs rather than a `[[double text=…]]` directive: the question bubbles stay natural, and a
    // directive's quoted text cannot contain `]`.
    server.double.configureModel('gpt-4o', { text: codeAnswer });
    try {
      const first = await sendMessage(page, 'How do I declare a constant in TypeScript?');
      expect(await waitForAnswerEnd(first)).toBe('complete');
      await expect.poll(() => first.locator('pre code').count()).toBe(1);
      expect(await first.locator('pre code').textContent()).toBe(
        'const greeting: string = "Hello";\nconst answer = 42;\n',
      );
      expect(await first.locator('pre code .hljs-keyword').count()).toBeGreaterThan(0); // highlighted
      expect(await first.locator('p code').first().textContent()).toBe('const');

      server.double.configureModel('gpt-4o', { text: tipAnswer });
      const second = await sendMessage(page, 'And an array nobody can change?');
      expect(await waitForAnswerEnd(second)).toBe('complete');
      expect(await second.locator('strong code').textContent()).toBe('readonly');
      await second.getByTestId('message-info').click();
      await second.getByTestId('message-info-panel').waitFor();
    } finally {
      server.double.configureModel('gpt-4o', { text: undefined });
    }

    mkdirSync(path.dirname(SCREENSHOT), { recursive: true });
    await page.mouse.move(0, 0);
    await page.screenshot({ path: SCREENSHOT, animations: 'disabled', caret: 'hide' });
    expect(statSync(SCREENSHOT).size).toBeGreaterThan(10_000);
    // The whole session (setup, chats, reloads, a server restart) left no error or warning in the console.
    expect(consoleProblems).toEqual([]);
  });

  it('retries a failed answer as a second answer to the same question, not a second question', async () => {
    server.double.reset();
    // The first call fails with an error that is not worth retrying (a retryable one is tried again at once).
    server.double.configureModel('gpt-4o-mini', { status: 400, failTimes: 1 });
    await startNewChat(page);
    await pickModel(page, 'openai/gpt-4o-mini');
    const failed = await sendMessage(page, 'Is anyone there?');
    expect(await waitForAnswerEnd(failed)).toBe('error');
    await failed.getByTestId('message-error').waitFor();

    await failed.getByTestId('retry-button').click();
    const answer = page.locator('[data-testid=message][data-role=assistant]');
    await expect.poll(() => answer.first().getAttribute('data-status')).toBe('complete');
    await expect.poll(() => answerText(answer.first())).toBe(expectedText(20));
    const users = page.locator('[data-testid=message][data-role=user]');
    expect(await users.count()).toBe(1);
    expect(await answer.count()).toBe(1); // the two answers share one place: "2 / 2"
    expect(await answer.first().getByTestId('sibling-position').textContent()).toBe('2 / 2');
    expect(server.double.requests.map((request) => request.model)).toEqual(['gpt-4o-mini', 'gpt-4o-mini']);

    // The server's record: one question, a failed and a good answer, both answering it.
    const chatId = currentChatId(page);
    const response = await page.request.get(`/api/chats/${chatId}/messages`);
    const { messages } = (await response.json()) as {
      messages: { id: string; role: string; status: string; parentId: string | null }[];
    };
    const question = messages.filter((message) => message.role === 'user');
    expect(question).toHaveLength(1);
    expect(
      messages.filter((message) => message.role === 'assistant').map((m) => [m.status, m.parentId]),
    ).toEqual([
      ['error', question[0]?.id],
      ['complete', question[0]?.id],
    ]);
    await expect.poll(async () => (await readChatTotals(page)).messages).toBe('3');

    await page.reload();
    await waitForConnection(page);
    await expect.poll(() => page.locator('[data-testid=message][data-role=assistant]').count()).toBe(1);
    expect(await page.locator('[data-testid=message][data-role=user]').count()).toBe(1);
    expect((await readChatTotals(page)).messages).toBe('3');
  });
});
