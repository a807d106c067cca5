import type { Locator, Page } from 'playwright-core';
import { scaled } from './support/deadlines.ts';

// Drives the web app through the data-testids of API.md only, so tests survive styling changes.

export type ConnectionState = 'connecting' | 'connected' | 'reconnecting' | 'offline';

/** Opens the app and signs in: creates the admin on first run (setup-form), else uses login-form. */
export async function signIn(page: Page, credentials: { username: string; password: string }): Promise<void> {
  await page.goto('/');
  const form = page.locator('[data-testid=setup-form], [data-testid=login-form]');
  await form.waitFor();
  await form.getByLabel('Username').fill(credentials.username);
  await form.getByLabel('Password').fill(credentials.password);
  await form.locator('button[type=submit]').click();
  // Attached, not visible: on narrow screens the sidebar is folded away.
  await page.getByTestId('bot-list').waitFor({ state: 'attached' });
}

export async function waitForConnection(
  page: Page,
  state: ConnectionState = 'connected',
  timeout = scaled(15_000),
): Promise<void> {
  await page.locator(`[data-testid=connection-status][data-state=${state}]`).waitFor({ timeout });
}

/** Picks a model in the composer; `null` = the bot-default entry. A model not listed is typed in. */
export async function pickModel(page: Page, modelId: string | null): Promise<void> {
  await page.getByTestId('model-select').click();
  if (modelId === null) {
    await page.locator('[data-testid=model-option][data-model-id=""]').click();
    return;
  }
  await page.getByRole('combobox').fill(modelId);
  await page.locator(`[data-testid=model-option][data-model-id="${modelId}"]`).first().click();
}

/** Sends a message with Enter; returns the locator of the answer bubble that follows it. */
export async function sendMessage(page: Page, text: string): Promise<Locator> {
  const before = await page.locator('[data-testid=message][data-role=assistant]').count();
  await page.getByTestId('message-input').fill(text);
  await page.getByTestId('message-input').press('Enter');
  const answer = page.locator('[data-testid=message][data-role=assistant]').nth(before);
  await answer.waitFor();
  return answer;
}

/** Waits until the answer is persisted (`done` received): status complete, cancelled or error. */
export async function waitForAnswerEnd(answer: Locator, timeout = scaled(30_000)): Promise<string> {
  await answer.locator('xpath=self::*[@data-status!="streaming"]').waitFor({ timeout });
  return (await answer.getAttribute('data-status')) ?? '';
}

/** Opens an answer's info panel and returns its label → value pairs. */
export async function readMessageInfo(answer: Locator): Promise<Record<string, string>> {
  const panel = answer.getByTestId('message-info-panel');
  if (!(await panel.isVisible())) await answer.getByTestId('message-info').click();
  const rows = await panel
    .locator('.info-row')
    .evaluateAll((nodes) =>
      nodes.map((node) => [
        node.querySelector('dt')?.textContent ?? '',
        node.querySelector('dd')?.textContent ?? '',
      ]),
    );
  return Object.fromEntries(rows);
}

/** Creates a bot through the editor (new-bot-button); the app then shows the bot's new-chat draft. */
export async function createBot(page: Page, bot: { name: string; defaultModel?: string }): Promise<void> {
  await page.getByTestId('new-bot-button').click();
  const editor = page.getByTestId('bot-editor');
  await editor.getByLabel('Name', { exact: true }).fill(bot.name);
  if (bot.defaultModel !== undefined) await editor.getByLabel('Default model').fill(bot.defaultModel);
  await editor.getByTestId('save-bot-button').click();
  await editor.waitFor({ state: 'detached' });
  await page
    .locator('[data-testid=bot-item]:has(button[aria-current=true])', { hasText: bot.name })
    .waitFor({ state: 'attached' });
}

/** Selects a bot in the sidebar by name. */
export async function selectBot(page: Page, name: string): Promise<void> {
  await page.getByTestId('bot-item').filter({ hasText: name }).locator('.entity-main').click();
}

/** Starts a new chat (the bot's draft: the chat is created by its first message). */
export async function startNewChat(page: Page): Promise<void> {
  await page.getByTestId('new-chat-button').click();
  await page
    .getByTestId('chat-title')
    .filter({ hasText: /^New chat with / })
    .waitFor();
}

/** The model the composer's picker shows: a `provider/model` id, or `''` for the bot default. */
export async function pickedModel(page: Page): Promise<string> {
  return (await page.getByTestId('model-select').getAttribute('data-model-id')) ?? '';
}

/** The rendered text of an answer bubble (its Markdown body), without footer or notes. */
export async function answerText(answer: Locator): Promise<string> {
  const body = answer.locator('.markdown');
  return (await body.count()) > 0 ? ((await body.textContent()) ?? '') : '';
}

/** The id of the chat shown, from the URL (`#/bots/<botId>/chats/<chatId>`), or null for a draft. */
export function currentChatId(page: Page): string | null {
  const match = /\/chats\/([^/]+)$/.exec(new URL(page.url()).hash);
  return match?.[1] ? decodeURIComponent(match[1]) : null;
}

/** The chat header's totals (server-kept, over the whole chat) as shown: `{ messages, tokens, cost }`. */
export async function readChatTotals(
  page: Page,
): Promise<{ messages: string; tokens: string; cost: string }> {
  const totals = page.getByTestId('chat-totals');
  const [messages, tokens, cost] = await Promise.all(
    ['messages', 'tokens', 'cost'].map(
      async (name) => (await totals.getByTestId(`chat-total-${name}`).textContent()) ?? '',
    ),
  );
  return { messages: messages ?? '', tokens: tokens ?? '', cost: cost ?? '' };
}
