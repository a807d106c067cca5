import type { Message } from '@cachibot/protocol';
import { describeError } from '../../api/api-error.ts';
import { branchOf } from '../../stores/branch-state.ts';
import { useEntitiesStore } from '../../stores/entities-store.ts';
import { leafUnder } from '../../stores/message-tree.ts';
import { useMessagesStore } from '../../stores/messages-store.ts';
import { showError } from '../../stores/toast-store.ts';
import { useUiStore } from '../../stores/ui-store.ts';
import { branchesApi } from './branches-api.ts';

/** Switches saved one after the other per chat, so the last one the user made is the one that stays. */
const saving = new Map<string, Promise<unknown>>();

/**
 * Shows the branch ending in `leafId` at once and saves it as the chat's `currentMessageId`, so a reload
 * or another device shows the same branch and the next question continues it. A refused save goes back
 * to the branch the server keeps, with a toast offering to try again.
 */
export function showBranch(chatId: string, leafId: string): Promise<void> {
  useMessagesStore.getState().setLeafOverride(chatId, leafId);
  const previous = saving.get(chatId) ?? Promise.resolve();
  const run = previous.then(async () => {
    try {
      const chat = await branchesApi.showBranch(chatId, leafId);
      useEntitiesStore.getState().upsertChat(chat);
    } catch (error) {
      showError(
        `Could not switch the branch: ${describeError(error)}`,
        () => void showBranch(chatId, leafId),
      );
    } finally {
      // A later switch (or a new turn) owns the view now; only this switch's own override ends here.
      if (useMessagesStore.getState().chats[chatId]?.leafOverride === leafId)
        useMessagesStore.getState().setLeafOverride(chatId, undefined);
    }
  });
  saving.set(chatId, run);
  void run.finally(() => {
    if (saving.get(chatId) === run) saving.delete(chatId);
  });
  return run;
}

/** "Continue with this answer": the branch goes on from it (or from where it was last continued). */
export function continueWithAnswer(answer: Message): Promise<void> {
  return showBranch(answer.chatId, leafUnder(branchOf(answer.chatId).tree, answer.id));
}

/** A new chat holding the path from the first message to `message` (records included), opened. */
export async function forkFrom(message: Message, botId: string): Promise<void> {
  try {
    const chat = await branchesApi.fork(message.chatId, message.id);
    useEntitiesStore.getState().upsertChat(chat);
    useUiStore.getState().selectChat(chat.botId || botId, chat.id);
  } catch (error) {
    showError(`Could not fork the chat: ${describeError(error)}`, () => void forkFrom(message, botId));
  }
}

/** Thumbs up (1), down (-1) or taken back (0); shown at once, undone if the server refuses. */
export async function voteOn(message: Message, value: 1 | 0 | -1): Promise<void> {
  const before = message.vote;
  const patch = (vote: Message['vote']) =>
    useMessagesStore.getState().patchMessage(message.chatId, message.id, { vote });
  patch(value === 0 ? undefined : value);
  try {
    await branchesApi.vote(message.id, value);
  } catch (error) {
    patch(before);
    showError(`Could not save the vote: ${describeError(error)}`, () => void voteOn(message, value));
  }
}
