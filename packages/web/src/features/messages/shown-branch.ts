/**
 * The last message the conversation shows, per chat: the leaf of the branch on screen (the sibling
 * answer the user picked, not necessarily the newest). A new question replies to it, so the model sees
 * exactly the conversation the user is looking at.
 */
const leaves = new Map<string, string>();
const MAX_CHATS = 200;

export function setShownLeaf(chatId: string, messageId: string | undefined): void {
  leaves.delete(chatId);
  if (!messageId) return;
  leaves.set(chatId, messageId);
  if (leaves.size > MAX_CHATS) leaves.delete(leaves.keys().next().value as string);
}

export function shownLeaf(chatId: string | null | undefined): string | undefined {
  return chatId ? leaves.get(chatId) : undefined;
}
