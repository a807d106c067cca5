import { useEffect } from 'react';
import { type Toast, useToastStore } from '../stores/toast-store.ts';

const AUTO_DISMISS_MS = 6_000;

function ToastItem({ toast }: { toast: Toast }) {
  const dismiss = useToastStore((state) => state.dismiss);
  useEffect(() => {
    if (toast.retry) return; // an offer to retry stays until used or closed
    const timer = setTimeout(() => dismiss(toast.id), AUTO_DISMISS_MS);
    return () => clearTimeout(timer);
  }, [toast, dismiss]);
  return (
    <li
      className={`toast ${toast.kind}`}
      data-testid="toast"
      role={toast.kind === 'error' ? 'alert' : 'status'}
    >
      <span className="toast-message">{toast.message}</span>
      {toast.retry && (
        <button
          type="button"
          className="button small"
          data-testid="toast-retry"
          onClick={() => {
            dismiss(toast.id);
            toast.retry?.();
          }}
        >
          Retry
        </button>
      )}
      <button type="button" className="icon-button" aria-label="Dismiss" onClick={() => dismiss(toast.id)}>
        ×
      </button>
    </li>
  );
}

/** API and provider errors, each with its reason and, when an action can be repeated, Retry (ERRR-02). */
export function Toasts() {
  const toasts = useToastStore((state) => state.toasts);
  return (
    <ul className="toasts" aria-label="Notifications">
      {toasts.map((toast) => (
        <ToastItem key={toast.id} toast={toast} />
      ))}
    </ul>
  );
}
