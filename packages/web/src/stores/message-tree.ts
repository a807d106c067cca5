import type { Message } from '@cachibot/protocol';

/**
 * A chat's loaded messages as a tree (issue 12). An answer's parent is its question, a question's parent
 * is the answer it follows, a first question has none. Siblings (same parent) are versions: regenerated
 * answers, edited questions, the answers of a compare. The conversation shows one path, root → leaf.
 */
export interface MessageTree {
  byId: Record<string, Message>;
  /** Children per parent id (`ROOT` for first questions), in arrival order — ids are time-ordered. */
  children: Map<string, Message[]>;
  /** Position of each id in the chat's list: bigger is newer. */
  order: Map<string, number>;
  ids: string[];
}

const ROOT = '\u0000root';
const parentKey = (parentId: string | null) => parentId ?? ROOT;

export function buildTree(chat: { ids: string[]; byId: Record<string, Message> }): MessageTree {
  const children = new Map<string, Message[]>();
  const order = new Map<string, number>();
  chat.ids.forEach((id, index) => {
    const message = chat.byId[id];
    if (!message) return;
    order.set(id, index);
    const key = parentKey(message.parentId);
    const list = children.get(key);
    if (list) list.push(message);
    else children.set(key, [message]);
  });
  return { byId: chat.byId, children, order, ids: chat.ids };
}

export function childrenOf(tree: MessageTree, parentId: string | null): Message[] {
  return tree.children.get(parentKey(parentId)) ?? [];
}

/** The leaf reached from `id` by always following the newest child (where a branch was last extended). */
export function leafUnder(tree: MessageTree, id: string): string {
  let current = id;
  const seen = new Set<string>();
  for (;;) {
    seen.add(current);
    const next = childrenOf(tree, current).at(-1);
    if (!next || seen.has(next.id)) return current;
    current = next.id;
  }
}

/** The newest loaded message without children: what a chat shows when it remembers no branch. */
export function newestLeaf(tree: MessageTree): string | undefined {
  for (let index = tree.ids.length - 1; index >= 0; index--) {
    const id = tree.ids[index] as string;
    if (tree.byId[id] && childrenOf(tree, id).length === 0) return id;
  }
  return undefined;
}

/**
 * The leaf of the branch on screen: the chat's `currentMessageId` — or, when it names a message with
 * newer continuations (sent from another tab), the newest leaf under it; the newest leaf when it is
 * unknown or not loaded.
 */
export function resolveLeaf(
  tree: MessageTree,
  currentMessageId: string | null | undefined,
): string | undefined {
  if (currentMessageId && tree.byId[currentMessageId]) return leafUnder(tree, currentMessageId);
  return newestLeaf(tree);
}

/** Root → leaf; stops early at a parent that is not loaded yet (on an older page). */
export function branchPath(tree: MessageTree, leafId: string | undefined): Message[] {
  const path: Message[] = [];
  const seen = new Set<string>();
  let current = leafId ? tree.byId[leafId] : undefined;
  while (current && !seen.has(current.id)) {
    seen.add(current.id);
    path.push(current);
    current = current.parentId ? tree.byId[current.parentId] : undefined;
  }
  return path.reverse();
}

/** The versions at one place of the path: `position` of `count`, and the leaf each version leads to. */
export interface SiblingSlots {
  position: number;
  count: number;
  leaves: string[];
}

export type ThreadItem =
  | { kind: 'message'; key: string; message: Message; siblings?: SiblingSlots }
  | {
      kind: 'compare';
      key: string;
      question: Message;
      /** The compared answers, in a stable order (by id: the order the models were given in). */
      answers: Message[];
      /** The answer the branch continues with. */
      currentId: string;
      siblings?: SiblingSlots;
    };

/** The answers of the compare that asked `question` (they carry its id as `metadata.compareId`). */
export function compareGroup(tree: MessageTree, question: Message): Message[] {
  return childrenOf(tree, question.id)
    .filter((answer) => answer.role === 'assistant' && answer.metadata.compareId === question.id)
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/**
 * The versions among a message's siblings: each sibling of the same role is one, except that the
 * answers of one compare count as a single version (shown side by side).
 */
function slotsOf(tree: MessageTree, message: Message): { members: Message[] }[] {
  const siblings = childrenOf(tree, message.parentId).filter((item) => item.role === message.role);
  const parent = message.parentId ? tree.byId[message.parentId] : undefined;
  const group = parent && message.role === 'assistant' ? compareGroup(tree, parent) : [];
  const grouped = new Set(group.length >= 2 ? group.map((answer) => answer.id) : []);
  const slots: { members: Message[] }[] = [];
  let groupPlaced = false;
  for (const sibling of siblings) {
    if (!grouped.has(sibling.id)) slots.push({ members: [sibling] });
    else if (!groupPlaced) {
      groupPlaced = true;
      slots.push({ members: group });
    }
  }
  return slots;
}

/** The newest leaf reachable from any member of a version (a compare: the answer continued last). */
function slotLeaf(tree: MessageTree, members: Message[]): string {
  let best = leafUnder(tree, (members[0] as Message).id);
  for (const member of members.slice(1)) {
    const leaf = leafUnder(tree, member.id);
    if ((tree.order.get(leaf) ?? -1) > (tree.order.get(best) ?? -1)) best = leaf;
  }
  return best;
}

function siblingSlots(tree: MessageTree, message: Message, slots: { members: Message[] }[]) {
  if (slots.length < 2) return undefined;
  const position = slots.findIndex((slot) => slot.members.some((member) => member.id === message.id));
  return {
    position: Math.max(0, position),
    count: slots.length,
    leaves: slots.map((slot) => slotLeaf(tree, slot.members)),
  };
}

/** What the conversation renders for a path: one item per message, a compare's answers as one item. */
export function threadItems(tree: MessageTree, path: Message[]): ThreadItem[] {
  const items: ThreadItem[] = [];
  for (const message of path) {
    const key = `${message.role}:${message.parentId ?? 'root'}`;
    const slots = slotsOf(tree, message);
    const siblings = siblingSlots(tree, message, slots);
    const parent = message.parentId ? tree.byId[message.parentId] : undefined;
    const own = slots.find((slot) => slot.members.some((member) => member.id === message.id));
    if (parent && own && own.members.length >= 2) {
      items.push({
        kind: 'compare',
        key,
        question: parent,
        answers: own.members,
        currentId: message.id,
        siblings,
      });
    } else {
      items.push({ kind: 'message', key, message, siblings });
    }
  }
  return items;
}

export interface Branch {
  tree: MessageTree;
  /** The last message on screen: a new question replies to it. */
  leafId: string | undefined;
  path: Message[];
  items: ThreadItem[];
}

const cache = new WeakMap<object, { current: string | null | undefined; branch: Branch }>();

/**
 * The branch a chat shows, from its loaded messages and the leaf it remembers. Cached per messages
 * object, so every reader of one store state shares one computation.
 */
export function computeBranch(
  chat: { ids: string[]; byId: Record<string, Message> },
  currentMessageId: string | null | undefined,
): Branch {
  const hit = cache.get(chat);
  if (hit && hit.current === currentMessageId) return hit.branch;
  const tree = buildTree(chat);
  const leafId = resolveLeaf(tree, currentMessageId);
  const path = branchPath(tree, leafId);
  const branch = { tree, leafId, path, items: threadItems(tree, path) };
  cache.set(chat, { current: currentMessageId, branch });
  return branch;
}
