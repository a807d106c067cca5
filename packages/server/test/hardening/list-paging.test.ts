import type { Bot, Chat } from '@cachibot/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiClient, setupAdmin } from '../support/api-client.ts';
import { removeDir, startServer, type TestServer } from '../support/server.ts';

interface BotsPage {
  bots: Bot[];
  nextCursor: string | null;
}
interface ChatsPage {
  chats: Chat[];
  nextCursor: string | null;
}

const ids = (items: { id: string }[]) => items.map((item) => item.id);
const withCursor = (query: string, cursor: string | null) =>
  `${query}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;

/**
 * Issue 11 (bounded resources): `GET /api/bots` and `GET /api/bots/:botId/chats` page by an opaque
 * keyset cursor (`?limit=` 1–200, default 50; `?cursor=` a previous page's `nextCursor`), keep their
 * array key and add `nextCursor` (null on the last page). Rows created while a client pages never
 * shift the pages still to come: nothing is listed twice and no row that existed is skipped.
 */
describe.each(['sqlite', 'postgres'] as const)('bot and chat list paging on %s', (engine) => {
  let server: TestServer;
  let admin: ApiClient;
  let defaultBotId: string;
  /** A bot with 60 chats: one pinned, three archived, created in parallel so timestamps tie. */
  let busyBotId: string;

  const botsPage = async (query: string): Promise<BotsPage> => {
    const response = await admin.get<BotsPage>(`/api/bots?${query}`);
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    return response.body;
  };
  const chatsPage = async (botId: string, query: string): Promise<ChatsPage> => {
    const response = await admin.get<ChatsPage>(`/api/bots/${botId}/chats?${query}`);
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    return response.body;
  };
  /** Follows `nextCursor` to the end; `between` runs after each page (to change the data meanwhile). */
  async function pageAll<P extends { nextCursor: string | null }>(
    read: (cursor: string | null) => Promise<P>,
    between: (pageIndex: number) => Promise<void> = async () => {},
  ): Promise<P[]> {
    const pages: P[] = [];
    let cursor: string | null = null;
    do {
      const page: P = await read(cursor);
      pages.push(page);
      cursor = page.nextCursor;
      if (pages.length > 300) throw new Error('paging never ends');
      if (cursor) await between(pages.length - 1);
    } while (cursor);
    return pages;
  }
  const createChats = async (botId: string, count: number, prefix: string): Promise<Chat[]> =>
    Promise.all(
      Array.from(
        { length: count },
        async (_, i) =>
          (await admin.post(`/api/bots/${botId}/chats`, { title: `${prefix} ${i}` })).body as Chat,
      ),
    );

  beforeAll(async () => {
    server = await startServer({ engine });
    admin = await setupAdmin(server.url);
    defaultBotId = (await admin.get('/api/bots')).body.bots[0].id;
    for (let i = 1; i <= 9; i++)
      expect((await admin.post('/api/bots', { name: `Bot ${i}` })).status).toBe(201);
    busyBotId = (await admin.post('/api/bots', { name: 'Busy' })).body.id;
    const chats = await createChats(busyBotId, 60, 'Chat');
    expect((await admin.patch(`/api/chats/${chats[7]?.id}`, { pinned: true })).status).toBe(200);
    for (const chat of chats.slice(20, 23)) await admin.patch(`/api/chats/${chat.id}`, { archived: true });
  });
  afterAll(async () => {
    await server?.stop();
    if (server) removeDir(server.dataDir);
  });

  it('pages the bots by 3 in list order (the default bot first, then oldest), each exactly once', async () => {
    const whole = await botsPage('limit=200');
    expect(whole.nextCursor).toBeNull();
    expect(whole.bots).toHaveLength(11);
    expect(whole.bots[0]?.id).toBe(defaultBotId);
    expect(whole.bots.slice(1).map((bot) => bot.name)).toEqual([
      ...Array.from({ length: 9 }, (_, i) => `Bot ${i + 1}`),
      'Busy',
    ]);
    const pages = await pageAll((cursor) => botsPage(withCursor('limit=3', cursor)));
    expect(pages.map((page) => page.bots.length)).toEqual([3, 3, 3, 2]);
    expect(pages.map((page) => page.nextCursor === null)).toEqual([false, false, false, true]);
    expect(pages.flatMap((page) => page.bots)).toEqual(whole.bots);
  });

  it('answers 50 by default and at most 200, with a null cursor when the last page is exactly full', async () => {
    const first = await chatsPage(busyBotId, 'archived=all');
    expect(first.chats).toHaveLength(50);
    expect(first.nextCursor).not.toBeNull();
    const rest = await chatsPage(busyBotId, withCursor('archived=all', first.nextCursor));
    expect(rest.chats).toHaveLength(10);
    expect(rest.nextCursor).toBeNull();
    expect((await chatsPage(busyBotId, 'archived=all&limit=60')).nextCursor).toBeNull();
    expect((await chatsPage(busyBotId, 'archived=all&limit=200')).chats).toHaveLength(60);
    expect((await botsPage('')).bots).toHaveLength(11);
  });

  it('pages the chats pinned first, then newest activity, like one big page, and filters archived ones', async () => {
    const whole = await chatsPage(busyBotId, 'archived=all&limit=200');
    expect(whole.chats[0]).toMatchObject({ title: 'Chat 7', pinned: true });
    const rest = whole.chats.slice(1);
    expect(rest.every((chat) => !chat.pinned)).toBe(true);
    const order = rest.map((chat) => `${chat.updatedAt} ${chat.id}`);
    expect(order).toEqual([...order].sort().reverse());

    const pages = await pageAll((cursor) => chatsPage(busyBotId, withCursor('archived=all&limit=7', cursor)));
    expect(pages.map((page) => page.chats.length)).toEqual([7, 7, 7, 7, 7, 7, 7, 7, 4]);
    expect(pages.flatMap((page) => page.chats)).toEqual(whole.chats);

    const active = await pageAll((cursor) => chatsPage(busyBotId, withCursor('limit=11', cursor)));
    const activeChats = active.flatMap((page) => page.chats);
    expect(activeChats).toHaveLength(57);
    expect(activeChats).toEqual(whole.chats.filter((chat) => !chat.archived));
    const archived = await pageAll((cursor) =>
      chatsPage(busyBotId, withCursor('archived=true&limit=2', cursor)),
    );
    expect(archived.flatMap((page) => page.chats.map((chat) => chat.title)).sort()).toEqual([
      'Chat 20',
      'Chat 21',
      'Chat 22',
    ]);
  });

  it('lists bots created while paging once, after the pages already read: nothing twice, nothing skipped', async () => {
    const before = ids((await botsPage('limit=200')).bots);
    const created: string[] = [];
    const pages = await pageAll(
      (cursor) => botsPage(withCursor('limit=4', cursor)),
      async (pageIndex) => {
        // Two at once, so the new rows may share a timestamp.
        const made = await Promise.all([
          admin.post('/api/bots', { name: `Made during page ${pageIndex} a` }),
          admin.post('/api/bots', { name: `Made during page ${pageIndex} b` }),
        ]);
        created.push(...made.map((response) => response.body.id as string));
      },
    );
    const seen = pages.flatMap((page) => ids(page.bots));
    expect(pages.length).toBeGreaterThan(3);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.slice(0, before.length)).toEqual(before);
    // Bots list oldest first: every bot made before the last page was read is on a later page.
    expect(new Set(seen)).toEqual(new Set([...before, ...created]));
  });

  it('keeps chat pages stable while chats are created, pinned and answered: nothing twice, none of the old ones skipped', async () => {
    const botId = (await admin.post('/api/bots', { name: 'Changing' })).body.id as string;
    await createChats(botId, 25, 'Old');
    const before = ids((await chatsPage(botId, 'limit=200')).chats);
    const seenSoFar: string[] = [];
    const created: string[] = [];
    const pages = await pageAll(
      async (cursor) => {
        const page = await chatsPage(botId, withCursor('limit=6', cursor));
        seenSoFar.push(...ids(page.chats));
        return page;
      },
      async (pageIndex) => {
        created.push(...ids(await createChats(botId, 2, `New ${pageIndex}`)));
        // Pinning a chat already read moves it to the top, above the cursor.
        const pinned = seenSoFar[2 * pageIndex] as string;
        expect((await admin.patch(`/api/chats/${pinned}`, { pinned: true })).status).toBe(200);
        // So does new activity: a turn sets its chat's updated_at to now when it starts.
        const answered = seenSoFar[2 * pageIndex + 1] as string;
        await server.cachibot.database.db
          .updateTable('chats')
          .set({ updated_at: new Date().toISOString() })
          .where('id', '=', answered)
          .execute();
      },
    );
    const seen = pages.flatMap((page) => ids(page.chats));
    expect(pages.length).toBeGreaterThan(4);
    expect(seen).toEqual(seenSoFar);
    expect(new Set(seen).size).toBe(seen.length);
    // Every chat made or moved meanwhile went above the cursor, so this read lists exactly the chats
    // that were there when it began, once each; the next first page shows the new and the moved ones.
    expect(new Set(seen)).toEqual(new Set(before));
    const now = (await chatsPage(botId, 'limit=200')).chats;
    expect(new Set(ids(now))).toEqual(new Set([...before, ...created]));
    expect(now.slice(0, pages.length - 1).every((chat) => chat.pinned)).toBe(true);
  });

  it.each([
    ['limit=0', 'limit=0', 'limit'],
    ['limit=201', 'limit=201', 'limit'],
    ['limit=abc', 'limit=abc', 'limit'],
    ['limit=2.5', 'limit=2.5', 'limit'],
    ['limit given twice', 'limit=1&limit=2', 'limit'],
    ['an empty cursor', 'cursor=', 'cursor'],
    ['a cursor that is not base64url JSON', 'cursor=not-a-cursor', 'cursor'],
    ['a 600-character cursor', `cursor=${'x'.repeat(600)}`, 'cursor'],
    [
      'a cursor with a wrong key shape',
      `cursor=${Buffer.from('["bots",1,"2020",5]').toString('base64url')}`,
      'cursor',
    ],
    [
      'a cursor of an object',
      `cursor=${Buffer.from('{"__proto__":{"x":1}}').toString('base64url')}`,
      'cursor',
    ],
  ])('refuses %s with a 400 that names the field, on both lists', async (_label, query, field) => {
    const paths = [`/api/bots?${query}`, `/api/bots/${busyBotId}/chats?${query}`];
    for (const path of paths) {
      const response = await admin.get(path);
      expect(response.status, path).toBe(400);
      expect(response.body.error.code).toBe('bad_request');
      expect(response.body.error.message).toContain(field);
    }
  });

  it("refuses one list's cursor on the other and unknown query fields", async () => {
    const botsCursor = (await botsPage('limit=1')).nextCursor as string;
    const chatsCursor = (await chatsPage(busyBotId, 'limit=1')).nextCursor as string;
    const crossed = [
      await admin.get(`/api/bots/${busyBotId}/chats?cursor=${botsCursor}`),
      await admin.get(`/api/bots?cursor=${chatsCursor}`),
    ];
    for (const response of crossed) {
      expect(response.status).toBe(400);
      expect(response.body.error.message).toContain('cursor');
    }
    expect((await admin.get('/api/bots?offset=10')).status).toBe(400);
  });
});
