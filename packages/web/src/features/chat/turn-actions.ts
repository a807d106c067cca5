import type { ClientFrame, Message } from '@cachibot/protocol';
import { newClientMessageId } from '../../api/client-id.ts';
import { getTransport } from '../../api/transport.ts';
import { useMessagesStore } from '../../stores/messages-store.ts';
import { type PendingSend, type TurnState, useTurnsStore } from '../../stores/turns-store.ts';
import { chosenModel, modelScope } from '../../stores/ui-store.ts';

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
    createdAt: new Date().toISOString(),
  });
}

/** Answers the user message of `answer` again, optionally with another model (a sibling answer). */
export function regenerateAnswer(answer: Message, botId: string, model?: string | null): string | undefined {
  const question = answer.parentId
    ? useMessagesStore.getState().chats[answer.chatId]?.byId[answer.parentId]
    : undefined;
  return dispatch({
    clientMessageId: newClientMessageId(),
    kind: 'regenerate',
    messageId: answer.id,
    botId,
    chatId: answer.chatId,
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

/** Asks the same question again after a failed answer: the user message's text, in the same chat. */
export function retryAnswer(answer: Message, botId: string, model?: string | null): void {
  const question = answer.parentId
    ? useMessagesStore.getState().chats[answer.chatId]?.byId[answer.parentId]
    : undefined;
  if (!question) return;
  sendChatMessage({ botId, chatId: answer.chatId, text: question.content, model });
}

export function retryTurn(turn: TurnState): void {
  const answer = turn.assistantMessageId
    ? useMessagesStore.getState().chats[turn.chatId]?.byId[turn.assistantMessageId]
    : undefined;
  if (answer) retryAnswer(answer, turn.botId, chosenModel(modelScope(turn.botId, turn.chatId)));
}
