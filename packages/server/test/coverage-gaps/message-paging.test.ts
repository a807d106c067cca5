import type { Message } from '@cachibot/protocol';
import { type OpenAIDouble, startOpenAIDouble } from '@cachibot/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiClient, setupAdmin } from '../support/api-client.ts';
import { removeDir, startServer, type TestServer } from '../support/server.ts';
import { clientMessageId, sendAndWait } from '../support/turns.ts';
import { WsClient } from '../support/ws-client.ts';

interface Page {
  messages: Message[];
  nextCursor: string | null;
}

/**
 * CORE-05 / API.md: `GET /api/chats/:chatId/messages?limit=&before=` pages backwards from the newest
 * message, oldest first within a page, with `nextCursor` pointing at older messages (null at the start).
 */
describe.each(['sqlite', 'postgres'] as const)('message history paging on %s', (engine) => {
  let double: OpenAIDouble;
  let server: TestServer;
  let admin: ApiClient;
  let chatId: string;
  let botId: string;
  /** Every message of the chat, oldest first, as one big page returned it. */
  let all: Message[];

  const page = async (query: string): Promise<Page> => {
    const response = await admin.get<Page>(`/api/chats/${chatId}/messages?${query}`);
    expect(response.status).toBe(200);
    return response.body;
  };

  /** Follows nextCursor from the newest page to the oldest. */
  const pageThrough = async (limit: number): Promise<Page[]> => {
    const pages: Page[] = [];
    let cursor: string | null = null;
    do {
      const next: Page = await page(`limit=${limit}${cursor ? `&before=${encodeURIComponent(cursor)}` : ''}`);
      pages.push(next);
      cursor = next.nextCursor;
      if (pages.length > 100) throw new Error('paging never ends');
    } while (cursor);
    return pages;
  };

  beforeAll(async () => {
    double = await startOpenAIDouble();
    server = await startServer({
      engine,
      env: { OPENAI_API_KEY: 'k', OPENAI_BASE_URL: double.url, CACHIBOT_DEFAULT_MODEL: 'openai/gpt-4o-mini' },
    });
    admin = await setupAdmin(server.url);
    botId = (await admin.get('/api/bots')).body.bots[0].id;

    // 12 turns (24 messages) and one regenerated answer (a 25th, sibling of the last answer).
    const ws = await WsClient.connect(server.wsUrl, admin.token as string);
    let lastUserMessageId = '';
    let lastTurnId = '';
    for (let i = 1; i <= 12; i++) {
      const turn = await sendAndWait(ws, {
        botId,
        ...(chatId ? { chatId } : {}),
        message: `Message ${i} [[double tokens=2]]`,
      });
      chatId = turn.chatId;
      lastTurnId = turn.turnId;
      lastUserMessageId = turn.done.parentId as string;
    }
    ws.send('regenerate', { clientMessageId: clientMessageId(), messageId: lastUserMessageId });
    const regenerated = await ws.waitFor(
      'done',
      (event) => event.payload.message.parentId === lastUserMessageId && event.payload.turnId !== lastTurnId,
    );
    expect(regenerated.payload.message.status).toBe('complete');
    await ws.close();
    const everything = await page('limit=200');
    expect(everything.nextCursor).toBeNull();
    all = everything.messages;
  });
  afterAll(async () => {
    await server?.stop();
    if (server) removeDir(server.dataDir);
    await double?.close();
  });

  it('holds the 25 messages of 12 turns and one regenerated answer, oldest first', () => {
    expect(all).toHaveLength(25);
    expect(all.slice(0, 24).map((message) => message.role)).toEqual(
      Array.from({ length: 12 }, () => ['user', 'assistant']).flat(),
    );
    expect(all[0]?.content).toBe('Message 1 [[double tokens=2]]');
    // The regenerated answer is the newest message: a second answer to the twelfth question.
    expect(all[24]).toMatchObject({ role: 'assistant', parentId: all[22]?.id, status: 'complete' });
    const times = all.map((message) => message.createdAt);
    expect([...times].sort()).toEqual(times);
  });

  it('pages 25 messages by 10 as 10, 10, 5 from the newest, each page oldest first, nothing twice or missing', async () => {
    const pages = await pageThrough(10);
    expect(pages.map((p) => p.messages.length)).toEqual([10, 10, 5]);
    expect(pages.map((p) => p.nextCursor === null)).toEqual([false, false, true]);
    // The first page is the newest ten; reading the pages newest-page-last gives the whole history.
    expect(pages[0]?.messages).toEqual(all.slice(15));
    expect(pages[1]?.messages).toEqual(all.slice(5, 15));
    expect(pages[2]?.messages).toEqual(all.slice(0, 5));
    const ids = pages.flatMap((p) => p.messages.map((message) => message.id));
    expect(new Set(ids).size).toBe(25);
    expect(new Set(ids)).toEqual(new Set(all.map((message) => message.id)));
  });

  it('ends with a null cursor when the last page is exactly full, and pages by 1 through everything', async () => {
    expect((await page('limit=25')).nextCursor).toBeNull();
    const short = await page('limit=24');
    expect(short.messages).toEqual(all.slice(1));
    expect(short.nextCursor).not.toBeNull();
    const rest = await page(`limit=24&before=${short.nextCursor}`);
    expect(rest).toEqual({ messages: all.slice(0, 1), nextCursor: null });
    const single = await pageThrough(1);
    expect(single).toHaveLength(25);
    expect(single.flatMap((p) => p.messages).reverse()).toEqual(all);
  });

  it('keeps older pages stable while new messages arrive after the first page was read', async () => {
    const first = await page('limit=10');
    const ws = await WsClient.connect(server.wsUrl, admin.token as string);
    await sendAndWait(ws, { botId, chatId, message: 'A newer message [[double tokens=2]]' });
    await ws.close();
    // Cursors are positions in the history, not offsets: the new turn shifts nothing already paged.
    const second = await page(`limit=10&before=${first.nextCursor}`);
    expect(second.messages).toEqual(all.slice(5, 15));
    const newest = await page('limit=2');
    expect(newest.messages.map((message) => message.role)).toEqual(['user', 'assistant']);
    expect(newest.messages[0]?.content).toBe('A newer message [[double tokens=2]]');
  });
});
