import { mkdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Template } from '@cachibot/protocol';
import { expectedText } from '@cachibot/testkit';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answerText, signIn, waitForAnswerEnd, waitForConnection } from './app-driver.ts';
import { type BrowserSession, openBrowser } from './browser.ts';
import { type E2EServer, startE2EServer } from './support/server.ts';

const SCREENSHOTS = fileURLToPath(new URL('../../../docs/screenshots/', import.meta.url));
const USER = { username: 'grace', password: 'correct horse battery' };

describe('bots from templates in the browser', () => {
  let server: E2EServer;
  let session: BrowserSession;
  let page: Page;
  const consoleProblems: string[] = [];

  beforeAll(async () => {
    server = await startE2EServer();
    session = await openBrowser({ baseURL: server.url, width: 1280, height: 860, colorScheme: 'light' });
    page = await session.context.newPage();
    page.on('console', (message) => {
      // The one refused import below is a 400 on purpose; anything else is a problem.
      const expected =
        message.text() === 'Failed to load resource: the server responded with a status of 400 (Bad Request)';
      if ((message.type() === 'error' || message.type() === 'warning') && !expected)
        consoleProblems.push(message.text());
    });
    page.on('pageerror', (error) => consoleProblems.push(error.message));
  });
  afterAll(async () => {
    await session?.close();
    await server?.close();
  });

  const screenshot = async (name: string) => {
    const file = path.join(SCREENSHOTS, name);
    mkdirSync(SCREENSHOTS, { recursive: true });
    await page.mouse.move(0, 0);
    await page.screenshot({ path: file, animations: 'disabled', caret: 'hide' });
    expect(statSync(file).size).toBeGreaterThan(10_000);
  };
  const selectedBot = (name: string) =>
    page.locator('[data-testid=bot-item]:has(button[aria-current=true])', { hasText: name });

  it('creates a bot from a template in the gallery, shows its starters in an empty chat and sends one', async () => {
    await signIn(page, USER);
    await waitForConnection(page);
    const template = (
      (await (await page.request.get('/api/templates?q=regex')).json()) as { templates: Template[] }
    ).templates[0] as Template;
    expect(template.id).toBe('regex-builder');

    await page.getByTestId('new-bot-button').click();
    await page.getByTestId('templates-button').click();
    await page.getByTestId('template-card').first().waitFor();
    expect(await page.getByTestId('template-card').count()).toBeGreaterThanOrEqual(60);
    // The full gallery with a template's preview: the README screenshot.
    const card = page.locator(`[data-testid=template-card][data-template-name="${template.name}"]`);
    await card.click();
    const preview = page.getByTestId('template-preview');
    await preview.getByRole('heading', { name: template.name }).waitFor();
    expect(await preview.locator('pre').textContent()).toBe(template.systemPrompt);
    expect(await preview.textContent()).toContain('A small, fast model is enough');
    await screenshot('templates.png');

    // A category narrows the list; a search narrows it to the template.
    await page.getByRole('button', { name: /^Coding \d+$/ }).click();
    const codingCards = await page.getByTestId('template-card').count();
    expect(codingCards).toBeGreaterThan(3);
    expect(codingCards).toBeLessThan(20);
    await page.getByRole('searchbox', { name: 'Search templates' }).fill('regular expressions');
    await expect.poll(() => page.getByTestId('template-card').count()).toBe(1);
    expect(await card.getAttribute('aria-pressed')).toBe('true');

    await preview.getByTestId('template-install').click();
    await selectedBot(template.name).waitFor({ state: 'attached' });
    const welcome = page.getByTestId('bot-welcome');
    await welcome.getByRole('heading', { name: template.name }).waitFor();
    expect(await welcome.textContent()).toContain(template.description);
    expect(await welcome.getByTestId('starter-button').allTextContents()).toEqual(template.starters);
    await screenshot('starters.png');

    const starter = template.starters[0] as string;
    await welcome.getByTestId('starter-button').first().click();
    const question = page.locator('[data-testid=message][data-role=user]');
    await expect.poll(() => question.first().textContent()).toContain(starter);
    const answer = page.locator('[data-testid=message][data-role=assistant]').first();
    expect(await waitForAnswerEnd(answer)).toBe('complete');
    await expect.poll(() => answerText(answer)).toBe(expectedText(20));
    // The model was told the template's prompt, and asked the starter.
    const [request] = server.double.requests;
    expect(request?.messages[0]).toEqual({ role: 'system', content: template.systemPrompt });
    expect(request?.messages.at(-1)).toEqual({ role: 'user', content: starter });
    expect(await page.getByTestId('bot-welcome').count()).toBe(0);

    // The chat menu saves the conversation as Markdown, with the answer's model.
    await page.getByTestId('chat-menu').click();
    const [markdown] = await Promise.all([
      page.waitForEvent('download'),
      page.getByTestId('export-chat-md').click(),
    ]);
    const text = readFileSync((await markdown.path()) as string, 'utf8');
    expect(text).toContain(starter);
    expect(text).toContain(expectedText(20));
    expect(text).toMatch(/`openai\/[^`]+`/);
  });

  it('exports the bot to a file and imports it back as a new bot with the same starters', async () => {
    const name = 'Regex Builder';
    await page.getByRole('button', { name: `Edit bot ${name}` }).click();
    await page.getByText('Share and export').click();
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByTestId('export-bot').click(),
    ]);
    expect(download.suggestedFilename()).toBe('regex-builder.cachibot-bot.json');
    const file = (await download.path()) as string;
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ format: 'cachibot.bot', version: 1 });

    await page.getByRole('button', { name: 'Cancel' }).click();
    await page.getByTestId('new-bot-button').click();
    const [chooser] = await Promise.all([
      page.waitForEvent('filechooser'),
      page.getByTestId('import-bot').click(),
    ]);
    await chooser.setFiles(file);
    await expect.poll(() => page.locator('[data-testid=bot-item]', { hasText: name }).count()).toBe(2);
    await selectedBot(name).waitFor({ state: 'attached' });
    const welcome = page.getByTestId('bot-welcome');
    await welcome.waitFor();
    expect(await welcome.getByTestId('starter-button').count()).toBeGreaterThanOrEqual(2);

    // A file that is not a bot file says why, and creates nothing.
    await page.getByTestId('new-bot-button').click();
    const [again] = await Promise.all([
      page.waitForEvent('filechooser'),
      page.getByTestId('import-bot').click(),
    ]);
    await again.setFiles({
      name: 'other.json',
      mimeType: 'application/json',
      buffer: Buffer.from('{"bot":{}}'),
    });
    const alert = page.getByTestId('bot-editor').getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toMatch(/^Could not import other\.json: Invalid bot file: format: /);
    expect(await page.locator('[data-testid=bot-item]', { hasText: name }).count()).toBe(2);
    await screenshot('import-error.png');
    // The whole session left no error or warning in the console.
    expect(consoleProblems).toEqual([]);
  });
});
