import type { ApiKey, CreatedApiKey } from '@cachibot/protocol';
import { useCallback, useEffect, useState } from 'react';
import { apiKeysApi } from './api-keys-api.ts';

const messageOf = (error: unknown) => (error instanceof Error ? error.message : 'Something went wrong');

/** The user's API keys: listed on open; a created key is kept here (and only here) until dismissed. */
export function useApiKeys() {
  const [keys, setKeys] = useState<ApiKey[] | null>(null);
  const [created, setCreated] = useState<CreatedApiKey | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    let live = true;
    apiKeysApi.list().then(
      (answer) => live && setKeys(answer.keys),
      (failure: unknown) => live && setError(messageOf(failure)),
    );
    return () => {
      live = false;
    };
  }, []);

  const run = useCallback(async (action: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    try {
      await action();
    } catch (failure) {
      setError(messageOf(failure));
    } finally {
      setBusy(false);
    }
  }, []);

  const create = (name: string) =>
    run(async () => {
      const key = await apiKeysApi.create(name);
      setCreated(key);
      const { key: _shownOnce, ...listed } = key;
      setKeys((current) => [listed, ...(current ?? [])]);
    });

  const revoke = (keyId: string) =>
    run(async () => {
      await apiKeysApi.revoke(keyId);
      setKeys((current) => (current ?? []).filter((key) => key.id !== keyId));
      setCreated((current) => (current?.id === keyId ? null : current));
    });

  return { keys, created, error, busy, create, revoke, dismissCreated: () => setCreated(null) };
}
