import { create } from 'zustand';

/** At most this many models answer one compare (the contract's limit). */
export const MAX_COMPARE_MODELS = 4;
export const MIN_COMPARE_MODELS = 2;

const BLIND_KEY = 'cachibot.compareBlind';

function readBlind(): boolean {
  try {
    return typeof localStorage !== 'undefined' && localStorage.getItem(BLIND_KEY) === '1';
  } catch {
    return false;
  }
}

interface CompareState {
  /** The models picked to compare, per composer scope (`modelScope`): a chat, or a bot's draft. */
  picks: Record<string, string[]>;
  /** Blind mode: a compare hides its model names (and shuffles its columns) until the user votes. */
  blind: boolean;
  toggleModel(scope: string, model: string): void;
  setModels(scope: string, models: string[]): void;
  clear(scope: string): void;
  /** A draft's compare became a chat: the picks go with it, so the next message compares again. */
  movePicks(from: string, to: string): void;
  setBlind(blind: boolean): void;
  reset(): void;
}

export const useCompareStore = create<CompareState>()((set) => ({
  picks: {},
  blind: readBlind(),
  toggleModel: (scope, model) =>
    set((state) => {
      const current = state.picks[scope] ?? [];
      const next = current.includes(model)
        ? current.filter((item) => item !== model)
        : current.length < MAX_COMPARE_MODELS
          ? [...current, model]
          : current;
      return { picks: { ...state.picks, [scope]: next } };
    }),
  setModels: (scope, models) =>
    set((state) => ({
      picks: { ...state.picks, [scope]: [...new Set(models)].slice(0, MAX_COMPARE_MODELS) },
    })),
  clear: (scope) =>
    set((state) => {
      const { [scope]: _cleared, ...rest } = state.picks;
      return { picks: rest };
    }),
  movePicks: (from, to) =>
    set((state) => {
      const { [from]: moved, ...rest } = state.picks;
      return moved ? { picks: { ...rest, [to]: moved } } : state;
    }),
  setBlind: (blind) => {
    try {
      localStorage.setItem(BLIND_KEY, blind ? '1' : '0');
    } catch {
      // Not kept across reloads then; the choice still holds for this session.
    }
    set({ blind });
  },
  reset: () => set({ picks: {} }),
}));

const NO_PICKS: string[] = [];

/** The models picked to compare in a scope (empty: an ordinary message). */
export function comparePicks(state: Pick<CompareState, 'picks'>, scope: string): string[] {
  return state.picks[scope] ?? NO_PICKS;
}
