import { useMemo, useState } from 'react';
import { useSessionStore } from '../../stores/session-store.ts';
import { formatCost, formatDuration, formatTokens } from '../message-info/format.ts';
import { byDayAndModel, type DayMetric, latencyByDay } from './chart-data.ts';
import { UsageChart } from './UsageChart.tsx';
import { UsageTable } from './UsageTable.tsx';
import { UserBudgets } from './UserBudgets.tsx';
import { type UsageFilter, usageCsvUrl } from './usage-api.ts';
import { daysBetween, lastDays, thisMonth, utcDay } from './usage-dates.ts';
import { type ReportState, useUsageReport } from './use-usage-report.ts';
import './usage.css';

function Loaded({
  state,
  children,
}: {
  state: ReportState;
  children(report: Extract<ReportState, { status: 'ready' }>['report']): React.ReactNode;
}) {
  if (state.status === 'loading') return <p className="muted">Loading…</p>;
  if (state.status === 'error')
    return (
      <p className="form-error" role="alert">
        {state.message}
      </p>
    );
  return children(state.report);
}

/** META-03…05: cost, tokens and latency from the server's records, by day, model, bot and (admin) user. */
export default function UsagePage() {
  const isAdmin = useSessionStore((state) => state.user?.role === 'admin');
  const selfId = useSessionStore((state) => state.user?.id);
  const [filter, setFilter] = useState<UsageFilter>(() => ({ ...thisMonth(), scope: 'me' }));
  const [metric, setMetric] = useState<DayMetric>('cost');
  const days = useUsageReport(filter, 'day');
  const models = useUsageReport(filter, 'model');
  const bots = useUsageReport(filter, 'bot');
  const users = useUsageReport({ ...filter, scope: 'all' }, 'user', isAdmin);
  const axis = useMemo(() => {
    const today = utcDay();
    // The axis ends today (no empty future days), but never before the range starts.
    const end = [filter.to, today].sort()[0] as string;
    return daysBetween(filter.from, [end, filter.from].sort()[1] as string);
  }, [filter.from, filter.to]);
  const setRange = (range: { from: string; to: string }) =>
    setFilter((current) => ({ ...current, ...range }));
  const invalid = filter.from > filter.to;

  return (
    <section className="usage-page" data-testid="usage-page" aria-labelledby="usage-title">
      <header className="usage-header">
        <h1 id="usage-title">Usage</h1>
        <fieldset className="usage-range">
          <legend className="visually-hidden">Date range (UTC)</legend>
          <label>
            From
            <input
              type="date"
              value={filter.from}
              max={filter.to}
              onChange={(event) =>
                event.target.value && setRange({ from: event.target.value, to: filter.to })
              }
            />
          </label>
          <label>
            To
            <input
              type="date"
              value={filter.to}
              min={filter.from}
              onChange={(event) =>
                event.target.value && setRange({ from: filter.from, to: event.target.value })
              }
            />
          </label>
          <button type="button" className="button small" onClick={() => setRange(thisMonth())}>
            This month
          </button>
          <button type="button" className="button small" onClick={() => setRange(lastDays(30))}>
            Last 30 days
          </button>
          {isAdmin && (
            <label>
              Whose
              <select
                value={filter.scope}
                onChange={(event) =>
                  setFilter((current) => ({ ...current, scope: event.target.value as UsageFilter['scope'] }))
                }
              >
                <option value="me">Mine</option>
                <option value="all">Everyone</option>
              </select>
            </label>
          )}
        </fieldset>
      </header>
      {invalid && (
        <p className="form-error" role="alert">
          The start date is after the end date.
        </p>
      )}
      <Loaded state={days}>
        {(report) => (
          <>
            <p className="usage-summary" data-testid="usage-totals">
              {formatTokens(report.totals.answers)} answers · {formatCost(report.totals.costUsd)}
              {report.totals.unpricedAnswers > 0 && ` (+${report.totals.unpricedAnswers} at unknown prices)`}{' '}
              · {formatTokens(report.totals.inputTokens + report.totals.outputTokens)} tokens · TTFT p50{' '}
              {formatDuration(report.totals.ttftMsP50)}
            </p>
            <div className="usage-charts">
              <div>
                <label className="usage-metric">
                  Show
                  <select value={metric} onChange={(event) => setMetric(event.target.value as DayMetric)}>
                    <option value="cost">Cost by day</option>
                    <option value="tokens">Tokens by day</option>
                  </select>
                </label>
                <UsageChart
                  kind="stack"
                  title={
                    metric === 'cost'
                      ? 'Cost by day and model (USD)'
                      : 'Tokens (input + output) by day and model'
                  }
                  data={byDayAndModel(report.rows, axis, metric)}
                  format={metric === 'cost' ? (value) => formatCost(value) : (value) => formatTokens(value)}
                />
              </div>
              <UsageChart
                kind="lines"
                title="Time to first token, p50 by model"
                data={latencyByDay(report.rows, axis, 'ttftMsP50')}
                format={formatDuration}
              />
              <UsageChart
                kind="lines"
                title="Output tokens per second, p50 by model"
                data={latencyByDay(report.rows, axis, 'tokensPerSecondP50')}
                format={(value) => value.toFixed(1)}
              />
            </div>
          </>
        )}
      </Loaded>
      <Loaded state={models}>
        {(report) => (
          <UsageTable
            groupBy="model"
            title="By model"
            rows={report.rows}
            totals={report.totals}
            csvUrl={usageCsvUrl(filter, 'model')}
          />
        )}
      </Loaded>
      <Loaded state={bots}>
        {(report) => (
          <UsageTable
            groupBy="bot"
            title="By bot"
            rows={report.rows}
            totals={report.totals}
            csvUrl={usageCsvUrl(filter, 'bot')}
          />
        )}
      </Loaded>
      {isAdmin && (
        <Loaded state={users}>
          {(report) => (
            <UsageTable
              groupBy="user"
              title="By user"
              rows={report.rows}
              totals={report.totals}
              csvUrl={usageCsvUrl({ ...filter, scope: 'all' }, 'user')}
            />
          )}
        </Loaded>
      )}
      {isAdmin && <UserBudgets selfId={selfId} />}
      <p className="muted usage-note">
        Days are UTC. Percentiles come from the stored answers, in buckets 10 % wide (within 5 % of the exact
        figure).
      </p>
    </section>
  );
}
