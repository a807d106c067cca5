import { useEntitiesStore } from './entities-store.ts';
import { type Branch, computeBranch } from './message-tree.ts';
import { EMPTY_CHAT_MESSAGES, useMessagesStore } from './messages-store.ts';

/**
 * The branch a chat shows: the user's switch while it is being saved, else the chat's
 * `currentMessageId` as the server keeps it (a new turn moves it), else the newest leaf.
 */
export function branchOf(chatId: string | null | undefined): Branch {
  const chat = (chatId && useMessagesStore.getState().chats[chatId]) || EMPTY_CHAT_MESSAGES;
  const current = chatId ? useEntitiesStore.getState().chats[chatId]?.currentMessageId : undefined;
  return computeBranch(chat, chat.leafOverride ?? current);
}

/** The last message on screen in a chat: a new question replies to it. */
export function shownLeaf(chatId: string | null | undefined): string | undefined {
  return chatId ? branchOf(chatId).leafId : undefined;
}

/** `branchOf` for components: re-renders when the chat's messages or its current leaf change. */
export function useBranch(chatId: string | null): Branch {
  const chat = useMessagesStore((state) => (chatId ? state.chats[chatId] : undefined)) ?? EMPTY_CHAT_MESSAGES;
  const current = useEntitiesStore((state) => (chatId ? state.chats[chatId]?.currentMessageId : undefined));
  return computeBranch(chat, chat.leafOverride ?? current);
}
