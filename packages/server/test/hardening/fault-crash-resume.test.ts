import type { Message } from '@cachibot/protocol';
import { expectedText, type OpenAIDouble, startOpenAIDouble } from '@cachibot/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setupAdmin } from '../support/api-client.ts';
import { scaled, waitUntil } from '../support/deadlines.ts';
import { ServerProcesses, sameUserAt, sharedStorage } from '../support/faults.ts';
import { coveredSeqs, startTurn, textOf } from '../support/turns.ts';
import { WsClient } from '../support/ws-client.ts';

// Point 4 of issue 11: after kill -9 and a restart on the same data, every client that resumes from
// the last seq it saw gets the end of its turn, and that end is what the database holds.

let double: OpenAIDouble;
const processes = new ServerProcesses();
beforeAll(async () => {
  double = await startOpenAIDouble();
});
afterAll(async () => {
  await processes.killAll();
  await double.close();
});

const TOKENS = 5_000; // far more than streams before the kill: every turn is cut mid-answer

const env = () => ({
  OPENAI_API_KEY: 'k',
  OPENAI_BASE_URL: double.url,
  CACHIBOT_DEFAULT_MODEL: 'openai/gpt-4o-mini',
  CACHIBOT_MAX_CONCURRENT_TURNS: '50',
  CACHIBOT_TURNS_PER_MINUTE: '1000',
  CACHIBOT_MAX_SOCKETS: '50',
  CACHIBOT_PERSIST_INTERVAL_MS: '100',
});

interface Lane {
  ws: WsClient;
  turnId: string;
  chatId: string;
}

type Ending = { kind: 'done'; message: Message; seq: number } | { kind: 'resync'; message: Message };

