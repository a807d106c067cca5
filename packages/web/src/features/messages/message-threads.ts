import type { Message } from '@cachibot/protocol';

export interface ThreadItem {
  message: Message;
  /** Set when a user message has several answers (regenerated): which one is shown, among which. */
  siblings?: { index: number; ids: string[]; parentId: string };
}

/**
 * The messages to show: answers to the same user message (siblings) collapse into one slot showing
 * the chosen one (by default the newest), at the place of the first.
 */
export function threadItems(messages: Message[], chosen: Record<string, string>): ThreadItem[] {
  const answers = new Map<string, Message[]>();
  for (const message of messages) {
    if (message.role !== 'assistant' || !message.parentId) continue;
    const group = answers.get(message.parentId) ?? [];
    group.push(message);
    answers.set(message.parentId, group);
  }
  const items: ThreadItem[] = [];
  const placed = new Set<string>();
  for (const message of messages) {
    const group =
      message.role === 'assistant' && message.parentId ? answers.get(message.parentId) : undefined;
    if (!group || group.length < 2 || !message.parentId) {
      items.push({ message });
      continue;
    }
    if (placed.has(message.parentId)) continue;
    placed.add(message.parentId);
    const wanted = group.findIndex((item) => item.id === chosen[message.parentId as string]);
    const index = wanted >= 0 ? wanted : group.length - 1;
    items.push({
      message: group[index] as Message,
      siblings: { index, ids: group.map((item) => item.id), parentId: message.parentId },
    });
  }
  return items;
}
