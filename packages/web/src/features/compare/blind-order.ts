import type { Message } from '@cachibot/protocol';

/** FNV-1a: a small stable hash, so a blind order is the same on every render and after a reload. */
function hash(text: string): number {
  let value = 0x811c9dc5;
  for (let index = 0; index < text.length; index++) {
    value ^= text.charCodeAt(index);
    value = Math.imul(value, 0x01000193) >>> 0;
  }
  return value;
}

/**
 * The columns of a blind compare: shuffled (the order the models were picked in would give them away),
 * but the same shuffle every time for the same compare.
 */
export function blindOrder(answers: Message[]): Message[] {
  return [...answers].sort((a, b) => hash(`${a.parentId}:${a.id}`) - hash(`${b.parentId}:${b.id}`));
}

/** "Model A", "Model B", … */
export function blindLabel(index: number): string {
  return `Model ${String.fromCharCode(65 + index)}`;
}

/** The model a compared answer was asked of (after a fallback, `metadata.model` names another). */
export function comparedModel(answer: Message): string {
  return answer.metadata.modelRequested ?? answer.metadata.model ?? 'unknown model';
}
