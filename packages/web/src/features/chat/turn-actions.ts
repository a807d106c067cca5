import type { ClientFrame, Message } from '@cachibot/protocol';
import { newClientMessageId } from '../../api/client-id.ts';
import { getTransport } from '../../api/transport.ts';
import { useMessagesStore } from '../../stores/messages-store.ts';
import { type PendingSend, type TurnState, useTurnsStore } from '../../stores/turns-store.ts';
import { chosenModel, modelScope } from '../../stores/ui-store.ts';
import { shownLeaf } from '../messages/shown-branch.ts';

export interface SendInput {
  botId: string;
  /** Absent or null: the first message of a new chat. */
  chatId?: string | null;
  text: string;
  /** The picked model; null/absent = the chat's remembered model, else the bot's default. */
  model?: string | null;
}

function frameOf(send: PendingSend): ClientFrame {
  if (send.kind === 'regenerate' && send.messageId) {
    const payload = { clientMessageId: send.clientMessageId, messageId: send.messageId };
    return { type: 'regenerate', payload: send.model ? { ...payload, model: send.model } : payload };
  }
  return {
    type: 'chat',
    payload: {
      clientMessageId: send.clientMessageId,
      botId: send.botId,
      message: send.text,
      ...(send.chatId ? { chatId: send.chatId } : {}),
      ...(send.model ? { model: send.model } : {}),
      ...(send.chatId && send.replyToId ? { replyToId: send.replyToId } : {}),
    },
  };
}

function dispatch(send: PendingSend): string {
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
    replyToId: shownLeaf(input.chatId),
    createdAt: new Date().toISOString(),
  });
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
