import { useEffect } from 'react';
import { bootSession } from '../features/auth/auth-actions.ts';
import { LoginForm } from '../features/auth/LoginForm.tsx';
import { SetupForm } from '../features/auth/SetupForm.tsx';
import { useSessionStore } from '../stores/session-store.ts';
import { ErrorBoundary } from '../ui/ErrorBoundary.tsx';
import { Toasts } from '../ui/Toasts.tsx';
import { AppShell } from './AppShell.tsx';

function Screen() {
  const phase = useSessionStore((state) => state.phase);
  const bootError = useSessionStore((state) => state.bootError);
  switch (phase) {
    case 'booting':
      return <p className="muted center boot">Loading Cachibot…</p>;
    case 'setup':
      return <SetupForm />;
    case 'login':
      return <LoginForm />;
    case 'ready':
      return <AppShell />;
    case 'unreachable':
      return (
        <div className="recovery" role="alert">
          <h1>Cannot reach the Cachibot server</h1>
          <p className="muted">{bootError}</p>
          <button type="button" className="button primary" onClick={() => void bootSession()}>
            Try again
          </button>
        </div>
      );
    default: {
      const unreachable: never = phase;
      return unreachable;
    }
  }
}

export function App() {
  useEffect(() => {
    void bootSession();
  }, []);
  return (
    <ErrorBoundary scope="app">
      <Screen />
      <Toasts />
    </ErrorBoundary>
  );
}
