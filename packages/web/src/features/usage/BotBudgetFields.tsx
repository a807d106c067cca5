import type { Budget, BudgetAction } from '@cachibot/protocol';
import { useCallback, useEffect, useState } from 'react';
import { describeError } from '../../api/api-error.ts';
import { FormField } from '../../ui/FormField.tsx';
import { formatCost } from '../message-info/format.ts';
import { budgetsApi } from './usage-api.ts';
import './budget.css';

interface Props {
  botId: string;
  modelIds: string[];
}

/** META-04 in the bot editor: this month's spend against the bot's budget, and the budget itself. */
export function BotBudgetFields({ botId, modelIds }: Props) {
  const [budget, setBudget] = useState<Budget | null>(null);
  const [limit, setLimit] = useState('');
  const [action, setAction] = useState<BudgetAction>('block');
  const [downgradeModel, setDowngradeModel] = useState('');
  const [message, setMessage] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const show = useCallback((next: Budget) => {
    setBudget(next);
    setLimit(next.monthlyUsd === null ? '' : String(next.monthlyUsd));
    setAction(next.action ?? 'block');
    setDowngradeModel(next.downgradeModel ?? '');
  }, []);
  // Read when opened: the editor itself asks for nothing more than the bot.
  const [open, setOpen] = useState(false);
  useEffect(() => {
    if (open) budgetsApi.ofBot(botId).then(show, (error: unknown) => setMessage(describeError(error)));
  }, [open, botId, show]);

  async function run(change: () => Promise<Budget | undefined>) {
    setBusy(true);
    setMessage(null);
    try {
      const next = await change();
      show(next ?? (await budgetsApi.ofBot(botId)));
    } catch (error) {
      setMessage(describeError(error));
    } finally {
      setBusy(false);
    }
  }

  const save = () =>
    run(() =>
      budgetsApi.setForBot(botId, {
        monthlyUsd: Number(limit),
        action,
        ...(action === 'downgrade' ? { downgradeModel } : {}),
      }),
    );
  const share = budget?.monthlyUsd ? budget.spentUsd / budget.monthlyUsd : null;
  return (
    <details
      className="budget-fields"
      data-testid="bot-budget"
      onToggle={(event) => setOpen((event.target as HTMLDetailsElement).open)}
    >
      <summary>Monthly budget and spend</summary>
      <p className="budget-spend" data-testid="budget-spend">
        {budget === null
          ? 'Loading…'
          : budget.monthlyUsd === null
            ? `Spent ${formatCost(budget.spentUsd)} this month (UTC); no budget set.`
            : `Spent ${formatCost(budget.spentUsd)} of ${formatCost(budget.monthlyUsd)} this month (${Math.round((share ?? 0) * 100)} %).`}
        {share !== null && (
          <meter min={0} max={1} low={0.8} high={0.99} optimum={0} value={Math.min(1, share)} />
        )}
      </p>
      <div className="form-row">
        <FormField label="Budget (USD per month)">
          {({ id }) => (
            <input
              id={id}
              type="number"
              min="0"
              step="any"
              inputMode="decimal"
              value={limit}
              onChange={(event) => setLimit(event.target.value)}
            />
          )}
        </FormField>
        <FormField label="When used up">
          {({ id }) => (
            <select
              id={id}
              value={action}
              onChange={(event) => setAction(event.target.value as BudgetAction)}
            >
              <option value="block">Refuse new answers</option>
              <option value="warn">Warn, keep answering</option>
              <option value="downgrade">Answer with a cheaper model</option>
            </select>
          )}
        </FormField>
        {action === 'downgrade' && (
          <FormField label="Cheaper model">
            {({ id }) => (
              <input
                id={id}
                list="budget-models"
                value={downgradeModel}
                placeholder="provider/model"
                onChange={(event) => setDowngradeModel(event.target.value)}
              />
            )}
          </FormField>
        )}
      </div>
      {action === 'downgrade' && (
        <datalist id="budget-models">
          {modelIds.map((model) => (
            <option key={model} value={model} />
          ))}
        </datalist>
      )}
      {message && (
        <p className="form-error" role="alert">
          {message}
        </p>
      )}
      <div className="form-actions">
        <button
          type="button"
          className="button small"
          disabled={busy || limit === ''}
          onClick={save}
          data-testid="save-budget-button"
        >
          Save budget
        </button>
        {budget?.monthlyUsd !== null && budget !== null && (
          <button
            type="button"
            className="button small"
            disabled={busy}
            onClick={() =>
              run(async () => {
                await budgetsApi.removeFromBot(botId);
                return undefined;
              })
            }
          >
            Remove budget
          </button>
        )}
      </div>
    </details>
  );
}
