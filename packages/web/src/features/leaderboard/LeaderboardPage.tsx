import type { LeaderboardRow } from '@cachibot/protocol';
import { useEffect, useMemo, useState } from 'react';
import { describeError } from '../../api/api-error.ts';
import { branchesApi } from '../branches/branches-api.ts';
import { formatCost, formatDuration, formatTokensPerSecond } from '../message-info/format.ts';
import { formatWinRate, rankLeaderboard } from './leaderboard-rows.ts';
import './leaderboard.css';

type State =
  | { status: 'loading' }
  | { status: 'error'; message: string }
  | { status: 'ready'; rows: LeaderboardRow[] };

/**
 * MODL-13: which model is best for *my* work, at what price. Per model, from the user's own votes on
 * compared answers (a 👍 on one answer is a win over each of its siblings) and the records of its answers.
 */
export default function LeaderboardPage() {
  const [state, setState] = useState<State>({ status: 'loading' });
  const [attempt, setAttempt] = useState(0);
  // biome-ignore lint/correctness/useExhaustiveDependencies: `attempt` is the Retry trigger
  useEffect(() => {
    const controller = new AbortController();
    setState({ status: 'loading' });
    branchesApi
      .leaderboard(controller.signal)
      .then((body) => setState({ status: 'ready', rows: body.models }))
      .catch((error: unknown) => {
        if (!controller.signal.aborted) setState({ status: 'error', message: describeError(error) });
      });
    return () => controller.abort();
  }, [attempt]);
  const rows = useMemo(() => (state.status === 'ready' ? rankLeaderboard(state.rows) : []), [state]);
  const voted = rows.some((row) => row.wins + row.losses > 0);

  return (
    <section className="leaderboard-page" data-testid="leaderboard-page" aria-labelledby="leaderboard-title">
      <header className="leaderboard-header">
        <h1 id="leaderboard-title">Model leaderboard</h1>
        <p className="muted">
          From your own votes: a 👍 on one answer of a compare is a win over the other answers. Medians are
          over all of the model’s answers.
        </p>
      </header>
      {state.status === 'loading' && <p className="muted">Loading…</p>}
      {state.status === 'error' && (
        <div className="form-error" role="alert">
          Could not load the leaderboard: {state.message}{' '}
          <button type="button" className="button small" onClick={() => setAttempt((n) => n + 1)}>
            Try again
          </button>
        </div>
      )}
      {state.status === 'ready' && rows.length === 0 && (
        <p className="muted leaderboard-empty">
          No answers yet. Compare two or more models from the composer’s <strong>Compare</strong> button and
          give the better answer a 👍.
        </p>
      )}
      {state.status === 'ready' && rows.length > 0 && (
        <>
          {!voted && (
            <p className="muted leaderboard-empty">
              No votes yet: compare models and give the better answer a 👍 to rank them.
            </p>
          )}
          <div className="leaderboard-scroller">
            <table className="leaderboard-table" data-testid="leaderboard-table">
              <thead>
                <tr>
                  <th scope="col">#</th>
                  <th scope="col">Model</th>
                  <th scope="col">Wins</th>
                  <th scope="col">Losses</th>
                  <th scope="col">Win rate</th>
                  <th scope="col">Answers</th>
                  <th scope="col">Median cost</th>
                  <th scope="col">Median TTFT</th>
                  <th scope="col">Median speed</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((row, index) => (
                  <tr key={row.model} data-testid="leaderboard-row" data-model-id={row.model}>
                    <td>{index + 1}</td>
                    <th
                      scope="row"
                      className={`leaderboard-model${index === 0 && row.winRate !== null ? ' leader' : ''}`}
                    >
                      {row.model}
                    </th>
                    <td>{row.wins}</td>
                    <td>{row.losses}</td>
                    <td>{formatWinRate(row.winRate)}</td>
                    <td>{row.answers}</td>
                    <td>{formatCost(row.medianCostUsd)}</td>
                    <td>{formatDuration(row.medianTtftMs)}</td>
                    <td>{formatTokensPerSecond(row.medianTokensPerSecond)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </section>
  );
}
