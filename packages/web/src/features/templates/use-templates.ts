import type { TemplatesResponse } from '@cachibot/protocol';
import { useEffect, useState } from 'react';
import { describeError } from '../../api/api-error.ts';
import { templatesApi } from './templates-api.ts';

/** How long typing may pause before the search goes to the server. */
const SEARCH_DELAY_MS = 200;

export type TemplatesState =
  | { status: 'loading'; data: TemplatesResponse | null }
  | { status: 'ready'; data: TemplatesResponse }
  | { status: 'error'; data: TemplatesResponse | null; error: string };

/**
 * The marketplace for a search (`q`): fetched from the server shortly after typing stops, the
 * previous answer kept on screen meanwhile; a newer search cancels an older one. `reload` retries.
 */
export function useTemplates(q: string): TemplatesState & { reload(): void } {
  const [state, setState] = useState<TemplatesState>({ status: 'loading', data: null });
  const [attempt, setAttempt] = useState(0);
  useEffect(() => {
    const controller = new AbortController();
    setState((current) => ({ status: 'loading', data: current.data }));
    // The first load goes at once; later ones wait for a pause in typing. `attempt` re-runs this.
    const delay = attempt === 0 && q === '' ? 0 : SEARCH_DELAY_MS;
    const timer = setTimeout(() => {
      templatesApi.list({ q }, controller.signal).then(
        (data) => setState({ status: 'ready', data }),
        (error: unknown) => {
          if (controller.signal.aborted) return;
          setState((current) => ({ status: 'error', data: current.data, error: describeError(error) }));
        },
      );
    }, delay);
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
  }, [q, attempt]);
  return { ...state, reload: () => setAttempt((n) => n + 1) };
}
