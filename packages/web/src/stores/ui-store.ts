import { create } from 'zustand';
import type { ConnectionState } from '../api/socket.ts';

/** What the main panel shows besides a chat. */
export type MainView =
  | { kind: 'chat' }
  | { kind: 'edit-bot'; botId: string | null }
  | { kind: 'usage' }
  | { kind: 'leaderboard' };

interface UiState {
  selectedBotId: string | null;
  /** `null` with a bot selected = the draft of a new chat (created by its first message). */
  selectedChatId: string | null;
  mainView: MainView;
  sidebarOpen: boolean;
  showArchived: boolean;
  connection: ConnectionState;
  /** The model picked in the composer, for one chat (or one bot's draft): see `modelScope`. */
  modelChoice: { scope: string; model: string | null } | null;
  selectBot(botId: string | null): void;
  selectChat(botId: string, chatId: string | null): void;
  editBot(botId: string | null): void;
  closeEditor(): void;
  /** The usage page (features/usage); choosing a chat or a bot leaves it. */
  showUsage(): void;
  /** The personal model leaderboard from votes on compared answers (features/leaderboard). */
  showLeaderboard(): void;
  setSidebarOpen(open: boolean): void;
  setShowArchived(show: boolean): void;
  setConnection(state: ConnectionState): void;
  chooseModel(scope: string, model: string | null): void;
  reset(): void;
}

const initial = {
  selectedBotId: null,
  selectedChatId: null,
  mainView: { kind: 'chat' } as MainView,
  sidebarOpen: false,
  showArchived: false,
  connection: 'connecting' as ConnectionState,
  modelChoice: null,
};

export const useUiStore = create<UiState>()((set) => ({
  ...initial,
  selectBot: (botId) => set({ selectedBotId: botId, selectedChatId: null, mainView: { kind: 'chat' } }),
  selectChat: (botId, chatId) =>
    set({ selectedBotId: botId, selectedChatId: chatId, mainView: { kind: 'chat' }, sidebarOpen: false }),
  editBot: (botId) => set({ mainView: { kind: 'edit-bot', botId }, sidebarOpen: false }),
  closeEditor: () => set({ mainView: { kind: 'chat' } }),
  showUsage: () => set({ mainView: { kind: 'usage' }, sidebarOpen: false }),
  showLeaderboard: () => set({ mainView: { kind: 'leaderboard' }, sidebarOpen: false }),
  setSidebarOpen: (sidebarOpen) => set({ sidebarOpen }),
  setShowArchived: (showArchived) => set({ showArchived }),
  setConnection: (connection) => set({ connection }),
  chooseModel: (scope, model) => set({ modelChoice: { scope, model } }),
  reset: () => set(initial),
}));

/** The picker's choice belongs to one chat (or a bot's new-chat draft); another scope starts afresh. */
export function modelScope(botId: string, chatId: string | null): string {
  return chatId ? `chat:${chatId}` : `draft:${botId}`;
}

/** The model picked for this scope, `null` for "bot default", `undefined` when nothing was picked. */
export function chosenModel(scope: string): string | null | undefined {
  const choice = useUiStore.getState().modelChoice;
  return choice?.scope === scope ? choice.model : undefined;
}
