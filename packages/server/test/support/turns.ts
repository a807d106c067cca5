import type { Message, ServerEvent, TurnEvent } from '@cachibot/protocol';
import { scaled } from './deadlines.ts';
import type { WsClient } from './ws-client.ts';

let counter = 0;
export const clientMessageId = () => `cm-${Date.now()}-${++counter}`;

export interface SentTurn {
  turnId: string;
  chatId: string;
  events: TurnEvent[];
  done: Message;
}

/** Sends a `chat` frame and waits for that turn's `done`. */
export async function sendAndWait(
  ws: WsClient,
  payload: {
    botId: string;
    message: string;
    chatId?: string;
    model?: string;
    clientMessageId?: string;
    replyToId?: string;
  },
  timeoutMs = scaled(15_000),
): Promise<SentTurn> {
  const id = payload.clientMessageId ?? clientMessageId();
  const started = startTurn(ws, { ...payload, clientMessageId: id });
  const { turnId, chatId } = await started;
  const done = await ws.waitFor('done', (event) => event.payload.turnId === turnId, timeoutMs);
  return { turnId, chatId, events: ws.turnEvents(turnId), done: done.payload.message };
}

/** Sends a `chat` frame and resolves at its `turn_started`, or rejects on its `error`. */
export async function startTurn(
  ws: WsClient,
  payload: {
    botId: string;
    message: string;
    chatId?: string;
    model?: string;
    clientMessageId?: string;
    replyToId?: string;
  },
): Promise<{ turnId: string; chatId: string }> {
  const id = payload.clientMessageId ?? clientMessageId();
  ws.send('chat', { ...payload, clientMessageId: id });
  const started = ws.waitFor(
    'turn_started',
    (event) => event.payload.userMessage.content === payload.message,
  );
  const failed = ws
    .waitFor('error', (event) => (event.payload as { clientMessageId?: string }).clientMessageId === id)
    .then((event) => {
      throw Object.assign(new Error(`chat refused: ${event.payload.code} ${event.payload.message}`), {
        code: event.payload.code,
      });
    });
  const event = await Promise.race([started, failed]);
  return { turnId: event.payload.turnId, chatId: event.payload.chatId };
}

export const textOf = (events: ServerEvent[]) =>
  events
    .filter((event) => event.type === 'text_delta')
    .map((event) => (event.payload as { delta: string }).delta)
    .join('');

/** The seqs a list of turn events stands for: a replayed delta with `fromSeq` covers fromSeq … seq. */
export const coveredSeqs = (events: ServerEvent[]): number[] =>
  events.flatMap((event) => {
    const { seq, fromSeq } = event.payload as { seq: number; fromSeq?: number };
    const first = fromSeq ?? seq;
    return Array.from({ length: seq - first + 1 }, (_, index) => first + index);
  });
