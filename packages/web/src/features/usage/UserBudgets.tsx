import type { Budget, BudgetAction, User } from '@cachibot/protocol';
import { useCallback, useEffect, useState } from 'react';
import { describeError } from '../../api/api-error.ts';
import { formatCost } from '../message-info/format.ts';
import { budgetsApi } from './usage-api.ts';

const ACTIONS: Record<BudgetAction, string> = { block: 'Refuse', warn: 'Warn', downgrade: 'Downgrade' };

/** One user's spend against their budget, and the admin's controls for it. */
function UserBudgetRow({ user, isSelf }: { user: User; isSelf: boolean }) {
  const [budget, setBudget] = useState<Budget | null>(null);
  const [limit, setLimit] = useState('');
  const [action, setAction] = useState<BudgetAction>('block');
  const [downgradeModel, setDowngradeModel] = useState('');
  const [message, setMessage] = useState<string | null>(null);
  const show = useCallback((next: Budget) => {
    setBudget(next);
    setLimit(next.monthlyUsd === null ? '' : String(next.monthlyUsd));
    setAction(next.action ?? 'block');
    setDowngradeModel(next.downgradeModel ?? '');
  }, []);

  useEffect(() => {
    budgetsApi.ofUser(user.id).then(show, (error: unknown) => setMessage(describeError(error)));
  }, [user.id, show]);
  const run = async (change: () => Promise<unknown>) => {
    setMessage(null);
    try {
      await change();
      show(await budgetsApi.ofUser(user.id));
    } catch (error) {
      setMessage(describeError(error));
    }
  };
  const share = budget?.monthlyUsd ? Math.round((budget.spentUsd / budget.monthlyUsd) * 100) : null;
  return (
    <tr data-key={user.id}>
      <th scope="row">
        {user.username}
        {isSelf && <span className="muted"> (you: lower only)</span>}
      </th>
      <td data-testid="user-budget-spend">
        {budget ? formatCost(budget.spentUsd) : '…'}
        {budget?.monthlyUsd != null && ` of ${formatCost(budget.monthlyUsd)} (${share} %)`}
      </td>
      <td>
        <input
          aria-label={`Budget of ${user.username} (USD per month)`}
          type="number"
          min="0"
          step="any"
          value={limit}
          onChange={(event) => setLimit(event.target.value)}
        />
      </td>
      <td>
        <select
          aria-label={`When ${user.username}'s budget is used up`}
          value={action}
          onChange={(event) => setAction(event.target.value as BudgetAction)}
        >
          {Object.entries(ACTIONS).map(([value, label]) => (
            <option key={value} value={value}>
              {label}
            </option>
          ))}
        </select>
        {action === 'downgrade' && (
          <input
            aria-label={`Cheaper model for ${user.username}`}
            placeholder="provider/model"
            value={downgradeModel}
            onChange={(event) => setDowngradeModel(event.target.value)}
          />
        )}
      </td>
      <td>
        <button
          type="button"
          className="button small"
          disabled={limit === ''}
          onClick={() =>
            run(() =>
              budgetsApi.setForUser(user.id, {
                monthlyUsd: Number(limit),
                action,
                ...(action === 'downgrade' ? { downgradeModel } : {}),
              }),
            )
          }
        >
          Save
        </button>
        {budget?.monthlyUsd != null && !isSelf && (
          <button
            type="button"
            className="button small"
            onClick={() => run(() => budgetsApi.removeFromUser(user.id))}
          >
            Remove
          </button>
        )}
        {message && (
          <span className="form-error" role="alert">
            {message}
          </span>
        )}
      </td>
    </tr>
  );
}

/** Admins: every user's monthly budget and spend (META-04); nobody can raise their own. */
export function UserBudgets({ selfId }: { selfId: string | undefined }) {
  const [users, setUsers] = useState<User[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    budgetsApi.users().then(
      (result) => setUsers(result.users),
      (failure: unknown) => setError(describeError(failure)),
    );
  }, []);
  return (
    <section className="usage-section" aria-labelledby="user-budgets-title">
      <header className="usage-section-header">
        <h2 id="user-budgets-title">User budgets (this month)</h2>
      </header>
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      <div className="usage-table-scroll">
        <table className="usage-table" data-testid="user-budgets">
          <thead>
            <tr>
              <th scope="col">User</th>
              <th scope="col">Spent</th>
              <th scope="col">Budget (USD)</th>
              <th scope="col">When used up</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {users?.map((user) => (
              <UserBudgetRow key={user.id} user={user} isSelf={user.id === selfId} />
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
