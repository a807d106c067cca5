import type { ServerEvent, TurnEvent } from '@cachibot/protocol';
import type { EventBus } from '../bus/event-bus.ts';
import { toMessage } from '../chats/message-repository.ts';
import { notFound } from '../errors.ts';
import type { LiveTurnRegistry } from '../turns/live-turn.ts';
import type { TurnRepository } from '../turns/turn-repository.ts';

/** What a follower needs of a socket: deliver (deduplicated by seq), send, and chat subscriptions. */
export interface Follower {
  deliver(event: TurnEvent): void;
  send(event: ServerEvent): void;
  isFollowing(chatId: string): boolean;
  follow(chatId: string, unsubscribe: () => void): void;
}

export interface FollowDeps {
  bus: EventBus;
  live: Pick<LiveTurnRegistry, 'get' | 'latestOfChat'>;
  turns: Pick<TurnRepository, 'findTurn' | 'latestTurnOfChat' | 'loadEvents' | 'findMessage'>;
}

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
  let live = turnId ? deps.live.get(turnId) : deps.live.latestOfChat(chatId);
  // A named turn must belong to the (already authorised) chat: anything else is someone else's.
  const named = turnId && !live ? await deps.turns.findTurn(turnId) : undefined;
  if (turnId && (live ? live.init.chatId : named?.chat_id) !== chatId) throw notFound('Turn');
  // A turn is committed just before it is registered live: look in memory again after the query.
  if (named) live = deps.live.get(named.id);
  if (!follower.isFollowing(chatId)) {
    follower.follow(
      chatId,
      deps.bus.subscribe(chatId, (event) => follower.deliver(event)),
    );
  }
  if (live) {
    for (const event of live.eventsAfter(afterSeq)) follower.deliver(event);
    return;
  }
  const turn = named ?? (await deps.turns.latestTurnOfChat(chatId));
  if (!turn || turn.chat_id !== chatId || turn.last_seq <= afterSeq) return;
  const events = await deps.turns.loadEvents(turn.id, afterSeq);
  const complete = events.length === turn.last_seq - afterSeq && events[0]?.payload.seq === afterSeq + 1;
  if (complete) {
    for (const event of events) follower.deliver(event);
    return;
  }
  const message = await deps.turns.findMessage(turn.assistant_message_id);
  if (message) {
    follower.send({
      type: 'resync',
      payload: { chatId, turnId: turn.id, botId: turn.bot_id, message: toMessage(message) },
    });
  }
}