describe.each([
  ['sqlite', 20],
  ['postgres', 10],
] as const)('resume after kill -9 on %s', (engine, clients) => {
  it(
    `ends the turn for each of ${clients} clients resuming from their last seq, with the stored message`,
    async () => {
      const storage = await sharedStorage(engine);
      try {
        const first = await processes.start(storage, env());
        const admin = await setupAdmin(first.url);
        const botId = (await admin.get('/api/bots')).body.bots[0].id;

        const lanes: Lane[] = await Promise.all(
          Array.from({ length: clients }, async (_, index) => {
            const ws = await WsClient.connect(first.wsUrl, admin.token as string);
            const started = await startTurn(ws, {
              botId,
              message: `Lane ${index} [[double tokens=${TOKENS} delay=15]]`,
            });
            return { ws, ...started };
          }),
        );
        // Every client is mid-answer: it has seen some deltas, none has seen the end.
        await Promise.all(
          lanes.map((lane) =>
            lane.ws.waitFor(
              'text_delta',
              (event) => event.payload.turnId === lane.turnId && event.payload.seq >= 10,
              scaled(20_000),
            ),
          ),
        );
        // Every other client left before the crash (a closed laptop): the stored log has passed the
        // last seq it saw, so its resume replays stored deltas before the end.
        const leavers = lanes.filter((_, index) => index % 2 === 1);
        await Promise.all(leavers.map((lane) => lane.ws.close()));
        await Promise.all(
          leavers.map((lane) =>
            waitUntil(async () => {
              const { messages } = (await admin.get(`/api/chats/${lane.chatId}/messages`)).body;
              const stored = (messages as Message[]).find((message) => message.role === 'assistant');
              return (stored?.content.length ?? 0) > textOf(lane.ws.turnEvents(lane.turnId)).length;
            }, 'the stored answer to pass what a client that left saw'),
          ),
        );
        await processes.killHard(first);
        await Promise.all(lanes.map((lane) => lane.ws.close()));

        // What each client saw live: a gap-free run of seqs 1 … last, and some text.
        const seen = lanes.map((lane) => {
          const events = lane.ws.turnEvents(lane.turnId);
          const seqs = coveredSeqs(events);
          expect(seqs).toEqual(seqs.map((_, index) => index + 1));
          expect(events.some((event) => event.type === 'done')).toBe(false);
          return { lastSeq: seqs[seqs.length - 1] ?? 0, text: textOf(events) };
        });

        const second = await processes.start(storage, env());
        const api = sameUserAt(admin, second.url);
        const endings = await Promise.all(
          lanes.map(async (lane, index): Promise<Ending> => {
            const afterSeq = seen[index]?.lastSeq ?? 0;
            const ws = await WsClient.connect(second.wsUrl, admin.token as string);
            ws.send('resume', { chatId: lane.chatId, turnId: lane.turnId, afterSeq });
            const ending = await Promise.race([
              ws
                .waitFor('done', (event) => event.payload.turnId === lane.turnId, scaled(15_000))
                .then(
                  (event): Ending => ({
                    kind: 'done',
                    message: event.payload.message,
                    seq: event.payload.seq,
                  }),
                ),
              ws
                .waitFor('resync', (event) => event.payload.turnId === lane.turnId, scaled(15_000))
                .then((event): Ending => ({ kind: 'resync', message: event.payload.message })),
            ]);
            const replayed = ws.turnEvents(lane.turnId);
            await ws.close();

            const stored = (await api.get(`/api/chats/${lane.chatId}/messages`)).body.messages as Message[];
            const answer = stored.find((message) => message.role === 'assistant');
            expect(answer?.status).toBe('error');
            expect(answer?.metadata.error?.code).toBe('interrupted');
            expect(ending.message.status).toBe('error');
            expect(ending.message.content).toBe(answer?.content);
            expect(expectedText(TOKENS).startsWith(ending.message.content)).toBe(true);
            if (ending.kind === 'done') {
              expect(ending.message.metadata.error?.code).toBe('interrupted');
              // A `done` continues exactly the run the client had: the seqs after the last one it saw,
              // none it already had under another event, so what it assembled is what is stored.
              const seqs = coveredSeqs(replayed);
              expect(seqs).toEqual(seqs.map((_, offset) => afterSeq + 1 + offset));
              expect(seqs[seqs.length - 1]).toBe(ending.seq);
              expect((seen[index]?.text ?? '') + textOf(replayed)).toBe(ending.message.content);
            }
            return ending;
          }),
        );
        // Recovery stored its error + done at last_seq + 1 and + 2 of the dead process's log. A client
        // that saw the first of those seqs live (as a delta) and resumes from it must get the stored
        // message as `resync`: a replayed `done` would leave that delta in its text.
        let sawRecoveredSeq = 0;
        for (const [index, lane] of lanes.entries()) {
          const [turn] = await storage.query<{ last_seq: number }>(
            'select last_seq from turns where id = ?',
            [lane.turnId],
          );
          const errorSeq = Number(turn?.last_seq) - 1;
          if ((seen[index]?.lastSeq ?? 0) < errorSeq) continue;
          sawRecoveredSeq++;
          const ws = await WsClient.connect(second.wsUrl, admin.token as string);
          ws.send('resume', { chatId: lane.chatId, turnId: lane.turnId, afterSeq: errorSeq });
          const resync = await ws.waitFor('resync', (event) => event.payload.turnId === lane.turnId);
          expect(resync.payload.message).toEqual(endings[index]?.message);
          expect(ws.turnEvents(lane.turnId)).toEqual([]);
          await ws.close();
        }
        expect(sawRecoveredSeq).toBeGreaterThan(0);

        // Those that left early are behind the stored log: theirs is a replay, then error + done.
        expect(endings.filter((_, index) => index % 2 === 1).map((ending) => ending.kind)).toEqual(
          leavers.map(() => 'done'),
        );
        const viaDone = endings.filter((ending) => ending.kind === 'done').length;
        console.info(
          `[fault-crash-resume ${engine}] ${clients} clients: ${viaDone} ended by done, ${clients - viaDone} by resync; ${sawRecoveredSeq} had seen the recovered error's seq live`,
        );
        expect(endings).toHaveLength(clients);
        await processes.killHard(second);
      } finally {
        await processes.killAll();
        await storage.cleanup();
      }
    },
    scaled(90_000),
  );
});
