import type { UsageGroupBy, UsageResponse } from '@cachibot/protocol';
import { useEffect, useState } from 'react';
import { describeError } from '../../api/api-error.ts';
import { type UsageFilter, usageApi } from './usage-api.ts';

export type ReportState =
  | { status: 'loading' }
  | { status: 'error'; message: string }
  | { status: 'ready'; report: UsageResponse };

/** Loads one grouping of the usage for the filter; a newer filter cancels the older request. */
export function useUsageReport(filter: UsageFilter, groupBy: UsageGroupBy, enabled = true): ReportState {
  const [state, setState] = useState<ReportState>({ status: 'loading' });
  const { from, to, scope } = filter;
  useEffect(() => {
    if (!enabled) return;
    const controller = new AbortController();
    setState({ status: 'loading' });
    usageApi
      .report({ from, to, scope }, groupBy, controller.signal)
      .then((report) => setState({ status: 'ready', report }))
      .catch((error: unknown) => {
        if (!controller.signal.aborted) setState({ status: 'error', message: describeError(error) });
      });
    return () => controller.abort();
  }, [from, to, scope, groupBy, enabled]);
  return state;
}
