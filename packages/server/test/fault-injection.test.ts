import type { TurnEvent } from '@cachibot/protocol';
import {
  expectedText,
  type FaultProxy,
  type OpenAIDouble,
  startFaultProxy,
  startOpenAIDouble,
} from '@cachibot/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { type ApiClient, setupAdmin } from './support/api-client.ts';
import { scaled, TIME_SCALE } from './support/deadlines.ts';
import { removeDir, startServer, type TestServer } from './support/server.ts';
import { clientMessageId } from './support/turns.ts';

let double: OpenAIDouble;
let server: TestServer;
let proxy: FaultProxy;
let admin: ApiClient;
let botId: string;

beforeAll(async () => {
  double = await startOpenAIDouble();
  server = await startServer({
    env: {
      OPENAI_API_KEY: 'k',
      OPENAI_BASE_URL: double.url,
      CACHIBOT_DEFAULT_MODEL: 'openai/gpt-4o-mini',
      // Ten lanes, one turn each at a time as the client sees it; a turn that has sent `done` may still
      // hold its slot for a moment (the final write), so the cap is well above 10: admission is not
      // what this test is about.
      CACHIBOT_MAX_CONCURRENT_TURNS: '50',
      CACHIBOT_TURNS_PER_MINUTE: '10000',
      // Ten lanes reconnect after every cut: far above a person's rate, by design of this test.
      CACHIBOT_WS_UPGRADES_PER_SECOND: '10000',
      CACHIBOT_WS_RESUMES_PER_SECOND: '10000',
    },
  });
  admin = await setupAdmin(server.url);
  botId = (await admin.get('/api/bots')).body.bots[0].id;
  proxy = await startFaultProxy({ targetPort: Number(new URL(server.url).port), cutAfterBytes: [300, 3000] });
});
afterAll(async () => {
  await proxy.close();
  await server.stop();
  await double.close();
  removeDir(server.dataDir);
});

interface Outcome {
  seqs: number[];
  text: string;
  disconnects: number;
  final?: TurnEvent;
}

/**
 * A client that never gives up: through the faulty proxy it sends the message, and after every cut it
 * reconnects and either re-sends it (same clientMessageId, when it never saw `turn_started`) or resumes
 * from the last seq it saw.
 */
async function runThroughFaults(message: string): Promise<Outcome> {
  const id = clientMessageId();
  const outcome: Outcome = { seqs: [], text: '', disconnects: 0 };
  let turnId: string | undefined;
  let chatId: string | undefined;
  for (let attempt = 0; attempt < 500 && !outcome.final; attempt++) {
    await new Promise<void>((resolve, reject) => {
      const ws = new WebSocket(`ws://127.0.0.1:${proxy.port}/ws`, {
        headers: { authorization: `Bearer ${admin.token}` },
      });
      ws.on('open', () => {
        const lastSeq = outcome.seqs[outcome.seqs.length - 1] ?? 0;
        if (turnId)
          ws.send(JSON.stringify({ type: 'resume', payload: { chatId, turnId, afterSeq: lastSeq } }));
        else ws.send(JSON.stringify({ type: 'chat', payload: { clientMessageId: id, botId, message } }));
      });
      ws.on('message', (data) => {
        const event = JSON.parse(String(data)) as TurnEvent;
        if (event.type === 'error' && !('seq' in event.payload)) {
          ws.terminate();
          reject(new Error(`refused: ${JSON.stringify(event.payload)}`));
          return;
        }
        if (!turnId && event.type === 'turn_started' && event.payload.userMessage.content === message) {
          turnId = event.payload.turnId;
          chatId = event.payload.chatId;
        }
        if (!turnId || event.payload.turnId !== turnId) return;
        // A replay joins consecutive deltas into one event standing for fromSeq … seq.
        const { seq } = event.payload;
        const fromSeq = (event.payload as { fromSeq?: number }).fromSeq ?? seq;
        for (let covered = fromSeq; covered <= seq; covered++) outcome.seqs.push(covered);
        if (event.type === 'text_delta') outcome.text += event.payload.delta;
        if (event.type === 'done') {
          outcome.final = event;
          ws.close();
        }
      });
      ws.on('error', () => {});
      ws.on('close', () => {
        if (!outcome.final) outcome.disconnects++;
        resolve();
      });
    });
  }
  return outcome;
}

// RELIABILITY target 2: at least 1 500 disconnects across (at least) 500 turns per run. How many cuts a
// turn gets depends on the machine: on a busy one a turn often ends before its client is back, and the
// replay (stored text runs as one delta each) is shorter than the live stream. So the lanes go on past
// 500 turns until the disconnects reach the target, up to MAX_TURNS, and the time allowed follows from
// the turns allowed, not from a fixed figure.
const LANES = 10;
const MIN_TURNS = 500;
const MIN_DISCONNECTS = 1500;
const MAX_TURNS = 1500;
const TOKENS = 40;
/** About 40 ms of work per turn on an idle machine with 10 lanes; a second per turn and lane allowed. */
const BUDGET_MS = scaled((MAX_TURNS / LANES) * 1_000);

describe('answers survive a network that keeps breaking', () => {
  it(
    `delivers ${MIN_TURNS} turns exactly once and in order across at least ${MIN_DISCONNECTS} forced disconnects`,
    async ({ annotate }) => {
      const started = Date.now();
      const results: Outcome[] = [];
      let disconnects = 0;
      let turns = 0;
      const more = () => turns < MIN_TURNS || (disconnects < MIN_DISCONNECTS && turns < MAX_TURNS);
      await Promise.all(
        Array.from({ length: LANES }, async (_, lane) => {
          while (more()) {
            const turn = turns++;
            const result = await runThroughFaults(
              `lane ${lane} turn ${turn} [[double tokens=${TOKENS} delay=2]]`,
            );
            disconnects += result.disconnects;
            results.push(result);
          }
        }),
      );
      let lost = 0;
      let duplicated = 0;
      for (const result of results) {
        const last = result.final?.payload.seq ?? 0;
        expect(result.final?.type).toBe('done');
        duplicated += result.seqs.length - new Set(result.seqs).size;
        lost += last - new Set(result.seqs).size;
        expect(result.seqs).toEqual(Array.from({ length: last }, (_, index) => index + 1));
        expect(result.text).toBe(expectedText(TOKENS));
      }
      expect({ lost, duplicated }).toEqual({ lost: 0, duplicated: 0 });
      const summary = `${results.length} turns, lost ${lost} / duplicated ${duplicated} across ${disconnects} disconnects in ${((Date.now() - started) / 1000).toFixed(1)} s (time scale ${TIME_SCALE})`;
      process.stderr.write(`fault injection: ${summary}\n`);
      await annotate(summary);
      expect(results.length).toBeGreaterThanOrEqual(MIN_TURNS);
      expect(disconnects, `lost 0 / duplicated 0 across ${disconnects} disconnects`).toBeGreaterThanOrEqual(
        MIN_DISCONNECTS,
      );
      // Disconnecting is not cancelling: one provider call per turn, none aborted.
      expect(double.requests).toHaveLength(results.length);
      expect(double.requests.filter((request) => request.aborted)).toHaveLength(0);
    },
    BUDGET_MS,
  );
});
