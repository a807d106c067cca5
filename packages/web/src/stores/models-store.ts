import type { ModelsResponse } from '@cachibot/protocol';
import { create } from 'zustand';

interface ModelsState {
  status: 'idle' | 'loading' | 'loaded' | 'error';
  catalogue: ModelsResponse | null;
  setLoading(): void;
  setCatalogue(catalogue: ModelsResponse): void;
  setFailed(): void;
  reset(): void;
}

/** The models the server can reach (GET /api/models), grouped by provider. */
export const useModelsStore = create<ModelsState>()((set) => ({
  status: 'idle',
  catalogue: null,
  setLoading: () => set({ status: 'loading' }),
  setCatalogue: (catalogue) => set({ status: 'loaded', catalogue }),
  setFailed: () => set({ status: 'error' }),
  reset: () => set({ status: 'idle', catalogue: null }),
}));
