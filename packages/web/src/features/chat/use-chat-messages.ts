import type { Message } from '@cachibot/protocol';
import { useEffect, useMemo } from 'react';
import { EMPTY_CHAT_MESSAGES, useMessagesStore } from '../../stores/messages-store.ts';
import { loadLatestMessages } from './message-actions.ts';

/** A chat's loaded messages (oldest first), fetching the newest page on first use. */
export function useChatMessages(chatId: string | null) {
  const entry =
    useMessagesStore((state) => (chatId ? state.chats[chatId] : undefined)) ?? EMPTY_CHAT_MESSAGES;
  const status = entry.status;
  useEffect(() => {
    if (chatId && status === 'idle') void loadLatestMessages(chatId);
  }, [chatId, status]);
  const messages = useMemo(
    () => entry.ids.map((id) => entry.byId[id]).filter((message): message is Message => Boolean(message)),
    [entry],
  );
  return { messages, status, hasOlder: entry.nextCursor !== null, loadingOlder: entry.loadingOlder };
}
