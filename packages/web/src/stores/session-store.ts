import type { User } from '@cachibot/protocol';
import { create } from 'zustand';

/** booting: asking /api/auth/status · setup: no account yet · login: signed out · ready: signed in. */
export type SessionPhase = 'booting' | 'setup' | 'login' | 'ready' | 'unreachable';

interface SessionState {
  phase: SessionPhase;
  user: User | null;
  /** Why `unreachable`: the status call failed. */
  bootError: string | null;
  signedIn(user: User): void;
  signedOut(): void;
  needsSetup(): void;
  failedToBoot(message: string): void;
  reset(): void;
}

export const useSessionStore = create<SessionState>()((set) => ({
  phase: 'booting',
  user: null,
  bootError: null,
  signedIn: (user) => set({ phase: 'ready', user, bootError: null }),
  signedOut: () => set({ phase: 'login', user: null, bootError: null }),
  needsSetup: () => set({ phase: 'setup', user: null, bootError: null }),
  failedToBoot: (message) => set({ phase: 'unreachable', bootError: message }),
  reset: () => set({ phase: 'booting', user: null, bootError: null }),
}));
