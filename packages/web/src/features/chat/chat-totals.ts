import type { Message } from '@cachibot/protocol';

export interface ChatTotals {
  messages: number;
  tokens: number;
  /** Sum of the answers whose price is known. */
  costUsd: number;
  /** Answers with usage but no price: the cost total is a lower bound when > 0. */
  unpricedAnswers: number;
}

/** Totals over the loaded messages, from the same metadata the info panels show (META-02). */
export function chatTotals(messages: Message[]): ChatTotals {
  const totals: ChatTotals = { messages: messages.length, tokens: 0, costUsd: 0, unpricedAnswers: 0 };
  for (const message of messages) {
    if (message.role !== 'assistant') continue;
    const { usage, costUsd } = message.metadata;
    if (usage) totals.tokens += usage.totalTokens || usage.inputTokens + usage.outputTokens;
    if (typeof costUsd === 'number') totals.costUsd += costUsd;
    else if (usage && message.status !== 'streaming') totals.unpricedAnswers += 1;
  }
  return totals;
}
