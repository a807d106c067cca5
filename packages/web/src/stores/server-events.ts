import type { Chat, ErrorInfo, Message, ServerEvent, TurnEvent, TurnFields } from '@cachibot/protocol';
import { useCompareStore } from './compare-store.ts';
import { useEntitiesStore } from './entities-store.ts';
import { useMessagesStore } from './messages-store.ts';
import { showError } from './toast-store.ts';
import { newTurn, type PendingSend, type TurnState, useTurnsStore } from './turns-store.ts';
import { modelScope } from './ui-store.ts';

/** What applying an event may need from the outside world (the socket, navigation, retries). */
export interface ServerEventEffects {
  /** Ask the server to replay a turn after `afterSeq` (a gap in `seq`, or a turn first seen mid-way). */
  requestResume(frame: { chatId: string; turnId?: string; afterSeq?: number }): void;
  /** The server has this send (or refused it): stop re-sending it on reconnect. */
  acknowledgeSend(clientMessageId: string): void;
  /** The first message of a draft created this chat. */
  chatCreated?(chat: Chat): void;
  /** A turn of this chat ended (`done`): its server-kept totals changed. */
  turnEnded?(chatId: string): void;
  retrySend?(clientMessageId: string): void;
  retryTurn?(turn: TurnState): void;
}

type LoneError = { code: string; message: string; clientMessageId?: string };

function isTurnFields(payload: object): payload is TurnFields {
  const fields = payload as Partial<TurnFields>;
  return (
    typeof fields.turnId === 'string' && typeof fields.chatId === 'string' && typeof fields.seq === 'number'
  );
}

/** Applies one server event to the stores. Events of any number of turns may arrive interleaved. */
export function handleServerEvent(event: ServerEvent, effects: ServerEventEffects): void {
  switch (event.type) {
    case 'pong':
      return;
    case 'resync':
      applyResync(event.payload, effects);
      return;
    case 'error':
      if (!isTurnFields(event.payload)) {
        applyLoneError(event.payload as LoneError, effects);
        return;
      }
      break;
    default:
      if (!isTurnFields(event.payload)) return; // unknown event kinds are ignored, not fatal
  }
  const turnEvent = event as TurnEvent;
  if (admitTurnEvent(turnEvent.payload, effects)) applyTurnEvent(turnEvent, effects);
}

/**
 * The `seq` gate: applies each turn's events exactly once and in order. A duplicate (replay after a
 * reconnect) is dropped; a gap asks the server to replay from the last applied event and drops the
 * early arrival, which the replay brings again.
 */
function admitTurnEvent(fields: TurnFields, effects: ServerEventEffects): boolean {
  const store = useTurnsStore.getState();
  const turn = store.turns[fields.turnId] ?? newTurn(fields);
  if (!store.turns[fields.turnId]) store.upsertTurn(turn);
  // Its stored answer is on screen (`done`, or the stored copy after a reconnect): a late replay of the
  // same turn must not append to it.
  if (turn.status === 'finished') return false;
  if (fields.seq <= turn.lastSeq) return false;
  // A replay joins consecutive deltas into one event standing for seqs fromSeq … seq.
  const first = (fields as TurnFields & { fromSeq?: number }).fromSeq ?? fields.seq;
  if (first !== turn.lastSeq + 1) {
    if (!turn.awaitingReplay) {
      store.patchTurn(turn.turnId, { awaitingReplay: true });
      effects.requestResume({ chatId: turn.chatId, turnId: turn.turnId, afterSeq: turn.lastSeq });
    }
    return false;
  }
  store.patchTurn(turn.turnId, { lastSeq: fields.seq, awaitingReplay: false });
  return true;
}

