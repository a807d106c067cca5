import type { BudgetNotice } from '@cachibot/protocol';
import { formatCost } from '../message-info/format.ts';

/** Shown on an answer once a monthly budget is 80 % spent (the server sends `metadata.budget`). */
export function BudgetWarning({ notice }: { notice: BudgetNotice }) {
  const share = Math.round((notice.spentUsd / notice.limitUsd) * 100);
  const whose = notice.scope === 'bot' ? "This bot's" : 'Your';
  return (
    <span className="budget-warning" role="status" data-testid="budget-warning" data-share={share}>
      {whose} monthly budget: {formatCost(notice.spentUsd)} of {formatCost(notice.limitUsd)} ({share} %)
      {share >= 100 ? ' — used up' : ''}
    </span>
  );
}
