import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  answerText,
  createBot,
  selectBot,
  sendMessage,
  signIn,
  waitForAnswerEnd,
  waitForConnection,
} from './app-driver.ts';
import { type BrowserSession, openBrowser } from './browser.ts';
import { type E2EServer, startE2EServer } from './support/server.ts';

const USER = { username: 'hedy', password: 'responsive password 1' };
const PHONE = { width: 360, height: 740 };

/** Relative luminance (0 black … 1 white) of a CSS `rgb(…)` colour. */
function luminance(color: string): number {
  const [r, g, b] = (color.match(/\d+(\.\d+)?/g) ?? []).slice(0, 3).map((part) => {
    const channel = Number(part) / 255;
    return channel <= 0.03928 ? channel / 12.92 : ((channel + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * (r ?? 0) + 0.7152 * (g ?? 0) + 0.0722 * (b ?? 0);
}
const contrast = (a: number, b: number) => (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);

/** The box of an element, or null when it is not rendered. */
const boxOf = (page: Page, testId: string) => page.getByTestId(testId).boundingBox();

/** Whether the box lies inside the viewport. */
function inside(box: { x: number; y: number; width: number; height: number } | null): boolean {
  return (
    !!box &&
    box.x >= 0 &&
    box.y >= 0 &&
    box.x + box.width <= PHONE.width + 0.5 &&
    box.y + box.height <= PHONE.height + 0.5
  );
}

describe('quality bar: small screens, dark mode, accessibility', () => {
  let server: E2EServer;
  let phone: BrowserSession;
  let page: Page;

  beforeAll(async () => {
    server = await startE2EServer();
    phone = await openBrowser({ baseURL: server.url, ...PHONE });
    page = await phone.context.newPage();
    await signIn(page, USER);
    await waitForConnection(page);
  });
  afterAll(async () => {
    await phone?.close();
    await server?.close();
  });

  it('is usable at 360×740: the sidebar folds behind a button and the composer stays in view', async () => {
    const sidebar = page.locator('#sidebar');
    const toggle = page.getByTestId('sidebar-toggle');
    expect(await sidebar.isVisible()).toBe(false);
    expect(inside(await toggle.boundingBox())).toBe(true);
    expect(await toggle.getAttribute('aria-expanded')).toBe('false');
    expect(inside(await boxOf(page, 'message-input'))).toBe(true);
    expect(inside(await boxOf(page, 'send-button'))).toBe(true);
    expect(inside(await boxOf(page, 'connection-status'))).toBe(true);

    // The menu button opens the sidebar over the chat; Escape closes it and gives focus back.
    await toggle.click();
    await page.getByTestId('new-bot-button').waitFor();
    expect(await toggle.getAttribute('aria-expanded')).toBe('true');
    await expect.poll(async () => inside(await sidebar.boundingBox())).toBe(true); // after the slide-in
    await page.getByTestId('new-bot-button').focus();
    await page.keyboard.press('Escape');
    await expect.poll(() => sidebar.isVisible()).toBe(false);
    expect(await toggle.evaluate((element) => element === document.activeElement)).toBe(true);

    // Everything works from there: create a bot, chat, read the answer; nothing scrolls sideways.
    await toggle.click();
    await createBot(page, { name: 'Pocket', defaultModel: 'openai/gpt-4o-mini' });
    await expect.poll(() => sidebar.isVisible()).toBe(false); // the editor closed the overlay
    const answer = await sendMessage(page, 'Hello from a phone');
    expect(await waitForAnswerEnd(answer)).toBe('complete');
    expect((await answerText(answer)).length).toBeGreaterThan(0);
    expect(inside(await answer.boundingBox())).toBe(true);
    expect(inside(await boxOf(page, 'message-input'))).toBe(true);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);

    // The model picker opens inside the screen.
    await page.getByTestId('model-select').click();
    expect(inside(await boxOf(page, 'model-picker'))).toBe(true);
    await page.keyboard.press('Escape');
  });

  it('follows a dark system theme: dark background, light text', async () => {
    await using dark = await openBrowser({ baseURL: server.url, colorScheme: 'dark' });
    const darkPage = await dark.context.newPage();
    await signIn(darkPage, USER);
    const colours = (p: Page) =>
      p.evaluate(() => {
        const style = getComputedStyle(document.body);
        const bar = getComputedStyle(document.querySelector('.app-bar') as Element);
        return { background: style.backgroundColor, text: style.color, bar: bar.backgroundColor };
      });
    const darkColours = await colours(darkPage);
    const lightColours = await colours(page);

    expect(luminance(darkColours.background)).toBeLessThan(0.05);
    expect(luminance(lightColours.background)).toBeGreaterThan(0.9);
    expect(darkColours.background).not.toBe(lightColours.background);
    expect(luminance(darkColours.bar)).toBeLessThan(0.1);
    // Readable: body text against the background at least WCAG AA (4.5:1) in both themes.
    expect(contrast(luminance(darkColours.text), luminance(darkColours.background))).toBeGreaterThan(4.5);
    expect(contrast(luminance(lightColours.text), luminance(lightColours.background))).toBeGreaterThan(4.5);
  });

  it('names every control for assistive technology and keeps a visible, sensible keyboard focus', async () => {
    await using desktop = await openBrowser({ baseURL: server.url });
    const wide = await desktop.context.newPage();
    await signIn(wide, USER);
    await waitForConnection(wide);
    const answer = wide.locator('[data-testid=message][data-role=assistant]').first();
    await selectBot(wide, 'Pocket');
    await wide.getByTestId('chat-item').first().locator('.entity-main').click();
    await answer.waitFor();
    await answer.getByTestId('message-info').click();

    // Every visible control has an accessible name (label, aria-label, aria-labelledby or text).
    const unnamed = await wide.evaluate(() => {
      const nameOf = (element: HTMLElement): string => {
        const labelledBy = element.getAttribute('aria-labelledby');
        if (labelledBy)
          return labelledBy
            .split(' ')
            .map((id) => document.getElementById(id)?.textContent ?? '')
            .join(' ');
        const labels = (element as HTMLInputElement).labels;
        return (
          (
            element.getAttribute('aria-label') ??
            (labels && labels.length > 0 ? [...labels].map((label) => label.textContent).join(' ') : '') ??
            ''
          ).trim() ||
          (element.textContent ?? '').trim() ||
          (element.getAttribute('title') ?? '')
        );
      };
      return [
        ...document.querySelectorAll<HTMLElement>(
          'button, input, textarea, select, a[href], [role=combobox]',
        ),
      ]
        .filter(
          (element) =>
            element.getClientRects().length > 0 && getComputedStyle(element).visibility !== 'hidden',
        )
        .filter((element) => !nameOf(element))
        .map((element) => element.outerHTML.slice(0, 120));
    });
    expect(unnamed).toEqual([]);
    // Landmarks: one main region, a labelled navigation, a labelled composer form.
    expect(await wide.locator('main').count()).toBe(1);
    expect(await wide.getByRole('navigation', { name: 'Bots and chats' }).count()).toBe(1);
    expect(await wide.getByRole('form', { name: 'Write a message' }).count()).toBe(1);
    expect(await wide.getByRole('status').filter({ hasText: 'Connected' }).count()).toBe(1);

    // Focus order through the composer: message → model picker → compare → send; focus is visibly outlined.
    const focused = () => wide.evaluate(() => document.activeElement?.getAttribute('data-testid'));
    await wide.getByTestId('message-input').fill('ready');
    await wide.getByTestId('message-input').focus();
    await wide.keyboard.press('Tab');
    expect(await focused()).toBe('model-select');
    const outline = await wide
      .getByTestId('model-select')
      .evaluate((element) => getComputedStyle(element).outlineStyle);
    expect(outline).toBe('solid'); // the app's :focus-visible ring, not only the browser default
    await wide.keyboard.press('Tab');
    expect(await focused()).toBe('compare-button');
    await wide.keyboard.press('Tab');
    expect(await focused()).toBe('send-button');
    await wide.keyboard.press('Shift+Tab');
    await wide.keyboard.press('Shift+Tab');
    await wide.keyboard.press('Shift+Tab');
    expect(await focused()).toBe('message-input');
  });
});
