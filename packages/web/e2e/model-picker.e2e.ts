import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createBot,
  currentChatId,
  pickedModel,
  selectBot,
  sendMessage,
  signIn,
  startNewChat,
  waitForAnswerEnd,
  waitForConnection,
} from './app-driver.ts';
import { type BrowserSession, openBrowser } from './browser.ts';
import { type E2EServer, startE2EServer } from './support/server.ts';

describe('the model picker', () => {
  let server: E2EServer;
  let session: BrowserSession;
  let page: Page;

  beforeAll(async () => {
    server = await startE2EServer();
    session = await openBrowser({ baseURL: server.url });
    page = await session.context.newPage();
    await signIn(page, { username: 'grace', password: 'picker password 1' });
    await waitForConnection(page);
    await createBot(page, { name: 'Writer', defaultModel: 'openai/gpt-4o-mini' });
    await createBot(page, { name: 'Coder', defaultModel: 'openai/double-fast' });
  });
  afterAll(async () => {
    await session?.close();
    await server?.close();
  });

  const pickerLabel = () => page.getByTestId('model-select').locator('.model-select-label').textContent();
  const lastRequestModel = () => server.double.requests.at(-1)?.model;
  async function send(text: string) {
    const answer = await sendMessage(page, text);
    expect(await waitForAnswerEnd(answer)).toBe('complete');
  }
  async function openChat(chatId: string) {
    await page.locator(`[data-testid=chat-item][data-chat-id="${chatId}"] .entity-main`).click();
    await expect.poll(() => currentChatId(page)).toBe(chatId);
  }
  /** The picker shows `model` (`''` = the bot default, then `defaultOf` must be in its label). */
  async function expectPicker(model: string, defaultOf?: string) {
    await expect.poll(() => pickedModel(page)).toBe(model);
    if (model === '') expect(await pickerLabel()).toBe(`Bot default (${defaultOf})`);
    else expect(await pickerLabel()).toBe(model);
  }

  it('starts on the bot default, which answers when nothing is picked', async () => {
    await selectBot(page, 'Writer');
    await expectPicker('', 'openai/gpt-4o-mini');
    await send('The first chat');
    expect(lastRequestModel()).toBe('gpt-4o-mini');
    await expectPicker('', 'openai/gpt-4o-mini');
  });

  it('is usable with the keyboard alone: open, arrow down, Enter picks', async () => {
    const input = page.getByTestId('message-input');
    await input.focus();
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe(
      'model-select',
    );
    await page.keyboard.press('Enter');
    const search = page.getByRole('combobox');
    await search.waitFor();
    expect(await search.evaluate((element) => element === document.activeElement)).toBe(true);
    const active = async () => {
      const id = await search.getAttribute('aria-activedescendant');
      return page.locator(`[id="${id}"]`).getAttribute('data-model-id');
    };
    const order = await page
      .getByTestId('model-option')
      .evaluateAll((options) => options.map((option) => option.getAttribute('data-model-id')));
    expect(order[0]).toBe(''); // the bot default comes first…
    expect(await active()).toBe(''); // …and is where the list starts: the current choice
    const target = order.indexOf('openai/gpt-4o');
    expect(target).toBeGreaterThan(0);
    for (let step = 1; step <= target; step++) {
      await page.keyboard.press('ArrowDown');
      expect(await active()).toBe(order[step]);
    }
    await page.keyboard.press('Enter');
    await page.getByTestId('model-picker').waitFor({ state: 'detached' });
    await expectPicker('openai/gpt-4o');
    // Focus goes back to the picker button, so the next Tab reaches the send button.
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe(
      'model-select',
    );
    // Escape closes without changing the choice.
    await page.keyboard.press('Enter');
    await search.waitFor();
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Escape');
    await page.getByTestId('model-picker').waitFor({ state: 'detached' });
    await expectPicker('openai/gpt-4o');
  });

  it("remembers each chat's last sent pick across chat switches and a reload, and resets on switching bots", async () => {
    const chatA = currentChatId(page);
    expect(chatA).not.toBeNull();
    await send('Which model now?'); // the pick goes out with the message and becomes the chat's model
    expect(lastRequestModel()).toBe('gpt-4o');
    await expectPicker('openai/gpt-4o');

    await startNewChat(page);
    await expectPicker('', 'openai/gpt-4o-mini'); // a new chat starts on the bot default
    await send('The second chat');
    expect(lastRequestModel()).toBe('gpt-4o-mini');
    const chatB = currentChatId(page);
    expect(chatB).not.toBe(chatA);

    await openChat(chatA as string);
    await expectPicker('openai/gpt-4o');
    await openChat(chatB as string);
    await expectPicker('', 'openai/gpt-4o-mini');
    await openChat(chatA as string);
    await expectPicker('openai/gpt-4o');

    await page.reload();
    await waitForConnection(page);
    await expectPicker('openai/gpt-4o');
    await send('And after a reload?');
    expect(lastRequestModel()).toBe('gpt-4o');

    await selectBot(page, 'Coder');
    await expectPicker('', 'openai/double-fast');
    await send('Hello Coder');
    expect(lastRequestModel()).toBe('double-fast');
    await selectBot(page, 'Writer');
    await expectPicker('', 'openai/gpt-4o-mini');
    await openChat(chatA as string);
    await expectPicker('openai/gpt-4o');
    await openChat(chatB as string);
    await expectPicker('', 'openai/gpt-4o-mini');
  });
});
