import type { Message, TurnEvent } from '@cachibot/protocol';
import { expectedText, type OpenAIDouble, startOpenAIDouble } from '@cachibot/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiClient, setupAdmin } from '../support/api-client.ts';
import { scaled, waitUntil } from '../support/deadlines.ts';
import { ServerProcesses, sameUserAt, sharedStorage } from '../support/faults.ts';
import { coveredSeqs, startTurn, textOf } from '../support/turns.ts';
import { WsClient } from '../support/ws-client.ts';

// Point 6 of issue 11: a second process on the same database (SQLite file or PostgreSQL schema)
// leaves the first one's live turns alone, and closes them once their process is really gone.

let double: OpenAIDouble;
const processes = new ServerProcesses();
beforeAll(async () => {
  double = await startOpenAIDouble();
});
afterAll(async () => {
  await processes.killAll();
  await double.close();
});

const LEASE_MS = 1_000;

const env = () => ({
  OPENAI_API_KEY: 'k',
  OPENAI_BASE_URL: double.url,
  CACHIBOT_DEFAULT_MODEL: 'openai/gpt-4o-mini',
  CACHIBOT_TURN_LEASE_MS: String(LEASE_MS),
  CACHIBOT_PERSIST_INTERVAL_MS: '100',
});

async function answerOf(api: ApiClient, chatId: string): Promise<Message | undefined> {
  const { messages } = (await api.get(`/api/chats/${chatId}/messages`)).body as { messages: Message[] };
  return messages.filter((message) => message.role === 'assistant').at(-1);
}

/** The turn's stored event log, as a client resuming from the start gets it. */
async function storedLog(wsUrl: string, token: string, chatId: string, turnId: string) {
  const ws = await WsClient.connect(wsUrl, token);
  ws.send('resume', { chatId, turnId, afterSeq: 0 });
  await ws.waitFor('done', (event) => event.payload.turnId === turnId);
  const events = ws.turnEvents(turnId);
  await ws.close();
  return events;
}

const mentionsInterrupted = (events: TurnEvent[]) => JSON.stringify(events).includes('interrupted');

describe.each(['sqlite', 'postgres'] as const)('a second process on the same %s database', (engine) => {
  it(
    'leaves the first one’s streaming turn alone, and closes it as interrupted once the first is killed',
    async () => {
      const storage = await sharedStorage(engine);
      try {
        const a = await processes.start(storage, env());
        const admin = await setupAdmin(a.url);
        const botId = (await admin.get('/api/bots')).body.bots[0].id;
        const wsA = await WsClient.connect(a.wsUrl, admin.token as string);
        // Long enough that B starts, and renews its leases a few times, while this answer streams.
        const tokens = 400;
        const { turnId, chatId } = await startTurn(wsA, {
          botId,
          message: `Keep going [[double tokens=${tokens} delay=25]]`,
        });
        await wsA.waitFor('text_delta', (event) => event.payload.turnId === turnId);

        // B starts (and runs its recovery, then its lease timer) while A's answer streams.
        const b = await processes.start(storage, env());
        const apiB = sameUserAt(admin, b.url);
        expect(wsA.turnEvents(turnId).some((event) => event.type === 'done')).toBe(false);
        expect((await answerOf(apiB, chatId))?.status).toBe('streaming');
        const bUpAt = Date.now();
        const done = await wsA.waitFor('done', (event) => event.payload.turnId === turnId, scaled(30_000));
        // B's recovery ran at its start, and its lease timer (every lease / 3) several times since.
        expect(Date.now() - bUpAt).toBeGreaterThan(2 * LEASE_MS);
        expect(done.payload.message).toMatchObject({ status: 'complete', content: expectedText(tokens) });
        const liveEvents = wsA.turnEvents(turnId);
        expect(textOf(liveEvents)).toBe(expectedText(tokens));
        expect(mentionsInterrupted(liveEvents)).toBe(false);
        // Stored as complete, seen from B; the log B serves is A's, whole, without an interruption.
        expect(await answerOf(apiB, chatId)).toMatchObject({
          status: 'complete',
          content: expectedText(tokens),
        });
        const log = await storedLog(b.wsUrl, admin.token as string, chatId, turnId);
        const seqs = coveredSeqs(log);
        expect(seqs).toEqual(seqs.map((_, index) => index + 1));
        expect(seqs.at(-1)).toBe(done.payload.seq);
        expect(log.filter((event) => event.type === 'error')).toEqual([]);
        expect(mentionsInterrupted(log)).toBe(false);
        expect(textOf(log)).toBe(expectedText(tokens));

        // A dies mid-answer: B, still running, closes that turn as interrupted within the lease.
        const second = await startTurn(wsA, {
          botId,
          chatId,
          message: `Cut me off [[double tokens=5000 delay=25]]`,
        });
        await wsA.waitFor(
          'text_delta',
          (event) => event.payload.turnId === second.turnId && event.payload.seq >= 5,
        );
        await waitUntil(
          async () => ((await answerOf(apiB, chatId))?.content.length ?? 0) > 0,
          'a batch of the second answer is stored',
        );
        const seenBeforeKill = textOf(wsA.turnEvents(second.turnId));
        await processes.killHard(a);
        const killedAt = Date.now();
        let closed: Message | undefined;
        await waitUntil(
          async () => {
            closed = await answerOf(apiB, chatId);
            return closed?.status === 'error';
          },
          'B has closed the dead process’s turn',
          scaled(10_000),
        );
        const closedAfterMs = Date.now() - killedAt;
        console.info(
          `[fault-second-process ${engine}] B closed A's turn ${closedAfterMs} ms after kill -9 (lease ${LEASE_MS} ms)`,
        );
        expect(closed?.metadata.error?.code).toBe('interrupted');
        expect(closed?.content.length).toBeGreaterThan(0);
        expect(seenBeforeKill.startsWith(closed?.content ?? '-')).toBe(true);
        // Same host: the owner's pid is gone, so B's next lease round (every lease / 3) closes it.
        expect(closedAfterMs).toBeLessThan(scaled(LEASE_MS));
        await wsA.close();

        // A client of A that comes back on B gets the end of that turn.
        const back = await WsClient.connect(b.wsUrl, admin.token as string);
        back.send('resume', { chatId, turnId: second.turnId, afterSeq: 0 });
        const end = await back.waitFor('done', (event) => event.payload.turnId === second.turnId);
        expect(end.payload.message).toMatchObject({ status: 'error', content: closed?.content });
        await back.close();
        await processes.killHard(b);
      } finally {
        await processes.killAll();
        await storage.cleanup();
      }
    },
    scaled(60_000),
  );
});