function applyTurnEvent(event: TurnEvent, effects: ServerEventEffects): void {
  const messages = useMessagesStore.getState();
  const turns = useTurnsStore.getState();
  const { chatId, turnId } = event.payload;
  switch (event.type) {
    case 'turn_started':
      applyTurnStarted(event.payload, effects);
      return;
    case 'text_delta':
      messages.appendDelta(chatId, event.payload.messageId, event.payload.delta);
      return;
    case 'reasoning_delta': {
      const turn = turns.turns[turnId];
      if (turn) turns.patchTurn(turnId, { reasoning: turn.reasoning + event.payload.delta });
      return;
    }
    case 'model_fallback': {
      const turn = turns.turns[turnId];
      const { from, to, reason } = event.payload;
      if (!turn) return;
      turns.patchTurn(turnId, { fallbacks: [...turn.fallbacks, { from, to, reason }], model: to });
      if (turn.assistantMessageId)
        messages.patchMessage(chatId, turn.assistantMessageId, { metadata: { model: to } });
      return;
    }
    case 'usage':
      messages.patchMessage(chatId, event.payload.messageId, { metadata: event.payload.metadata });
      return;
    case 'error':
      applyTurnError(event.payload, effects);
      return;
    case 'done': {
      const { message } = event.payload;
      messages.upsertMessage(message);
      turns.patchTurn(turnId, { status: 'finished' });
      turns.unwatchChat(chatId);
      useEntitiesStore.getState().touchChat(chatId, message.updatedAt);
      effects.turnEnded?.(chatId);
      return;
    }
    default: {
      const unreachable: never = event;
      void unreachable;
    }
  }
}

function applyTurnStarted(
  payload: Extract<TurnEvent, { type: 'turn_started' }>['payload'],
  effects: ServerEventEffects,
): void {
  const { userMessage, assistantMessageId, model, chat, turnId, chatId } = payload;
  const messages = useMessagesStore.getState();
  const turns = useTurnsStore.getState();
  // A message loaded by REST before a full replay restarts empty: every delta is about to come again.
  const existing = messages.chats[chatId]?.byId[assistantMessageId];
  // A replayed start (after a reload) carries the chat as it was then: the branch shown since stays.
  const known = useEntitiesStore.getState().chats[chatId];
  useEntitiesStore
    .getState()
    .upsertChat(existing && known ? { ...chat, currentMessageId: known.currentMessageId } : chat);
  useEntitiesStore.getState().touchChat(chatId, userMessage.createdAt);
  messages.upsertMessage(userMessage);
  const placeholder: Message = {
    id: assistantMessageId,
    chatId,
    role: 'assistant',
    content: '',
    status: 'streaming',
    parentId: userMessage.id,
    createdAt: existing?.createdAt ?? userMessage.createdAt,
    updatedAt: userMessage.createdAt,
    metadata: {
      model,
      modelRequested: existing?.metadata.modelRequested ?? model,
      // The answers of a compare show side by side from their first event on.
      ...(payload.compareId ? { compareId: payload.compareId } : {}),
    },
  };
  messages.upsertMessage(placeholder);
  // A new turn moved the chat's branch to its answer (`chat.currentMessageId`): a switch the user made
  // before it no longer applies.
  if (!existing) messages.setLeafOverride(chatId, undefined);
  turns.patchTurn(turnId, { assistantMessageId, userMessageId: userMessage.id, model, status: 'running' });
  turns.unwatchChat(chatId);

  const pending = matchPendingSend(payload);
  if (!pending) return;
  turns.removePending(pending.clientMessageId);
  effects.acknowledgeSend(pending.clientMessageId);
  if (pending.chatId) return;
  // The first message of a draft created the chat: a compare picked in the draft goes on in the chat.
  if (pending.kind === 'compare')
    useCompareStore.getState().movePicks(modelScope(pending.botId, null), modelScope(chat.botId, chat.id));
  effects.chatCreated?.(chat);
}

