import type { Message } from '@cachibot/protocol';
import { expectedText, type OpenAIDouble, startOpenAIDouble } from '@cachibot/testkit';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setupAdmin } from '../support/api-client.ts';
import { scaled, waitUntil } from '../support/deadlines.ts';
import { removeDir, startServer, type TestServer } from '../support/server.ts';
import { coveredSeqs, sendAndWait, startTurn, textOf } from '../support/turns.ts';
import { WsClient } from '../support/ws-client.ts';

// Point 5 of issue 11: with the database really full mid-answer (SQLite refuses every write that
// needs another page: SQLITE_FULL), the client is never told `complete`; it hears `storage_failed`
// and gets a `done` with what the database holds, and the record is stored once space is back.

let double: OpenAIDouble;
let server: TestServer;
beforeAll(async () => {
  double = await startOpenAIDouble();
  server = await startServer({
    env: {
      OPENAI_API_KEY: 'k',
      OPENAI_BASE_URL: double.url,
      CACHIBOT_DEFAULT_MODEL: 'openai/gpt-4o-mini',
    },
  });
});
afterAll(async () => {
  await server.stop();
  await double.close();
  removeDir(server.dataDir);
});

const TOKENS = 4_000;

/** Caps the database file at its current size: every write that needs a new page fails. */
async function fillTheDisk(): Promise<number> {
  const { db } = server.cachibot.database;
  const { rows } = await sql<{ page_count: number }>`pragma page_count`.execute(db);
  const pages = Number(rows[0]?.page_count);
  await sql.raw(`pragma max_page_count = ${pages}`).execute(db);
  return pages;
}

async function freeTheDisk(): Promise<void> {
  await sql.raw('pragma max_page_count = 1073741823').execute(server.cachibot.database.db);
}

async function storedAnswer(messageId: string) {
  return server.cachibot.database.db
    .selectFrom('messages')
    .select(['content', 'status'])
    .where('id', '=', messageId)
    .executeTakeFirstOrThrow();
}

describe('a database that fills up mid-answer', () => {
  it(
    'never announces complete: storage_failed, then done with what is stored, and the record lands when space is back',
    async () => {
      const admin = await setupAdmin(server.url);
      const botId = (await admin.get('/api/bots')).body.bots[0].id;
      const ws = await WsClient.connect(server.wsUrl, admin.token as string);
      const { turnId, chatId } = await startTurn(ws, {
        botId,
        message: `A long one [[double tokens=${TOKENS} delay=2]]`,
      });
      await ws.waitFor('text_delta', (event) => event.payload.turnId === turnId && event.payload.seq >= 5);
      const pages = await fillTheDisk();

      const filledAt = Date.now();
      const done = await ws.waitFor('done', (event) => event.payload.turnId === turnId, scaled(45_000));
      const toldAfterMs = Date.now() - filledAt;
      const events = ws.turnEvents(turnId);
      expect(events.filter((event) => event.type === 'done')).toHaveLength(1);
      // Told before the end, in the turn's own order: the answer could not be saved.
      const errors = events.filter((event) => event.type === 'error');
      expect(errors.map((event) => [event.payload.code, event.payload.seq])).toEqual([
        ['storage_failed', done.payload.seq - 1],
      ]);
      const told = done.payload.message;
      expect(told.status).toBe('error');
      expect(told.metadata.error?.code).toBe('storage_failed');
      // The fault was real: the model's whole answer streamed, the database kept only a part of it.
      expect(textOf(events)).toBe(expectedText(TOKENS));
      expect(told.content.length).toBeLessThan(expectedText(TOKENS).length);
      expect(expectedText(TOKENS).startsWith(told.content)).toBe(true);

      // What the client was told is what the database holds (still `streaming`: the final write waits).
      const held = await storedAnswer(told.id);
      expect(held).toEqual({ content: told.content, status: 'streaming' });
      const pagesNow = await sql<{ page_count: number }>`pragma page_count`.execute(
        server.cachibot.database.db,
      );
      expect(Number(pagesNow.rows[0]?.page_count)).toBe(pages);

      // The server is still up and answering (reads work on a full disk).
      expect((await fetch(`${server.url}/api/health`)).status).toBe(200);
      const listed = (await admin.get(`/api/chats/${chatId}/messages`)).body.messages as Message[];
      expect(listed.find((message) => message.id === told.id)?.content).toBe(told.content);

      // Space comes back: the background retry stores exactly the record the client was told.
      await freeTheDisk();
      const freedAt = Date.now();
      let final: Message | undefined;
      await waitUntil(
        async () => {
          const messages = (await admin.get(`/api/chats/${chatId}/messages`)).body.messages as Message[];
          final = messages.find((message) => message.id === told.id);
          return final?.status === 'error';
        },
        'the background retry has stored the final record',
        scaled(20_000),
      );
      const storedAfterMs = Date.now() - freedAt;
      expect(final?.content).toBe(told.content);
      expect(final?.metadata.error?.code).toBe('storage_failed');
      console.info(
        `[fault-disk-full] streamed ${expectedText(TOKENS).length} chars, database held ${told.content.length}; ` +
          `done (storage_failed) ${toldAfterMs} ms after the disk filled; stored ${storedAfterMs} ms after space came back`,
      );

      // Its event log is whole: a client resuming from the start replays every seq up to that same
      // done (the batches refused meanwhile were kept and stored with it), and nothing says complete.
      const again = await WsClient.connect(server.wsUrl, admin.token as string);
      again.send('resume', { chatId, turnId, afterSeq: 0 });
      const replayedDone = await again.waitFor('done', (event) => event.payload.turnId === turnId);
      expect(replayedDone.payload).toMatchObject({ seq: done.payload.seq, message: told });
      const replayed = again.turnEvents(turnId);
      const seqs = coveredSeqs(replayed);
      expect(seqs).toEqual(seqs.map((_, index) => index + 1));
      expect(replayed.filter((event) => event.type === 'error').map((event) => event.payload.code)).toEqual([
        'storage_failed',
      ]);
      await again.close();

      // And the server goes on: the next answer is stored and complete.
      const next = await sendAndWait(ws, { botId, chatId, message: 'Still there? [[double tokens=5]]' });
      expect(next.done).toMatchObject({ status: 'complete', content: expectedText(5) });
      await ws.close();
    },
    scaled(60_000),
  );
});
