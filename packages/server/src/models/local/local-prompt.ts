import type { LanguageModelV3Prompt } from '@ai-sdk/provider';

export interface PlainTurn {
  role: 'user' | 'assistant';
  text: string;
}

/** A prompt reduced to what a local text model can take: a system text and alternating text turns. */
export interface PlainConversation {
  system: string;
  turns: PlainTurn[];
  /** Files, tool calls and tool results were left out. */
  droppedNonText: boolean;
}

export function toPlainConversation(prompt: LanguageModelV3Prompt): PlainConversation {
  const systems: string[] = [];
  const turns: PlainTurn[] = [];
  let droppedNonText = false;
  for (const message of prompt) {
    if (message.role === 'system') {
      if (message.content.trim()) systems.push(message.content);
      continue;
    }
    if (message.role === 'tool') {
      droppedNonText = true;
      continue;
    }
    const texts: string[] = [];
    for (const part of message.content) {
      if (part.type === 'text') texts.push(part.text);
      else if (part.type !== 'reasoning') droppedNonText = true;
    }
    const text = texts.join('');
    if (!text.trim()) continue;
    const previous = turns[turns.length - 1];
    // Chat templates expect alternating roles: consecutive messages of one role become one turn.
    if (previous?.role === message.role) previous.text = `${previous.text}\n\n${text}`;
    else turns.push({ role: message.role, text });
  }
  return { system: systems.join('\n\n'), turns, droppedNonText };
}

/**
 * The plain-text prompt for a model without a chat template: it continues the conversation text. The
 * newest turn always goes in; then the system prompt if it fits; then older turns, newest first, while
 * they fit. `countTokens` measures a piece; the caller still cuts the result to the exact budget.
 */
export function fitCompletionPrompt(
  conversation: PlainConversation,
  budget: number,
  countTokens: (text: string) => number,
): string {
  const turns = conversation.turns.map((turn) => turn.text);
  const newest = turns.pop() ?? '';
  const separatorCost = 1;
  let remaining = budget - countTokens(newest);
  const system = conversation.system;
  let withSystem = false;
  if (system) {
    const cost = countTokens(system) + separatorCost;
    if (cost <= remaining) {
      remaining -= cost;
      withSystem = true;
    }
  }
  const older: string[] = [];
  for (let index = turns.length - 1; index >= 0; index--) {
    const text = turns[index] as string;
    const cost = countTokens(text) + separatorCost;
    if (cost > remaining) break;
    remaining -= cost;
    older.unshift(text);
  }
  return [...(withSystem ? [system] : []), ...older, newest].join('\n');
}

/**
 * Tokens for the model's answer and the prompt budget in a context of `contextSize`. The prompt keeps
 * at least half the context; without a requested maximum the answer may use the rest.
 */
export function splitContext(
  contextSize: number,
  maxOutputTokens: number | undefined,
): { promptBudget: number; outputReserve: number } {
  const half = Math.floor(contextSize / 2);
  const outputReserve = Math.max(1, Math.min(maxOutputTokens ?? half, half));
  return { promptBudget: contextSize - outputReserve, outputReserve };
}
