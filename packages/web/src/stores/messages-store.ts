import type { Message, MessageMetadata } from '@cachibot/protocol';
import { create } from 'zustand';

/** One chat's loaded messages, oldest first, and where its older history continues. */
export interface ChatMessages {
  ids: string[];
  byId: Record<string, Message>;
  /** Cursor for the next older page; `null` = the beginning of the chat is loaded. */
  nextCursor: string | null;
  status: 'idle' | 'loading' | 'loaded' | 'error';
  loadingOlder: boolean;
  /**
   * The leaf the user just switched to, shown while its `PATCH currentMessageId` is on its way; the
   * chat's `currentMessageId` is the branch otherwise.
   */
  leafOverride?: string;
}

export const EMPTY_CHAT_MESSAGES: ChatMessages = {
  ids: [],
  byId: {},
  nextCursor: null,
  status: 'idle',
  loadingOlder: false,
};

export type MessagePatch = Partial<Omit<Message, 'id' | 'chatId' | 'metadata'>> & {
  metadata?: MessageMetadata;
};

interface MessagesState {
  chats: Record<string, ChatMessages>;
  setLoadStatus(chatId: string, status: ChatMessages['status']): void;
  setLoadingOlder(chatId: string, loading: boolean): void;
  /**
   * The newest page from REST. Messages the socket delivered that are newer than the page (a turn that
   * started while the page was in flight) stay, after it; `keepLive` picks the messages whose local
   * copy is fresher than the page's (still streaming here).
   */
  setLatestPage(
    chatId: string,
    messages: Message[],
    nextCursor: string | null,
    keepLive?: (id: string) => boolean,
  ): void;
  prependOlder(chatId: string, messages: Message[], nextCursor: string | null): void;
  /** Inserts at the end, or replaces in place. */
  upsertMessage(message: Message): void;
  appendDelta(chatId: string, messageId: string, delta: string): void;
  /** Shallow-merges fields; `metadata` is merged key by key. */
  patchMessage(chatId: string, messageId: string, patch: MessagePatch): void;
  /** Shows another branch before the server confirms it; `undefined` goes back to the chat's own. */
  setLeafOverride(chatId: string, leafId: string | undefined): void;
  removeChat(chatId: string): void;
  reset(): void;
}

function withChat(state: MessagesState, chatId: string, update: (chat: ChatMessages) => ChatMessages) {
  return { chats: { ...state.chats, [chatId]: update(state.chats[chatId] ?? EMPTY_CHAT_MESSAGES) } };
}

export const useMessagesStore = create<MessagesState>()((set) => ({
  chats: {},
  setLoadStatus: (chatId, status) => set((state) => withChat(state, chatId, (chat) => ({ ...chat, status }))),
  setLoadingOlder: (chatId, loadingOlder) =>
    set((state) => withChat(state, chatId, (chat) => ({ ...chat, loadingOlder }))),
  setLatestPage: (chatId, messages, nextCursor, keepLive = () => false) =>
    set((state) =>
      withChat(state, chatId, (chat) => {
        const byId: Record<string, Message> = {};
        for (const message of messages) {
          const local = chat.byId[message.id];
          byId[message.id] = local && keepLive(message.id) ? local : message;
        }
        const pageIds = messages.map((message) => message.id);
        const newest = messages.at(-1)?.createdAt ?? '';
        const isNewer = (id: string) => (chat.byId[id]?.createdAt ?? '') >= newest || keepLive(id);
        const newer = chat.ids.filter((id) => !(id in byId) && isNewer(id));
        for (const id of newer) byId[id] = chat.byId[id] as Message;
        return { ...chat, ids: [...pageIds, ...newer], byId, nextCursor, status: 'loaded' };
      }),
    ),
  prependOlder: (chatId, messages, nextCursor) =>
    set((state) =>
      withChat(state, chatId, (chat) => {
        const older = messages.filter((message) => !(message.id in chat.byId));
        const byId = { ...chat.byId };
        for (const message of older) byId[message.id] = message;
        return {
          ...chat,
          ids: [...older.map((m) => m.id), ...chat.ids],
          byId,
          nextCursor,
          loadingOlder: false,
        };
      }),
    ),
  upsertMessage: (message) =>
    set((state) =>
      withChat(state, message.chatId, (chat) => ({
        ...chat,
        ids: message.id in chat.byId ? chat.ids : [...chat.ids, message.id],
        byId: { ...chat.byId, [message.id]: message },
      })),
    ),
  appendDelta: (chatId, messageId, delta) =>
    set((state) => {
      const message = state.chats[chatId]?.byId[messageId];
      if (!message) return state;
      return withChat(state, chatId, (chat) => ({
        ...chat,
        byId: { ...chat.byId, [messageId]: { ...message, content: message.content + delta } },
      }));
    }),
  patchMessage: (chatId, messageId, patch) =>
    set((state) => {
      const message = state.chats[chatId]?.byId[messageId];
      if (!message) return state;
      const metadata = patch.metadata ? { ...message.metadata, ...patch.metadata } : message.metadata;
      return withChat(state, chatId, (chat) => ({
        ...chat,
        byId: { ...chat.byId, [messageId]: { ...message, ...patch, metadata } },
      }));
    }),
  setLeafOverride: (chatId, leafOverride) =>
    set((state) =>
      state.chats[chatId]?.leafOverride === leafOverride
        ? state
        : withChat(state, chatId, (chat) => ({ ...chat, leafOverride })),
    ),
  removeChat: (chatId) =>
    set((state) => {
      const { [chatId]: _removed, ...rest } = state.chats;
      return { chats: rest };
    }),
  reset: () => set({ chats: {} }),
}));
