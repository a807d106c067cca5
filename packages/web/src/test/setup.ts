import { cleanup } from '@testing-library/react';
import { afterEach } from 'vitest';
import { setTransport } from '../api/transport.ts';
import { resetUserStores } from '../stores/reset-stores.ts';
import { useSessionStore } from '../stores/session-store.ts';

// Vitest runs without globals, so Testing Library's automatic cleanup is not registered.
afterEach(() => {
  cleanup();
  resetUserStores();
  useSessionStore.getState().reset();
  setTransport(null);
});
