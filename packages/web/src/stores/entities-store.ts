import type { Bot, Chat } from '@cachibot/protocol';
import { create } from 'zustand';

/** Bots and chats as the server last described them (the server owns them; this is a cache). */
interface EntitiesState {
  bots: Bot[];
  botsLoaded: boolean;
  /** Where the bot list continues on the server; `null` = every bot is loaded. */
  botsNextCursor: string | null;
  chats: Record<string, Chat>;
  /** Bots whose chat list has been fetched (its first page, at least). */
  chatsLoadedFor: Record<string, boolean>;
  /** Per bot, where its chat list continues on the server; absent or `null` = all loaded. */
  chatsNextCursorFor: Record<string, string | null>;
  /** The first page of bots: replaces the list. */
  setBots(bots: Bot[], nextCursor?: string | null): void;
  /** A further page of bots, after the loaded ones; a bot already here (created meanwhile) stays once. */
  appendBots(bots: Bot[], nextCursor: string | null): void;
  upsertBot(bot: Bot): void;
  removeBot(botId: string): void;
  /** The first page of a bot's chats: replaces that bot's chats. */
  setChatsForBot(botId: string, chats: Chat[], nextCursor?: string | null): void;
  /** A further page of a bot's chats; the local copy of a chat already here is as fresh or fresher. */
  appendChatsForBot(botId: string, chats: Chat[], nextCursor: string | null): void;
  upsertChat(chat: Chat): void;
  removeChat(chatId: string): void;
  /** Records activity (a new message) so the chat list orders by it without refetching. */
  touchChat(chatId: string, at: string): void;
  reset(): void;
}

const empty = {
  bots: [],
  botsLoaded: false,
  botsNextCursor: null,
  chats: {},
  chatsLoadedFor: {},
  chatsNextCursorFor: {},
};

export const useEntitiesStore = create<EntitiesState>()((set) => ({
  ...empty,
  setBots: (bots, nextCursor = null) => set({ bots, botsLoaded: true, botsNextCursor: nextCursor }),
  appendBots: (bots, nextCursor) =>
    set((state) => {
      const known = new Set(state.bots.map((bot) => bot.id));
      return {
        bots: [...state.bots, ...bots.filter((bot) => !known.has(bot.id))],
        botsNextCursor: nextCursor,
      };
    }),
  upsertBot: (bot) =>
    set((state) => {
      const exists = state.bots.some((item) => item.id === bot.id);
      return {
        bots: exists ? state.bots.map((item) => (item.id === bot.id ? bot : item)) : [...state.bots, bot],
      };
    }),
  removeBot: (botId) =>
    set((state) => ({
      bots: state.bots.filter((bot) => bot.id !== botId),
      chats: Object.fromEntries(Object.entries(state.chats).filter(([, chat]) => chat.botId !== botId)),
    })),
  setChatsForBot: (botId, chats, nextCursor = null) =>
    set((state) => {
      const others = Object.entries(state.chats).filter(([, chat]) => chat.botId !== botId);
      return {
        chats: Object.fromEntries([...others, ...chats.map((chat) => [chat.id, chat] as const)]),
        chatsLoadedFor: { ...state.chatsLoadedFor, [botId]: true },
        chatsNextCursorFor: { ...state.chatsNextCursorFor, [botId]: nextCursor },
      };
    }),
  appendChatsForBot: (botId, chats, nextCursor) =>
    set((state) => {
      const added = chats.filter((chat) => chat.botId === botId && !state.chats[chat.id]);
      return {
        chats: { ...state.chats, ...Object.fromEntries(added.map((chat) => [chat.id, chat] as const)) },
        chatsNextCursorFor: { ...state.chatsNextCursorFor, [botId]: nextCursor },
      };
    }),
  upsertChat: (chat) => set((state) => ({ chats: { ...state.chats, [chat.id]: chat } })),
  removeChat: (chatId) =>
    set((state) => {
      const { [chatId]: _removed, ...rest } = state.chats;
      return { chats: rest };
    }),
  touchChat: (chatId, at) =>
    set((state) => {
      const chat = state.chats[chatId];
      if (!chat || chat.updatedAt >= at) return state;
      return { chats: { ...state.chats, [chatId]: { ...chat, updatedAt: at } } };
    }),
  reset: () => set(empty),
}));
