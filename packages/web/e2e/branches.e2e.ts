import { mkdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Chat } from '@cachibot/protocol';
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  answerText,
  createBot,
  currentChatId,
  sendMessage,
  signIn,
  startNewChat,
  waitForAnswerEnd,
  waitForConnection,
} from './app-driver.ts';
import { type BrowserSession, openBrowser } from './browser.ts';
import { type E2EServer, startE2EServer } from './support/server.ts';

const SCREENSHOT = fileURLToPath(new URL('../../../docs/screenshots/compare.png', import.meta.url));
const USER = { username: 'margaret', password: 'branches password 1' };

/** What each model of the double answers: distinct texts show which branch a request holds. */
const ANSWERS: Record<string, string> = {
  'gpt-4o-mini':
    'Use a **`Map`** when keys are added and removed at run time: it keeps insertion order and has `size`. ' +
    'A plain object suits a fixed record shape known at compile time.',
  'gpt-4o':
    'Prefer **`Map`** for dynamic keys (any type, ordered, cheap deletes) and an **object** for structured ' +
    'data with known fields — it serialises to JSON directly and TypeScript checks each property.',
  'double-fast': 'Map for dynamic keys; object for fixed shapes.',
};

/** A request's conversation as `role: text` lines, without the system prompt. */
const conversation = (messages: unknown[]) =>
  (messages as { role: string; content: unknown }[])
    .filter((message) => message.role !== 'system')
    .map((message) => `${message.role}: ${typeof message.content === 'string' ? message.content : ''}`);

