import type { ServerEvent, TurnEvent } from '@cachibot/protocol';
import type { EventBus } from '../bus/event-bus.ts';
import { toMessage } from '../chats/message-repository.ts';
import type { TurnTable } from '../db/schema.ts';
import { notFound } from '../errors.ts';
import type { LiveTurnRegistry } from './live-turn.ts';
import type { TurnRepository } from './turn-repository.ts';

/** What a follower needs of a socket: deliver (deduplicated by seq), send, and chat subscriptions. */
export interface Follower {
  deliver(event: TurnEvent): void;
  send(event: ServerEvent): void;
  isFollowing(chatId: string): boolean;
  follow(chatId: string, unsubscribe: () => void): void;
  /** Waits until the transport has room again (a slow reader must not be flooded by a replay). */
  drained?(): Promise<void>;
  /** Delivers an event of the replay itself, past a hold (else `deliver` is used). */
  deliverReplay?(event: TurnEvent): void;
  /** Holds the chat's live events until released (they go out after the replay, deduplicated). */
  hold?(chatId: string): () => void;
  /** The client has the turn up to `seq`: later events go out again even if they were sent before. */
  rewind?(turnId: string, seq: number): void;
}

export interface FollowDeps {
  bus: EventBus;
  live: Pick<LiveTurnRegistry, 'get' | 'latestOfChat' | 'runningOfChat'>;
  turns: Pick<TurnRepository, 'findTurn' | 'latestTurnOfChat' | 'loadEvents' | 'findMessage'>;
}

/** A stored gap larger than this many events is answered with one `resync` snapshot. */
export const MAX_REPLAY_EVENTS = 50_000;
/** A joined delta of a replay holds at most this much text; longer runs go in several events. */
const MAX_JOINED_CHARS = 64 * 1024;

/**
 * Joins consecutive text (or reasoning) deltas of one message into one event with `fromSeq`: a 40 000
 * token answer replays as a few frames, not 40 000.
 */
export function coalesceDeltas(events: TurnEvent[]): TurnEvent[] {
  const out: TurnEvent[] = [];
  for (const event of events) {
    const last = out[out.length - 1];
    if (
      last &&
      (event.type === 'text_delta' || event.type === 'reasoning_delta') &&
      last.type === event.type &&
      last.payload.messageId === event.payload.messageId &&
      last.payload.seq + 1 === event.payload.seq &&
      last.payload.delta.length + event.payload.delta.length <= MAX_JOINED_CHARS
    ) {
      const fromSeq = last.payload.fromSeq ?? last.payload.seq;
      out[out.length - 1] = {
        type: event.type,
        payload: { ...event.payload, fromSeq, delta: last.payload.delta + event.payload.delta },
      } as TurnEvent;
      continue;
    }
    out.push(event);
  }
  return out;
}

/** Whether `done` was stored by recovery: live clients may have seen other events at those seqs. */
const wasRecovered = (message: { metadata: string }) =>
  (JSON.parse(message.metadata) as { error?: { code?: string } }).error?.code === 'interrupted';

/**
 * Subscribes a socket to a chat's events and replays what it missed of one turn (the given one, else
 * the chat's latest). A live turn is replayed from memory in the same tick as the subscription, so no
 * event can fall between replay and live delivery; a finished one comes from the database log, or as
 * a `resync` snapshot when the log cannot fill the gap. The caller has checked ownership.
 */
export async function followTurn(
  follower: Follower,
  deps: FollowDeps,
  chatId: string,
  turnId: string | undefined,
  afterSeq: number,
): Promise<void> {
  // Subscribed before anything is read, and held until the replay is out: a live event (from this
  // instance or, through Redis, another one) can neither fall between replay and live delivery nor
  // overtake the replay.
  if (!follower.isFollowing(chatId)) {
    follower.follow(
      chatId,
      deps.bus.subscribe(chatId, (event) => follower.deliver(event)),
    );
  }
  const release = follower.hold?.(chatId);
  try {
    await replay(follower, deps, chatId, turnId, afterSeq);
  } finally {
    release?.();
  }
}

const replayOne = (follower: Follower, event: TurnEvent) =>
  follower.deliverReplay ? follower.deliverReplay(event) : follower.deliver(event);

