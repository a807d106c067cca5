import { useEffect } from 'react';
import { EMPTY_CHAT_MESSAGES, useMessagesStore } from '../../stores/messages-store.ts';
import { loadLatestMessages } from './message-actions.ts';

/** A chat's loading state (its messages are read as a branch: `useBranch`), fetching the newest page on first use. */
export function useChatMessages(chatId: string | null) {
  const entry =
    useMessagesStore((state) => (chatId ? state.chats[chatId] : undefined)) ?? EMPTY_CHAT_MESSAGES;
  const status = entry.status;
  useEffect(() => {
    if (chatId && status === 'idle') void loadLatestMessages(chatId);
  }, [chatId, status]);
  return { status, hasOlder: entry.nextCursor !== null, loadingOlder: entry.loadingOlder };
}
