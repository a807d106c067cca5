import type { OpenAIMessage } from '@cachibot/protocol';
import { badRequest } from '../errors.ts';

/** A request's `messages` as Cachibot stores them: instructions, earlier turns, the new question. */
export interface ApiConversation {
  /** The `system` and `developer` messages, joined: stored as the chat's first (system) message. */
  system: string | null;
  /** The user and assistant messages before the question, in order. */
  prior: { role: 'user' | 'assistant'; content: string }[];
  /** The last user message: the turn's question. */
  question: string;
}

const textOf = (message: OpenAIMessage): string => {
  const { content } = message;
  if (content === null || content === undefined) return '';
  if (typeof content === 'string') return content;
  return content.map((part) => part.text).join('\n');
};

const invalidMessages = (message: string) =>
  badRequest(`Invalid request: messages: ${message}`, [{ path: 'messages', message, code: 'invalid_value' }]);

/**
 * Splits OpenAI's `messages` into what a turn needs. The last user message is the question and must
 * come last (system messages after it are instructions too); tool and function messages, and
 * assistant messages without text (tool calls only), are left out: this API offers no client tools.
 */
export function splitConversation(messages: OpenAIMessage[]): ApiConversation {
  const last = messages.findLastIndex((message) => message.role === 'user');
  if (last < 0) throw invalidMessages('must include a user message');
  const after = messages.slice(last + 1).find((m) => m.role !== 'system' && m.role !== 'developer');
  if (after) throw invalidMessages(`must end with a user message, not ${after.role}`);
  const question = textOf(messages[last] as OpenAIMessage);
  if (!question.trim()) throw invalidMessages('the last user message must not be empty');

  const system: string[] = [];
  const prior: ApiConversation['prior'] = [];
  messages.forEach((message, index) => {
    if (index === last) return;
    const text = textOf(message);
    if (!text.trim()) return;
    if (message.role === 'system' || message.role === 'developer') system.push(text);
    else if ((message.role === 'user' || message.role === 'assistant') && index < last)
      prior.push({ role: message.role, content: text });
  });
  return { system: system.length > 0 ? system.join('\n\n') : null, prior, question };
}