async function replay(
  follower: Follower,
  deps: FollowDeps,
  chatId: string,
  turnId: string | undefined,
  afterSeq: number,
): Promise<void> {
  let live = turnId ? deps.live.get(turnId) : deps.live.latestOfChat(chatId);
  // A named turn must belong to the (already authorised) chat: anything else is someone else's.
  const named = turnId && !live ? await deps.turns.findTurn(turnId) : undefined;
  if (turnId && (live ? live.init.chatId : named?.chat_id) !== chatId) throw notFound('Turn');
  // A turn is committed just before it is registered live: look in memory again after the query.
  if (named) live = deps.live.get(named.id);
  if (live) {
    // Without a turn named, every running turn of the chat (a compare runs several) is followed.
    const running = turnId ? [] : deps.live.runningOfChat(chatId).filter((turn) => turn !== live);
    for (const turn of [...running, live]) {
      follower.rewind?.(turn.id, afterSeq);
      for (const event of coalesceDeltas(turn.eventsAfter(afterSeq))) replayOne(follower, event);
    }
    return;
  }
  const turn = named ?? (await deps.turns.latestTurnOfChat(chatId));
  if (!turn || turn.chat_id !== chatId) return;
  follower.rewind?.(turn.id, afterSeq);
  await replayStored(follower, deps, turn, afterSeq);
}

/** How long a resume of a turn running on another instance waits for its next batch to be stored. */
const REMOTE_BATCH_WAIT_MS = 3_000;

/**
 * A turn running on another instance is stored in batches; its live events (through Redis) run ahead of
 * them. A client that needs events after the stored end waits for the next batch, which holds them,
 * instead of getting a snapshot of an answer still streaming.
 */
async function awaitNewerBatch(deps: FollowDeps, turn: TurnTable, afterSeq: number): Promise<TurnTable> {
  const deadline = Date.now() + REMOTE_BATCH_WAIT_MS;
  let current = turn;
  while (current.status === 'running' && Number(current.last_seq) <= afterSeq && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    current = (await deps.turns.findTurn(turn.id)) ?? current;
  }
  return current;
}

async function replayStored(
  follower: Follower,
  deps: FollowDeps,
  stored: TurnTable,
  afterSeq: number,
): Promise<void> {
  const turn =
    stored.status === 'running' && Number(stored.last_seq) <= afterSeq
      ? await awaitNewerBatch(deps, stored, afterSeq)
      : stored;
  const lastSeq = Number(turn.last_seq);
  if (lastSeq < afterSeq) {
    // The client saw events the database never stored (a crash between batches): only a snapshot
    // of what is stored can bring it back in line.
    return sendResync(follower, deps, turn);
  }
  if (lastSeq - afterSeq <= 1) {
    // Recovery stores its error + done at the two seqs after the log's end, and never sends them live:
    // a client that has either seq saw another event there (the dead process's delta), so a replay
    // of `done` would leave that delta in its text. Only the stored message brings it back in line.
    const message = await deps.turns.findMessage(turn.assistant_message_id);
    if (message && wasRecovered(message)) return sendSnapshot(follower, turn, message);
    if (lastSeq === afterSeq) return;
  }
  if (lastSeq - afterSeq > MAX_REPLAY_EVENTS) return sendResync(follower, deps, turn);
  const events = await deps.turns.loadEvents(turn.id, afterSeq);
  const complete = events.length === lastSeq - afterSeq && events[0]?.payload.seq === afterSeq + 1;
  if (!complete) return sendResync(follower, deps, turn);
  for (const event of coalesceDeltas(events)) {
    replayOne(follower, event);
    await follower.drained?.();
  }
}

async function sendResync(follower: Follower, deps: FollowDeps, turn: TurnTable): Promise<void> {
  const message = await deps.turns.findMessage(turn.assistant_message_id);
  if (message) sendSnapshot(follower, turn, message);
}

function sendSnapshot(
  follower: Follower,
  turn: TurnTable,
  message: NonNullable<Awaited<ReturnType<FollowDeps['turns']['findMessage']>>>,
): void {
  follower.send({
    type: 'resync',
    payload: { chatId: turn.chat_id, turnId: turn.id, botId: turn.bot_id, message: toMessage(message) },
  });
}
