import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createBot,
  pickModel,
  selectBot,
  sendMessage,
  signIn,
  startNewChat,
  waitForAnswerEnd,
  waitForConnection,
} from './app-driver.ts';
import { type BrowserSession, openBrowser } from './browser.ts';
import { type E2EServer, startE2EServer } from './support/server.ts';

const SCREENSHOT = fileURLToPath(new URL('../../../docs/screenshots/usage.png', import.meta.url));

describe('the usage page', () => {
  let server: E2EServer;
  let session: BrowserSession;
  let page: Page;

  beforeAll(async () => {
    server = await startE2EServer();
    session = await openBrowser({ baseURL: server.url });
    page = await session.context.newPage();
    await page.setViewportSize({ width: 1280, height: 1000 });
    await signIn(page, { username: 'ada', password: 'usage password 1' });
    await waitForConnection(page);
    await createBot(page, { name: 'Accountant', defaultModel: 'openai/gpt-4o-mini' });
    for (const [model, text] of [
      ['openai/gpt-4o-mini', 'First [[double tokens=30 ttft=20]]'],
      ['openai/double-fast', 'Second [[double tokens=12]]'],
      ['openai/gpt-4o', 'Third [[double tokens=8 ttft=40]]'],
    ] as const) {
      await startNewChat(page);
      await pickModel(page, model);
      expect(await waitForAnswerEnd(await sendMessage(page, text))).toBe('complete');
    }
  });
  afterAll(async () => {
    await session?.close();
    await server?.close();
  });

  it('shows the charts and the tables with the models used (and saves the README screenshot)', async () => {
    await page.getByTestId('nav-usage').click();
    const usage = page.getByTestId('usage-page');
    await usage.waitFor();
    const byModel = usage.locator('[data-testid=usage-table][data-group=model]');
    await byModel.waitFor();
    const models = await byModel
      .locator('tbody tr')
      .evaluateAll((rows) => rows.map((row) => row.getAttribute('data-key')));
    expect(models.sort()).toEqual(['openai/double-fast', 'openai/gpt-4o', 'openai/gpt-4o-mini']);
    const mini = byModel.locator('tr[data-key="openai/gpt-4o-mini"]');
    expect(await mini.locator('th').textContent()).toBe('GPT-4o mini');
    expect(await mini.locator('td').first().textContent()).toBe('1');
    const byBot = usage.locator('[data-testid=usage-table][data-group=bot]');
    expect(await byBot.locator('tbody th').allTextContents()).toEqual(['Accountant']);
    // An admin also sees everyone, by user.
    await usage.locator('[data-testid=usage-table][data-group=user]').waitFor();

    const charts = usage.getByTestId('usage-chart');
    expect(await charts.count()).toBe(3);
    const stack = usage.locator('[data-testid=usage-chart][data-chart=stack]');
    expect(await stack.getAttribute('data-series')).toBe('2'); // the two priced models
    await stack.locator('canvas').waitFor();
    const latency = usage.locator('[data-testid=usage-chart][data-chart=lines]').first();
    expect(await latency.getAttribute('data-series')).toBe('3');
    await latency.locator('canvas').waitFor();
    await page.screenshot({ path: SCREENSHOT, animations: 'disabled', caret: 'hide' });
    await usage.getByLabel('Show').selectOption('tokens');
    await expect.poll(() => stack.getAttribute('data-series')).toBe('3');

    const csv = await byModel
      .locator('xpath=ancestor::section[1]')
      .getByTestId('usage-csv')
      .getAttribute('href');
    const response = await page.request.get(csv ?? '');
    expect(response.headers()['content-type']).toMatch(/^text\/csv/);
    expect((await response.text()).split('\r\n')).toHaveLength(3 + 2);
  });

  it('lets an admin set user budgets on the page, and lower but never raise their own', async () => {
    await page.getByTestId('nav-usage').click();
    const own = page.getByTestId('user-budgets').locator('tbody tr').filter({ hasText: 'ada' });
    await own.waitFor();
    await own.getByLabel('Budget of ada (USD per month)').fill('100');
    await own.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => own.getByTestId('user-budget-spend').textContent()).toMatch(/of \$100\.00/);
    await own.getByLabel('Budget of ada (USD per month)').fill('200');
    await own.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => own.getByRole('alert').textContent()).toMatch(/never raise/);
    await own.getByLabel('Budget of ada (USD per month)').fill('50');
    await own.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => own.getByTestId('user-budget-spend').textContent()).toMatch(/of \$50\.00/);
  });

  it('sets a budget in the bot editor; answers past 80 % carry the warning', async () => {
    await page.getByRole('button', { name: 'Edit bot Accountant' }).click();
    const budget = page.getByTestId('bot-budget');
    await budget.locator('summary').click();
    await expect
      .poll(() => budget.getByTestId('budget-spend').textContent())
      .toMatch(/^Spent \$0\.\d+ this month/);
    await budget.getByLabel('Budget (USD per month)').fill('0.000001');
    await budget.getByLabel('When used up').selectOption('warn');
    await budget.getByTestId('save-budget-button').click();
    await expect
      .poll(() => budget.getByTestId('budget-spend').textContent())
      .toMatch(/of \$0\.000001 this month/);
    await page.getByRole('button', { name: 'Cancel' }).click();
    await selectBot(page, 'Accountant');
    await startNewChat(page);
    const answer = await sendMessage(page, 'Over budget [[double tokens=5]]');
    expect(await waitForAnswerEnd(answer)).toBe('complete');
    expect(await answer.getByTestId('budget-warning').textContent()).toMatch(
      /This bot's monthly budget: .* used up/,
    );
  });
});
