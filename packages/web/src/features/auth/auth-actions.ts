import type { CredentialsBody } from '@cachibot/protocol';
import { describeError } from '../../api/api-error.ts';
import { authApi } from '../../api/endpoints.ts';
import { setUnauthorizedHandler } from '../../api/rest-client.ts';
import { resetUserStores } from '../../stores/reset-stores.ts';
import { useSessionStore } from '../../stores/session-store.ts';

/** Asks the server who we are: first run (setup), signed out (login) or signed in. */
export async function bootSession(): Promise<void> {
  const session = useSessionStore.getState();
  setUnauthorizedHandler(() => endSession());
  try {
    const status = await authApi.status();
    if (status.setupRequired) session.needsSetup();
    else if (status.user) session.signedIn(status.user);
    else session.signedOut();
  } catch (error) {
    session.failedToBoot(describeError(error));
  }
}

/** Creates the admin account, then makes sure the browser holds a session cookie. */
export async function setupAdmin(credentials: CredentialsBody): Promise<void> {
  const created = await authApi.setup(credentials);
  const status = await authApi.status().catch(() => null);
  if (status?.user) {
    useSessionStore.getState().signedIn(status.user);
    return;
  }
  const { user } = await authApi.login(credentials).catch(() => ({ user: created.user }));
  useSessionStore.getState().signedIn(user);
}

export async function login(credentials: CredentialsBody): Promise<void> {
  const { user } = await authApi.login(credentials);
  useSessionStore.getState().signedIn(user);
}

export async function logout(): Promise<void> {
  try {
    await authApi.logout();
  } finally {
    endSession();
  }
}

/** Drops everything of the user and shows the login screen. */
export function endSession(): void {
  resetUserStores();
  useSessionStore.getState().signedOut();
}