/** The send this turn answers: by `clientMessageId` when the server echoes it, else by chat and text. */
function matchPendingSend(
  payload: Extract<TurnEvent, { type: 'turn_started' }>['payload'] & { clientMessageId?: unknown },
): PendingSend | undefined {
  const pending = Object.values(useTurnsStore.getState().pending);
  if (typeof payload.clientMessageId === 'string') {
    return pending.find((send) => send.clientMessageId === payload.clientMessageId);
  }
  return pending
    .filter((send) => send.botId === payload.botId && (send.chatId ?? payload.chatId) === payload.chatId)
    .find((send) => send.text === payload.userMessage.content);
}

function applyTurnError(payload: TurnFields & ErrorInfo, effects: ServerEventEffects): void {
  const turns = useTurnsStore.getState();
  const error = { code: payload.code, message: payload.message };
  turns.patchTurn(payload.turnId, { error });
  const turn = useTurnsStore.getState().turns[payload.turnId];
  if (turn?.assistantMessageId) {
    useMessagesStore
      .getState()
      .patchMessage(payload.chatId, turn.assistantMessageId, { status: 'error', metadata: { error } });
  }
  // A compared answer failing is one column of several: the others go on, and a retry would answer the
  // question again outside the compare, so its toast only tells.
  const answer = turn?.assistantMessageId
    ? useMessagesStore.getState().chats[payload.chatId]?.byId[turn.assistantMessageId]
    : undefined;
  const compared = Boolean(answer?.metadata.compareId);
  const retry = turn && effects.retryTurn && !compared ? () => effects.retryTurn?.(turn) : undefined;
  showError(compared ? `${answer?.metadata.model}: ${payload.message}` : payload.message, retry);
}

function applyLoneError(payload: LoneError, effects: ServerEventEffects): void {
  const id = payload.clientMessageId;
  const send = id ? useTurnsStore.getState().pending[id] : undefined;
  if (!id || !send) {
    showError(payload.message);
    return;
  }
  useTurnsStore.getState().failPending(id, { code: payload.code, message: payload.message });
  effects.acknowledgeSend(id);
  showError(payload.message, effects.retrySend ? () => effects.retrySend?.(id) : undefined);
}

/** The server could not replay: its snapshot replaces our copy of the message. */
function applyResync(
  payload: Extract<ServerEvent, { type: 'resync' }>['payload'],
  effects: ServerEventEffects,
): void {
  const { message } = payload;
  useMessagesStore.getState().upsertMessage(message);
  const finished = message.status !== 'streaming';
  if (finished) {
    useTurnsStore.getState().unwatchChat(message.chatId);
    effects.turnEnded?.(message.chatId);
  }
  if (!payload.turnId) return;
  const turns = useTurnsStore.getState();
  const turn =
    turns.turns[payload.turnId] ??
    newTurn({ turnId: payload.turnId, chatId: payload.chatId, botId: payload.botId ?? '' });
  turns.upsertTurn({
    ...turn,
    assistantMessageId: message.id,
    lastSeq: Math.max(turn.lastSeq, payload.seq ?? turn.lastSeq),
    status: finished ? 'finished' : 'running',
    awaitingReplay: false,
  });
}

/**
 * The stored copy of a followed turn's answer, read over REST (after a reconnect the server had nothing
 * newer to send). A finished answer ends the turn here as its `done` would have: the stored message
 * replaces the streamed one and the Stop button goes. Returns whether the turn ended.
 */
export function applyStoredAnswer(
  turnId: string,
  stored: Message,
  effects: Pick<ServerEventEffects, 'turnEnded'>,
): boolean {
  const turn = useTurnsStore.getState().turns[turnId];
  if (turn?.status !== 'running' || stored.status === 'streaming') return false;
  useMessagesStore.getState().upsertMessage(stored);
  useTurnsStore.getState().patchTurn(turnId, { status: 'finished', awaitingReplay: false });
  useTurnsStore.getState().unwatchChat(stored.chatId);
  useEntitiesStore.getState().touchChat(stored.chatId, stored.updatedAt);
  effects.turnEnded?.(stored.chatId);
  return true;
}
