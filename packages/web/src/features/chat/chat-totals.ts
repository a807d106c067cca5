import type { ChatTotals } from '@cachibot/protocol';
import { formatCost, formatTokens } from '../message-info/format.ts';

export interface ChatTotalsText {
  messages: string;
  tokens: string;
  cost: string;
  /** Why the cost is incomplete, for a tooltip; absent when every answer had a price. */
  costNote?: string;
}

/**
 * The header's words for the server's totals over the whole chat (META-02). The cost of an answer
 * without a known price is unknown, never a guess: with priced answers the total says how many are
 * left out; with none priced (nothing known to add up), the total itself is unknown.
 */
export function describeChatTotals(totals: ChatTotals): ChatTotalsText {
  const { unpricedAnswers, costUsd } = totals;
  const text: ChatTotalsText = {
    messages: formatTokens(totals.messages),
    tokens: `${formatTokens(totals.inputTokens)} in / ${formatTokens(totals.outputTokens)} out`,
    cost: formatCost(costUsd),
  };
  if (unpricedAnswers === 0) return text;
  const answers = unpricedAnswers === 1 ? '1 answer' : `${formatTokens(unpricedAnswers)} answers`;
  text.costNote = `${answers} without a known price`;
  text.cost =
    costUsd > 0 ? `${formatCost(costUsd)} + ${formatTokens(unpricedAnswers)} unpriced` : 'price unknown';
  return text;
}
