import type { Bot, Chat } from '@cachibot/protocol';
import { create } from 'zustand';

/** Bots and chats as the server last described them (the server owns them; this is a cache). */
interface EntitiesState {
  bots: Bot[];
  botsLoaded: boolean;
  chats: Record<string, Chat>;
  /** Bots whose chat list has been fetched. */
  chatsLoadedFor: Record<string, boolean>;
  setBots(bots: Bot[]): void;
  upsertBot(bot: Bot): void;
  removeBot(botId: string): void;
  setChatsForBot(botId: string, chats: Chat[]): void;
  upsertChat(chat: Chat): void;
  removeChat(chatId: string): void;
  /** Records activity (a new message) so the chat list orders by it without refetching. */
  touchChat(chatId: string, at: string): void;
  reset(): void;
}

const empty = { bots: [], botsLoaded: false, chats: {}, chatsLoadedFor: {} };

export const useEntitiesStore = create<EntitiesState>()((set) => ({
  ...empty,
  setBots: (bots) => set({ bots, botsLoaded: true }),
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
  setChatsForBot: (botId, chats) =>
    set((state) => {
      const others = Object.entries(state.chats).filter(([, chat]) => chat.botId !== botId);
      return {
        chats: Object.fromEntries([...others, ...chats.map((chat) => [chat.id, chat] as const)]),
        chatsLoadedFor: { ...state.chatsLoadedFor, [botId]: true },
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