describe('branches and compare in the browser', () => {
  let server: E2EServer;
  let session: BrowserSession;
  let page: Page;
  const consoleProblems: string[] = [];

  beforeAll(async () => {
    server = await startE2EServer();
    session = await openBrowser({ baseURL: server.url, width: 1280, height: 860, colorScheme: 'light' });
    page = await session.context.newPage();
    page.on('console', (message) => {
      const networkNoise = /^(WebSocket connection to .* failed|Failed to load resource)/.test(
        message.text(),
      );
      if ((message.type() === 'error' || message.type() === 'warning') && !networkNoise)
        consoleProblems.push(message.text());
    });
    page.on('pageerror', (error) => consoleProblems.push(error.message));
    await signIn(page, USER);
    await waitForConnection(page);
    await createBot(page, { name: 'Brancher', defaultModel: 'openai/gpt-4o-mini' });
  });
  beforeEach(() => {
    server.double.reset();
    for (const [model, text] of Object.entries(ANSWERS)) server.double.configureModel(model, { text });
    // A visible difference in the metrics row: gpt-4o starts later and streams slower.
    server.double.configureModel('gpt-4o', { text: ANSWERS['gpt-4o'], firstTokenDelayMs: 250, delayMs: 12 });
  });
  afterAll(async () => {
    await session?.close();
    await server?.close();
  });

  const answers = () => page.locator('[data-testid=message][data-role=assistant]');
  const questions = () => page.locator('[data-testid=message][data-role=user]');
  const columns = () => page.getByTestId('compare-column');
  /** The column of `model` in the chat's first compare. */
  const column = (model: string) =>
    page.locator(`[data-testid=compare-column][data-model-id="${model}"]`).first();
  /** The chat as the server keeps it (its currentMessageId is the branch a reload shows). */
  async function storedChat(): Promise<Chat> {
    const response = await page.request.get(`/api/chats/${currentChatId(page)}`);
    return (await response.json()) as Chat;
  }
  async function reload() {
    await page.reload();
    await waitForConnection(page);
  }
  async function expectSideBySide(items: Locator) {
    const [left, right] = await Promise.all([items.nth(0).boundingBox(), items.nth(1).boundingBox()]);
    expect(left && right).toBeTruthy();
    if (!left || !right) return;
    expect(Math.abs(left.y - right.y)).toBeLessThan(2); // one row…
    expect(right.x).toBeGreaterThanOrEqual(left.x + left.width); // …left to right, not overlapping
  }

  it('compares two models side by side with a metrics row, keeps them side by side after a reload, and continues with one', async () => {
    await startNewChat(page);
    await page.getByTestId('compare-button').click();
    // The model in use is the first pick; one more makes a compare.
    await expect
      .poll(() =>
        page
          .locator('[data-testid=compare-model-option][data-model-id="openai/gpt-4o-mini"] input')
          .isChecked(),
      )
      .toBe(true);
    await page.locator('[data-testid=compare-model-option][data-model-id="openai/gpt-4o"]').click();
    await page.getByRole('button', { name: 'Done' }).click();
    await page.getByTestId('message-input').fill('Map or plain object for a cache keyed by user id?');
    await page.getByTestId('message-input').press('Enter');

    await page.getByTestId('compare-view').waitFor();
    await expect.poll(() => columns().count()).toBe(2);
    expect(
      await columns().evaluateAll((items) => items.map((item) => item.getAttribute('data-model-id'))),
    ).toEqual(['openai/gpt-4o-mini', 'openai/gpt-4o']);
    for (const model of ['openai/gpt-4o-mini', 'openai/gpt-4o'])
      await column(model).locator('xpath=self::*[@data-status="complete"]').waitFor();
    await expectSideBySide(columns());
    expect(await answerText(column('openai/gpt-4o'))).toBe(ANSWERS['gpt-4o']?.replace(/\*\*|`/g, ''));
    const metrics = page.getByTestId('compare-metrics');
    for (const row of [
      'Time to first token',
      'Total time',
      'Speed',
      'Input tokens',
      'Output tokens',
      'Cost',
      'Finish reason',
    ])
      await metrics.getByRole('rowheader', { name: row }).waitFor();
    // gpt-4o-mini answered first: its time to first token is the marked best.
    const ttft = metrics.getByRole('row', { name: /Time to first token/ }).locator('td');
    await expect
      .poll(() => ttft.evaluateAll((cells) => cells.map((cell) => cell.classList.contains('best'))))
      .toEqual([true, false]);
    // One question, one call per model, each with the question only.
    expect(server.double.requests.map((request) => request.model).sort()).toEqual(['gpt-4o', 'gpt-4o-mini']);
    for (const request of server.double.requests)
      expect(conversation(request.messages)).toEqual([
        'user: Map or plain object for a cache keyed by user id?',
      ]);

    await page.mouse.move(0, 0);
    mkdirSync(path.dirname(SCREENSHOT), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, animations: 'disabled', caret: 'hide' });
    expect(statSync(SCREENSHOT).size).toBeGreaterThan(10_000);

    await reload();
    await page.getByTestId('compare-view').waitFor();
    await expect.poll(() => columns().count()).toBe(2);
    await expectSideBySide(columns());
    await page.getByTestId('compare-metrics').waitFor();

    const picked = column('openai/gpt-4o');
    const pickedId = await picked.getAttribute('data-message-id');
    await picked.getByTestId('use-answer').click();
    await expect.poll(() => picked.getByTestId('use-answer').getAttribute('aria-pressed')).toBe('true');
    await expect.poll(async () => (await storedChat()).currentMessageId).toBe(pickedId);

    server.double.reset();
    for (const [model, text] of Object.entries(ANSWERS)) server.double.configureModel(model, { text });
    const next = await sendMessage(page, 'And for a cache that expires entries?');
    expect(await waitForAnswerEnd(next)).toBe('complete');
    // The conversation goes on with the picked answer and its model; the other answer is not in it.
    expect(server.double.requests.map((request) => request.model)).toEqual(['gpt-4o']);
    expect(conversation(server.double.requests[0]?.messages ?? [])).toEqual([
      'user: Map or plain object for a cache keyed by user id?',
      `assistant: ${ANSWERS['gpt-4o']}`,
      'user: And for a cache that expires entries?',
    ]);
    await expect.poll(() => page.getByTestId('compare-button').getAttribute('aria-pressed')).toBe('false');
  });

  it('streams each column on its own: a hanging model holds up neither the other nor the next question, and stops alone; stacked on a phone', async () => {
    server.double.configureModel('gpt-4o', { hang: true });
    await page.getByTestId('compare-button').click();
    await page.locator('[data-testid=compare-model-option][data-model-id="openai/gpt-4o-mini"]').click();
    await page.getByRole('button', { name: 'Done' }).click();
    await page.getByTestId('message-input').fill('Quick: Map or object?');
    await page.getByTestId('message-input').press('Enter');
    await expect.poll(() => page.getByTestId('compare-view').count()).toBe(2);
    const view = page.getByTestId('compare-view').last();
    const slow = view.locator('[data-testid=compare-column][data-model-id="openai/gpt-4o"]');
    const quick = view.locator('[data-testid=compare-column][data-model-id="openai/gpt-4o-mini"]');
    await quick.locator('xpath=self::*[@data-status="complete"]').waitFor();
    expect(await slow.getAttribute('data-status')).toBe('streaming');
    // The branch continues with the finished answer: the composer can send while the other column runs.
    await quick.getByTestId('use-answer').click();
    await page.getByTestId('send-button').waitFor();

    await slow.getByTestId('compare-stop').click();
    await slow.locator('xpath=self::*[@data-status="cancelled"]').waitFor();
    await expect
      .poll(() => server.double.requests.find((request) => request.model === 'gpt-4o')?.aborted)
      .toBe(true);
    expect(await quick.getAttribute('data-status')).toBe('complete');
    expect(await answerText(quick)).toBe(ANSWERS['gpt-4o-mini']?.replace(/\*\*|`/g, ''));

    await page.setViewportSize({ width: 390, height: 800 });
    try {
      await expect
        .poll(async () => {
          const [top, bottom] = await Promise.all([slow.boundingBox(), quick.boundingBox()]);
          // One above the other (the slow model was picked first), the same width.
          return Boolean(top && bottom && bottom.y >= top.y + top.height && Math.abs(bottom.x - top.x) < 2);
        })
        .toBe(true);
    } finally {
      await page.setViewportSize({ width: 1280, height: 860 });
    }
  });

  it('counts a thumbs-up on a compared answer on the leaderboard', async () => {
    const winner = column('openai/gpt-4o');
    await winner.getByTestId('vote-up').click();
    await expect.poll(() => winner.getByTestId('vote-up').getAttribute('aria-pressed')).toBe('true');
    await expect
      .poll(async () => {
        const response = await page.request.get('/api/leaderboard');
        const body = (await response.json()) as { models: { model: string; wins: number }[] };
        return body.models.find((row) => row.model === 'openai/gpt-4o')?.wins;
      })
      .toBe(1);
    await page.getByTestId('nav-leaderboard').click();
    const row = page.locator('[data-testid=leaderboard-row][data-model-id="openai/gpt-4o"]');
    await row.waitFor();
    expect(await row.locator('td').nth(1).textContent()).toBe('1'); // wins
    await page.getByTestId('leaderboard-row').first().waitFor();
    expect(await page.getByTestId('leaderboard-row').first().getAttribute('data-model-id')).toBe(
      'openai/gpt-4o',
    );
  });

  it('regenerates with another model from the answer’s menu, flips versions, and shows the same branch after a reload', async () => {
    await page.locator('[data-testid=bot-item]', { hasText: 'Brancher' }).locator('.entity-main').click();
    await startNewChat(page);
    const first = await sendMessage(page, 'When should I reach for a WeakMap?');
    expect(await waitForAnswerEnd(first)).toBe('complete');
    const firstId = await first.getAttribute('data-message-id');

    await first.getByTestId('regenerate-button').click();
    const menu = page.getByTestId('regenerate-menu');
    await menu.getByText('Regenerate with…').waitFor();
    // The chat's model comes first; every other model is a search away.
    expect(await menu.getByTestId('model-option').first().getAttribute('data-model-id')).toBe(
      'openai/gpt-4o-mini',
    );
    await menu.getByRole('combobox').fill('gpt-4o');
    await menu.locator('[data-testid=model-option][data-model-id="openai/gpt-4o"]').first().click();

    const answer = answers().first();
    await expect.poll(() => answer.getByTestId('message-model').textContent()).toBe('openai/gpt-4o');
    expect(await waitForAnswerEnd(answer)).toBe('complete');
    expect(await answers().count()).toBe(1); // versions share one place
    expect(await answer.getByTestId('sibling-position').textContent()).toBe('2 / 2');
    expect(server.double.requests.map((request) => request.model)).toEqual(['gpt-4o-mini', 'gpt-4o']);

    // Back to the first version with the keyboard; the focus stays on the control.
    await answer.getByTestId('sibling-prev').focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => answer.getByTestId('sibling-position').textContent()).toBe('1 / 2');
    expect(await answer.getAttribute('data-message-id')).toBe(firstId);
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe(
      'sibling-prev',
    );
    await expect.poll(async () => (await storedChat()).currentMessageId).toBe(firstId);

    await reload();
    await expect.poll(() => answers().first().getAttribute('data-message-id')).toBe(firstId);
    expect(await answers().first().getByTestId('sibling-position').textContent()).toBe('1 / 2');
    expect(await answers().first().getByTestId('message-model').textContent()).toBe('openai/gpt-4o-mini');

    // The next question continues the version on screen, not the newest one.
    server.double.reset();
    const next = await sendMessage(page, 'And a WeakRef?');
    expect(await waitForAnswerEnd(next)).toBe('complete');
    expect(conversation(server.double.requests[0]?.messages ?? [])).toEqual([
      'user: When should I reach for a WeakMap?',
      `assistant: ${ANSWERS['gpt-4o-mini']}`,
      'user: And a WeakRef?',
    ]);
  });

  it('edits a sent question into a version of its own, keeps the original reachable, and forks a branch', async () => {
    await startNewChat(page);
    expect(await waitForAnswerEnd(await sendMessage(page, 'Name a sorting algorithm'))).toBe('complete');
    expect(await waitForAnswerEnd(await sendMessage(page, 'Is it stable?'))).toBe('complete');
    server.double.reset();

    const original = questions().nth(1);
    await original.hover();
    await original.getByTestId('edit-message').click();
    const editor = page.getByLabel('Edited message');
    await expect.poll(() => editor.evaluate((element) => element === document.activeElement)).toBe(true);
    await editor.fill('Is it in place?');
    await editor.press('Enter');

    const edited = questions().nth(1);
    await expect.poll(() => edited.locator('.user-text').textContent()).toBe('Is it in place?');
    await expect.poll(() => edited.getByTestId('sibling-position').textContent()).toBe('2 / 2');
    expect(await waitForAnswerEnd(answers().nth(1))).toBe('complete');
    expect(conversation(server.double.requests[0]?.messages ?? [])).toEqual([
      'user: Name a sorting algorithm',
      `assistant: ${ANSWERS['gpt-4o-mini']}`,
      'user: Is it in place?',
    ]);

    await edited.getByTestId('sibling-prev').click();
    await expect.poll(() => questions().nth(1).locator('.user-text').textContent()).toBe('Is it stable?');
    expect(await questions().count()).toBe(2);
    expect(await answers().count()).toBe(2);

    // Fork from the first answer: a new chat with the path up to it, opened.
    const source = currentChatId(page);
    await answers().first().getByTestId('fork-chat').click();
    await expect.poll(() => currentChatId(page)).not.toBe(source);
    await expect.poll(() => page.getByTestId('chat-title').textContent()).toMatch(/\(fork\)$/);
    await expect.poll(() => page.getByTestId('message').count()).toBe(2);
    expect(await questions().first().locator('.user-text').textContent()).toBe('Name a sorting algorithm');
    expect(consoleProblems).toEqual([]);
  });
});
