import type { ModelMessage } from 'ai';
import type { HistoryRow } from '../chats/message-repository.ts';

export interface HistoryBudget {
  contextWindow?: number;
  maxOutputTokens?: number;
  systemPrompt: string;
}

const DEFAULT_CONTEXT_WINDOW = 32_768;
/** A rough, provider-independent estimate: about four characters per token plus framing. */
export const estimateTokens = (text: string): number => Math.ceil(text.length / 4) + 4;

/**
 * The conversation the model sees: the branch from the current question back to the root (`rows`,
 * leaf first, as `MessageRepository.branchRows` reads it), newest first until the context window
 * (minus room for the answer and the system prompt) is full. Answers without text (failed, cancelled
 * before a token) are left out; the current question is always kept.
 */
export function buildHistory(
  rows: HistoryRow[],
  currentUserMessageId: string,
  budget: HistoryBudget,
): ModelMessage[] {
  const window = budget.contextWindow ?? DEFAULT_CONTEXT_WINDOW;
  const reserve = budget.maxOutputTokens ?? Math.min(4096, Math.floor(window / 4));
  let remaining = window - reserve - estimateTokens(budget.systemPrompt);

  const picked: ModelMessage[] = [];
  for (const row of rows) {
    const isCurrent = row.id === currentUserMessageId;
    if (row.role !== 'user' && row.role !== 'assistant') continue;
    if (row.role === 'assistant' && !row.content) continue;
    const cost = estimateTokens(row.content);
    if (!isCurrent && cost > remaining) break;
    remaining -= cost;
    picked.push({ role: row.role, content: row.content });
  }
  picked.reverse();
  // Providers such as Anthropic require the conversation to open with a user message.
  while (picked.length > 1 && picked[0]?.role !== 'user') picked.shift();
  return picked;
}
