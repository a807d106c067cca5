// Both providers accept message content as a plain string or as an array of typed parts; the
// doubles only care about the text in it (for directives and the deterministic prompt count).
import { countWords } from './knobs.ts';

/** The text of a content value: a string, or the `text` of every part that has one. */
export function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .map((part: unknown) => (isRecord(part) && typeof part.text === 'string' ? part.text : ''))
    .filter(Boolean)
    .join('\n');
}

/** Text of the last message whose role is "user" ('' when there is none). */
export function lastUserText(messages: unknown[]): string {
  const lastUser = [...messages].reverse().find((message) => isRecord(message) && message.role === 'user');
  return isRecord(lastUser) ? contentText(lastUser.content) : '';
}

/** Deterministic prompt size: words across every message's text (plus any extra text such as a system prompt). */
export function countPromptWords(messages: unknown[], extraText = ''): number {
  const texts = messages.map((message) => (isRecord(message) ? contentText(message.content) : ''));
  return countWords([extraText, ...texts].join(' '));
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** A number field of a request body, or undefined when absent or not a number. */
export function numberField(body: Record<string, unknown>, name: string): number | undefined {
  const value = body[name];
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}
