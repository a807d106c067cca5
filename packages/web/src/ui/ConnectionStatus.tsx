import { useUiStore } from '../stores/ui-store.ts';

const LABELS = {
  connecting: 'Connecting…',
  connected: 'Connected',
  reconnecting: 'Reconnecting…',
  offline: 'Offline',
} as const;

/** The live connection's state, always visible (WSRL-03). */
export function ConnectionStatus() {
  const state = useUiStore((store) => store.connection);
  return (
    <span
      className={`connection-status ${state}`}
      data-testid="connection-status"
      data-state={state}
      role="status"
    >
      <span className="dot" aria-hidden="true" />
      {LABELS[state]}
    </span>
  );
}
