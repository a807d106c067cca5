import type { ClientFrame, Message } from '@cachibot/protocol';
import { newClientMessageId } from '../../api/client-id.ts';
import { getTransport } from '../../api/transport.ts';
import { shownLeaf } from '../../stores/branch-state.ts';
import { useMessagesStore } from '../../stores/messages-store.ts';
import { type PendingSend, runningTurnsOf, type TurnState, useTurnsStore } from '../../stores/turns-store.ts';
import { chosenModel, modelScope } from '../../stores/ui-store.ts';
import { rememberModels } from '../branches/recent-models.ts';

export interface SendInput {
  botId: string;
  /** Absent or null: the first message of a new chat. */
  chatId?: string | null;
  text: string;
  /** The picked model; null/absent = the chat's remembered model, else the bot's default. */
  model?: string | null;
  /**
   * The message it continues; absent = the leaf of the branch on screen. An edited question gives its
   * original's parent (`null` for the first question): the edit becomes the original's sibling.
   */
  replyToId?: string | null;
}

export interface CompareInput extends Omit<SendInput, 'model'> {
  /** 2–4 distinct model ids. */
  models: string[];
}

function frameOf(send: PendingSend): ClientFrame {
  if (send.kind === 'regenerate' && send.messageId) {
    const payload = { clientMessageId: send.clientMessageId, messageId: send.messageId };
    return { type: 'regenerate', payload: send.model ? { ...payload, model: send.model } : payload };
  }
  const common = {
    clientMessageId: send.clientMessageId,
    botId: send.botId,
    message: send.text,
    ...(send.chatId ? { chatId: send.chatId } : {}),
    // A new chat has nothing to reply to; `null` (a new first question) is sent as such.
    ...(send.chatId && send.replyToId !== undefined ? { replyToId: send.replyToId } : {}),
  };
  if (send.kind === 'compare') return { type: 'compare', payload: { ...common, models: send.models ?? [] } };
  return { type: 'chat', payload: { ...common, ...(send.model ? { model: send.model } : {}) } };
}

function dispatch(send: PendingSend): string {
  rememberModels(send.models ?? (send.model ? [send.model] : []));
  useTurnsStore.getState().addPending(send);
  getTransport().sendTracked(send.clientMessageId, frameOf(send));
  return send.clientMessageId;
}

/** Sends a user message; the answer arrives as turn events. Returns the send's `clientMessageId`. */
export function sendChatMessage(input: SendInput): string {
  return dispatch({
    clientMessageId: newClientMessageId(),
    kind: 'chat',
    botId: input.botId,
    chatId: input.chatId ?? undefined,
    text: input.text,
    model: input.model ?? undefined,
    replyToId: input.replyToId !== undefined ? input.replyToId : shownLeaf(input.chatId),
    createdAt: new Date().toISOString(),
  });
}

/** One question to 2–4 models at once (`compare`): their answers stream side by side. */
export function sendCompare(input: CompareInput): string {
  return dispatch({
    clientMessageId: newClientMessageId(),
    kind: 'compare',
    botId: input.botId,
    chatId: input.chatId ?? undefined,
    text: input.text,
    models: input.models,
    replyToId: input.replyToId !== undefined ? input.replyToId : shownLeaf(input.chatId),
    createdAt: new Date().toISOString(),
  });
}

/** An edited question: a sibling of the original (same parent) with its own answer. */
export function sendEditedQuestion(question: Message, botId: string, text: string, model?: string | null) {
  return sendChatMessage({ botId, chatId: question.chatId, text, model, replyToId: question.parentId });
}

/** Answers the user message of `answer` again, optionally with another model (a sibling answer). */
export function regenerateAnswer(answer: Message, botId: string, model?: string | null): string {
  return dispatchRegenerate(answer.id, answer.chatId, botId, answer.parentId, model);
}

function dispatchRegenerate(
  messageId: string,
  chatId: string,
  botId: string,
  parentId: string | null | undefined,
  model?: string | null,
): string {
  const question = parentId ? useMessagesStore.getState().chats[chatId]?.byId[parentId] : undefined;
  return dispatch({
    clientMessageId: newClientMessageId(),
    kind: 'regenerate',
    messageId,
    botId,
    chatId,
    text: question?.content ?? '',
    model: model ?? undefined,
    createdAt: new Date().toISOString(),
  });
}

export function cancelTurn(turnId: string): void {
  getTransport().send({ type: 'cancel', payload: { turnId } });
}

/** Stops every running turn of a chat (all the answers of a compare). */
export function cancelChatTurns(chatId: string): void {
  for (const turn of runningTurnsOf(useTurnsStore.getState().turns, chatId)) cancelTurn(turn.turnId);
}

/** Asks for a chat's running turn (e.g. a message still `streaming` after a reload). */
export function resumeChat(chatId: string, turnId?: string, afterSeq?: number): void {
  getTransport().send({
    type: 'resume',
    payload: { chatId, ...(turnId ? { turnId } : {}), ...(afterSeq !== undefined ? { afterSeq } : {}) },
  });
}

/** Re-sends a refused send as a new one (a new id: the refused one may be remembered by the server). */
export function retrySend(clientMessageId: string): void {
  const send = useTurnsStore.getState().pending[clientMessageId];
  if (!send) return;
  discardSend(clientMessageId);
  dispatch({
    ...send,
    clientMessageId: newClientMessageId(),
    error: undefined,
    createdAt: new Date().toISOString(),
  });
}

export function discardSend(clientMessageId: string): void {
  useTurnsStore.getState().removePending(clientMessageId);
  getTransport().ack(clientMessageId);
}

/**
 * Answers the question of a failed answer again (optionally with another model): a `regenerate` of that
 * answer, so the new answer is its sibling under the same user message — never a second copy of the
 * question. A second click while the first retry is still unacknowledged sends nothing new.
 */
export function retryAnswer(answer: Message, botId: string, model?: string | null): string {
  return retryMessage(answer.id, answer.chatId, botId, answer.parentId, model);
}

function retryMessage(
  messageId: string,
  chatId: string,
  botId: string,
  parentId: string | null | undefined,
  model?: string | null,
): string {
  const waiting = Object.values(useTurnsStore.getState().pending).find(
    (send) => send.kind === 'regenerate' && send.messageId === messageId && !send.error,
  );
  return waiting ? waiting.clientMessageId : dispatchRegenerate(messageId, chatId, botId, parentId, model);
}

/** The Retry of a failed turn's error toast: the turn's answer, with the model picked now. */
export function retryTurn(turn: TurnState): void {
  if (!turn.assistantMessageId) return;
  const answer = useMessagesStore.getState().chats[turn.chatId]?.byId[turn.assistantMessageId];
  const model = chosenModel(modelScope(turn.botId, turn.chatId));
  retryMessage(
    turn.assistantMessageId,
    turn.chatId,
    turn.botId,
    answer?.parentId ?? turn.userMessageId,
    model,
  );
}
