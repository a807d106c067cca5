import type { Message } from '@cachibot/protocol';
import { type DoubleRequest, expectedText, type FaultProxy, startFaultProxy } from '@cachibot/testkit';
import type { Page, WebSocketRoute } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
import { scaled } from './support/deadlines.ts';
import { type E2EServer, startE2EServer } from './support/server.ts';

/** Records every `data-state` the connection status takes, so short-lived states are not missed. */
async function recordConnectionStates(page: Page): Promise<() => Promise<string[]>> {
  await page.evaluate(() => {
    const status = document.querySelector('[data-testid=connection-status]');
    const seen: string[] = [status?.getAttribute('data-state') ?? ''];
    (window as unknown as { __states: string[] }).__states = seen;
    new MutationObserver(() => {
      const state = document.querySelector('[data-testid=connection-status]')?.getAttribute('data-state');
      if (state && state !== seen.at(-1)) seen.push(state);
    }).observe(document.body, { subtree: true, attributes: true, attributeFilter: ['data-state'] });
  });
  return () => page.evaluate(() => [...(window as unknown as { __states: string[] }).__states]);
}

const textOf = (request: DoubleRequest) => JSON.stringify(request.messages.at(-1));

describe('an answer is never lost', () => {
  let server: E2EServer;
  let proxy: FaultProxy;
  let session: BrowserSession;
  let page: Page;

  beforeAll(async () => {
    server = await startE2EServer();
    // The browser reaches the server only through the proxy: page, REST and WebSocket alike.
    proxy = await startFaultProxy({ targetPort: server.port });
    session = await openBrowser({ baseURL: `http://127.0.0.1:${proxy.port}` });
    page = await session.context.newPage();
    await signIn(page, { username: 'margaret', password: 'reconnect password 1' });
    await waitForConnection(page);
    await createBot(page, { name: 'Narrator', defaultModel: 'openai/gpt-4o-mini' });
  });
  afterAll(async () => {
    await session?.close();
    await proxy?.close();
    await server?.close();
  });

  it('resumes after the connection is cut mid-answer and shows the whole answer once', async () => {
    const states = await recordConnectionStates(page);
    const answer = await sendMessage(page, 'A long one, please [[double tokens=200 delay=15]]');
    await expect.poll(() => answerText(answer), { timeout: scaled(10_000) }).toContain('tok20 ');
    const cutsBefore = proxy.cuts;
    proxy.cutAll();
    expect(proxy.cuts).toBeGreaterThan(cutsBefore);

    await waitForConnection(page, 'connected');
    expect(await waitForAnswerEnd(answer)).toBe('complete');
    await expect.poll(() => answerText(answer)).toBe(expectedText(200));
    const seen = await states();
    expect(seen.slice(0, 1)).toEqual(['connected']);
    expect(seen).toContain('reconnecting');
    expect(seen.at(-1)).toBe('connected');
    expect(seen.indexOf('reconnecting')).toBeLessThan(seen.lastIndexOf('connected'));

    // One turn, one provider call; the stored answer is the shown one.
    expect(server.double.requests).toHaveLength(1);
    const response = await page.request.get(`/api/chats/${currentChatId(page)}/messages`);
    const { messages } = (await response.json()) as { messages: Message[] };
    expect(messages.map((message) => [message.role, message.status])).toEqual([
      ['user', 'complete'],
      ['assistant', 'complete'],
    ]);
    expect(messages[1]?.content).toBe(expectedText(200));
    expect(await page.locator('[data-testid=message][data-role=assistant]').count()).toBe(1);
  });

  it('holds a message sent while offline and sends it exactly once when back online', async () => {
    await startNewChat(page);
    const marker = 'sent-while-offline-7f3a';
    const newSockets: string[] = [];
    let framesWithMarker = 0;
    page.on('websocket', (socket) => {
      newSockets.push(socket.url());
      socket.on('framesent', (frame) => {
        if (String(frame.payload).includes(marker)) framesWithMarker += 1;
      });
    });
    await page.context().setOffline(true);
    proxy.cutAll(); // the network is gone, and with it the connection
    await page.getByTestId('offline-banner').waitFor();
    await waitForConnection(page, 'offline');

    const before = server.double.requests.length;
    await page.getByTestId('message-input').fill(`Are you there? ${marker}`);
    await page.getByTestId('message-input').press('Enter');
    // The message shows at once, waiting; nothing reaches the server while offline.
    await page.locator('[data-testid=message][data-role=user]', { hasText: marker }).waitFor();
    await page.waitForTimeout(500);
    expect(server.double.requests.length).toBe(before);
    expect(await page.getByTestId('connection-status').getAttribute('data-state')).toBe('offline');

    await page.context().setOffline(false);
    await page.getByTestId('offline-banner').waitFor({ state: 'detached' });
    await waitForConnection(page, 'connected');
    const answer = page.locator('[data-testid=message][data-role=assistant]').first();
    await answer.waitFor();
    expect(await waitForAnswerEnd(answer)).toBe('complete');
    await expect.poll(() => answerText(answer)).toBe(expectedText(20));

    await page.waitForTimeout(300); // a second copy would have arrived by now
    // A new connection carried the held message (attempts made while offline failed), once.
    expect(newSockets.length).toBeGreaterThanOrEqual(1);
    expect(framesWithMarker).toBe(1);
    const forMarker = server.double.requests.filter((request) => textOf(request).includes(marker));
    expect(forMarker).toHaveLength(1);
    expect(await page.locator('[data-testid=message][data-role=user]', { hasText: marker }).count()).toBe(1);
    expect(await page.locator('[data-testid=message][data-role=assistant]').count()).toBe(1);
  });

  it('picks the answer up again after a reload mid-answer, in this tab and in a second one', async () => {
    await startNewChat(page);
    const answer = await sendMessage(page, 'Once more [[double tokens=120 delay=15]]');
    await expect.poll(() => answerText(answer), { timeout: scaled(10_000) }).toContain('tok10 ');
    const chatUrl = page.url();
    const second = await page.context().newPage(); // a second tab of the same user, same chat
    await second.goto(chatUrl);
    expect(server.double.requests.at(-1)?.finishedAt).toBeUndefined(); // still answering
    await page.reload();
    await waitForConnection(page);
    for (const tab of [page, second]) {
      const reloaded = tab.locator('[data-testid=message][data-role=assistant]').first();
      await reloaded.waitFor();
      expect(await waitForAnswerEnd(reloaded)).toBe('complete');
      await expect.poll(() => answerText(reloaded)).toBe(expectedText(120));
      expect(await tab.locator('[data-testid=message][data-role=assistant]').count()).toBe(1);
    }
    await second.close();
  });

  it('shows the stored answer, without a Stop button, when the turn ended while away and the reconnect brings nothing', async () => {
    // A tab whose every socket runs through a route that can swallow what the server sends: a server
    // that, after the reconnect, has nothing newer for the turn (as after a crash whose recovery reused
    // seq numbers this tab had already seen).
    const tab = await page.context().newPage();
    let swallow = false;
    const routed: WebSocketRoute[] = [];
    await tab.routeWebSocket('**/ws', (socket) => {
      routed.push(socket);
      const upstream = socket.connectToServer();
      socket.onMessage((frame) => upstream.send(frame));
      upstream.onMessage((frame) => {
        if (!swallow) socket.send(frame);
      });
    });
    await tab.goto(page.url());
    await waitForConnection(tab);
    await startNewChat(tab);
    const answer = await sendMessage(tab, 'Tell it while I am away [[double tokens=150 delay=10]]');
    await expect.poll(() => answerText(answer), { timeout: scaled(10_000) }).toContain('tok10 ');
    const chatId = currentChatId(tab);

    swallow = true; // from here on the tab hears nothing: no more deltas, no `done`
    await expect
      .poll(
        async () => {
          const response = await tab.request.get(`/api/chats/${chatId}/messages`);
          const { messages } = (await response.json()) as { messages: Message[] };
          return messages.at(-1)?.status;
        },
        { timeout: scaled(15_000) },
      )
      .toBe('complete');
    expect(await answer.getAttribute('data-status')).toBe('streaming');
    await routed.at(-1)?.close(); // the connection drops; the reconnect resumes, and hears nothing
    await expect.poll(() => routed.length).toBe(2);
    await waitForConnection(tab, 'connected');

    expect(await waitForAnswerEnd(answer)).toBe('complete');
    await expect.poll(() => answerText(answer)).toBe(expectedText(150));
    await tab.getByTestId('send-button').waitFor();
    expect(await tab.getByTestId('cancel-button').count()).toBe(0);
    expect(await tab.locator('[data-testid=message][data-role=assistant]').count()).toBe(1);
    await tab.close();
  });
});
