import { create } from 'zustand';

export interface Toast {
  id: number;
  kind: 'error' | 'info';
  message: string;
  /** Repeats the failed action; the toast offers a Retry button when present. */
  retry?: () => void;
}

interface ToastState {
  toasts: Toast[];
  show(toast: Omit<Toast, 'id'>): number;
  dismiss(id: number): void;
  reset(): void;
}

const MAX_TOASTS = 4;
let nextId = 1;

export const useToastStore = create<ToastState>()((set) => ({
  toasts: [],
  show: (toast) => {
    const id = nextId++;
    set((state) => {
      // The same message twice in a row (a flapping request) is shown once.
      const others = state.toasts.filter((item) => item.message !== toast.message);
      return { toasts: [...others, { ...toast, id }].slice(-MAX_TOASTS) };
    });
    return id;
  },
  dismiss: (id) => set((state) => ({ toasts: state.toasts.filter((toast) => toast.id !== id) })),
  reset: () => set({ toasts: [] }),
}));

/** Shows an error toast; with `retry`, the toast offers to repeat the action. */
export function showError(message: string, retry?: () => void): void {
  useToastStore.getState().show({ kind: 'error', message, retry });
}

export function showInfo(message: string): void {
  useToastStore.getState().show({ kind: 'info', message });
}
