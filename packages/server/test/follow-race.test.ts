import type { ServerEvent, TurnEvent } from '@cachibot/protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InProcessEventBus } from '../src/bus/event-bus.ts';
import type { MessageTable, TurnTable } from '../src/db/schema.ts';
import { ClientConnection } from '../src/gateway/client-connection.ts';
import { LiveTurn } from '../src/turns/live-turn.ts';
import { type FollowDeps, followTurn } from '../src/turns/turn-follower.ts';

/** A socket stand-in that records what ClientConnection actually sends. */
function recordingConnection() {
  const received: ServerEvent[] = [];
  const socket = {
    readyState: 1,
    OPEN: 1,
    bufferedAmount: 0,
    send: (data: string) => received.push(JSON.parse(data)),
  };
  return { connection: new ClientConnection(socket as never, 'u1', 's1'), received };
}

describe('replay versus live delivery', () => {
  it('never loses or duplicates an event however appends, batch writes, retirement and resumes interleave', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.scheduler(),
        fc.integer({ min: 1, max: 12 }),
        fc.array(fc.boolean(), { minLength: 12, maxLength: 12 }),
        fc.integer({ min: 1, max: 4 }),
        fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }),
        async (s, deltas, persistAfter, resumes, actions) => {
          const bus = new InProcessEventBus();
          const turn = new LiveTurn(
            { id: 't1', userId: 'u1', chatId: 'c1', botId: 'b1', assistantMessageId: 'm1' },
            bus,
          );
          const live = new Map<string, LiveTurn>([['t1', turn]]);
          let persisted: TurnEvent[] = [];
          const turnRow = (): TurnTable =>
            ({
              id: 't1',
              chat_id: 'c1',
              bot_id: 'b1',
              assistant_message_id: 'm1',
              last_seq: persisted.length,
            }) as TurnTable;
          const deps: FollowDeps = {
            bus,
            live: {
              get: (id) => live.get(id),
              latestOfChat: () => live.get('t1'),
              runningOfChat: () => [...live.values()].filter((turn) => !turn.finished),
            },
            turns: {
              findTurn: () => s.schedule(Promise.resolve(turnRow())),
              latestTurnOfChat: () => s.schedule(Promise.resolve(turnRow())),
              loadEvents: (_id, after) =>
                s.schedule(Promise.resolve(persisted.filter((event) => event.payload.seq > after))),
              findMessage: () => s.schedule(Promise.resolve({ metadata: '{}' } as MessageTable)),
            },
          };
          const producer = (async () => {
            turn.emit('turn_started', {} as never);
            for (let i = 0; i < deltas; i++) {
              await s.schedule(Promise.resolve(), `delta ${i}`);
              turn.emit('text_delta', { messageId: 'm1', delta: `d${i}` });
              if (persistAfter[i]) persisted = [...turn.events];
            }
            await s.schedule(Promise.resolve(), 'finish');
            turn.emit('done', { message: {} as never });
            persisted = [...turn.events];
            turn.markFinished();
            await s.schedule(Promise.resolve(), 'retire');
            live.delete('t1');
          })();
          // One client: sometimes it reconnects (a new socket resumes from the last seq it saw), sometimes
          // it sends a second resume on the same socket while the first is still in flight.
          const all: ServerEvent[] = [];
          let current = recordingConnection();
          const lastSeen = () => {
            const seqs = all
              .concat(current.received)
              .filter((e) => e.type !== 'resync')
              .map((e) => (e as TurnEvent).payload.seq);
            return seqs.length ? Math.max(...seqs) : 0;
          };
          const resumers = actions.slice(0, resumes).map(async (reconnect, index) => {
            await s.schedule(Promise.resolve(), `resume ${index}`);
            if (reconnect && index > 0) {
              current.connection.close();
              all.push(...current.received.splice(0));
              current = recordingConnection();
            }
            const target = current;
            await followTurn(target.connection, deps, 'c1', index % 2 === 0 ? 't1' : undefined, lastSeen());
          });
          await s.waitAll();
          await Promise.all([producer, ...resumers]);
          all.push(...current.received.splice(0));
          const received = all;

          // A replay may join consecutive deltas into one event standing for fromSeq … seq.
          const seqs = received.flatMap((event) => {
            const { seq, fromSeq } = (event as TurnEvent).payload as { seq: number; fromSeq?: number };
            return Array.from({ length: seq - (fromSeq ?? seq) + 1 }, (_, i) => (fromSeq ?? seq) + i);
          });
          const total = turn.events.length;
          expect(received.every((event) => event.type !== 'resync')).toBe(true);
          expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1));
          // Once any resume ran, the follower ends with the whole turn.
          expect(seqs.length).toBe(total);
        },
      ),
      // A fixed seed: every run checks the same 1 000 interleavings, and a failure replays as it was.
      { numRuns: 1000, seed: 20_261_202 },
    );
  });
});
