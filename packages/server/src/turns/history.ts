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
 * before a token) are left out; the current question is always kept. System messages (the
 * instructions of an OpenAI-compatible API call, stored at the chat's root) come first.
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
    if (row.role === 'assistant' && !row.content) continue;
    if (row.role === 'system' && !row.content) continue;
    const cost = estimateTokens(row.content);
    if (!isCurrent && cost > remaining) break;
    remaining -= cost;
    picked.push({ role: row.role, content: row.content });
  }
  picked.reverse();
  // Stored instructions (an API call's system message) lead, after the bot's prompt; providers such
  // as Anthropic require the conversation after them to open with a user message.
  const instructions = picked.filter((message) => message.role === 'system');
  const conversation = picked.filter((message) => message.role !== 'system');
  while (conversation.length > 1 && conversation[0]?.role !== 'user') conversation.shift();
  return [...instructions, ...conversation];
}
