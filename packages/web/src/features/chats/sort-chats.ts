import type { Chat } from '@cachibot/protocol';

/** Pinned chats first, then by latest activity (newest first); archived ones only when asked. */
export function visibleChats(chats: Iterable<Chat>, botId: string, showArchived: boolean): Chat[] {
  return [...chats]
    .filter((chat) => chat.botId === botId && (showArchived || !chat.archived))
    .sort((a, b) => {
      if (a.pinned !== b.pinned) return a.pinned ? -1 : 1;
      if (a.updatedAt !== b.updatedAt) return a.updatedAt < b.updatedAt ? 1 : -1;
      return a.id < b.id ? 1 : -1;
    });
}
