import type { Message } from '@cachibot/protocol';
import { describe, expect, it } from 'vitest';
import { makeMessage } from '../test/fixtures.ts';
import { buildTree, computeBranch, leafUnder, resolveLeaf, type ThreadItem } from './message-tree.ts';

const user = (id: string, parentId: string | null, content = id) => makeMessage({ id, parentId, content });
const answer = (id: string, parentId: string, metadata: Message['metadata'] = {}) =>
  makeMessage({
    id,
    role: 'assistant',
    parentId,
    content: id,
    metadata: { model: 'openai/gpt-4o', ...metadata },
  });
const chatOf = (messages: Message[]) => ({
  ids: messages.map((message) => message.id),
  byId: Object.fromEntries(messages.map((message) => [message.id, message])),
});
const shown = (items: ThreadItem[]) =>
  items.map((item) =>
    item.kind === 'compare' ? `[${item.answers.map((a) => a.id).join('|')}]` : item.message.id,
  );

// q1 ─ a1 ─ q2 ─ a2
//          │    └ a2b (regenerated)
//          └ q2e ─ a2e (an edit of q2)
const conversation = [
  user('q1', null),
  answer('a1', 'q1'),
  user('q2', 'a1'),
  answer('a2', 'q2'),
  answer('a2b', 'q2'),
  user('q2e', 'a1'),
  answer('a2e', 'q2e'),
];

describe('the branch a chat shows', () => {
  it('is the path from the first message to the current leaf, never text of other branches', () => {
    const branch = computeBranch(chatOf(conversation), 'a2');
    expect(shown(branch.items)).toEqual(['q1', 'a1', 'q2', 'a2']);
    expect(branch.leafId).toBe('a2');
  });

  it('falls back to the newest leaf when the chat remembers no branch, or one not loaded', () => {
    expect(computeBranch(chatOf(conversation), null).leafId).toBe('a2e');
    expect(computeBranch(chatOf(conversation), 'not-loaded').leafId).toBe('a2e');
  });

  it('goes on below a current message that was continued since (on another device)', () => {
    const tree = buildTree(chatOf(conversation));
    expect(resolveLeaf(tree, 'q2')).toBe('a2b');
    expect(leafUnder(tree, 'a1')).toBe('a2e');
  });

  it('offers the versions of an answer and of a question with the leaf each one leads to', () => {
    const items = computeBranch(chatOf(conversation), 'a2').items;
    expect(items[3]?.siblings).toEqual({ position: 0, count: 2, leaves: ['a2', 'a2b'] });
    expect(items[2]?.siblings).toEqual({ position: 0, count: 2, leaves: ['a2b', 'a2e'] });
    expect(items[0]?.siblings).toBeUndefined();
    const edited = computeBranch(chatOf(conversation), 'a2e').items;
    expect(shown(edited)).toEqual(['q1', 'a1', 'q2e', 'a2e']);
    expect(edited[2]?.siblings?.position).toBe(1);
  });

  it('treats edits of the first question as versions of it (new roots)', () => {
    const messages = [user('q1', null), answer('a1', 'q1'), user('q1e', null), answer('a1e', 'q1e')];
    const items = computeBranch(chatOf(messages), 'a1').items;
    expect(shown(items)).toEqual(['q1', 'a1']);
    expect(items[0]?.siblings).toEqual({ position: 0, count: 2, leaves: ['a1', 'a1e'] });
  });

  it('shows the answers of a compare as one item, grouped by metadata.compareId after a reload', () => {
    const messages = [
      user('q1', null),
      answer('c2', 'q1', { compareId: 'q1', modelRequested: 'openai/gpt-4.1' }),
      answer('c1', 'q1', { compareId: 'q1', modelRequested: 'openai/gpt-4o' }),
      user('q2', 'c2'),
      answer('a2', 'q2'),
    ];
    const branch = computeBranch(chatOf(messages), 'a2');
    expect(shown(branch.items)).toEqual(['q1', '[c1|c2]', 'q2', 'a2']);
    const group = branch.items[1];
    expect(group?.kind === 'compare' && group.currentId).toBe('c2');
    expect(group?.siblings).toBeUndefined(); // the compare is the only version of the answer
  });

  it('counts a compare as one version beside a regenerated answer', () => {
    const messages = [
      user('q1', null),
      answer('c1', 'q1', { compareId: 'q1' }),
      answer('c2', 'q1', { compareId: 'q1' }),
      answer('r1', 'q1'),
    ];
    const onCompare = computeBranch(chatOf(messages), 'c1').items[1];
    expect(onCompare?.kind).toBe('compare');
    expect(onCompare?.siblings).toEqual({ position: 0, count: 2, leaves: ['c2', 'r1'] });
    const onRegenerated = computeBranch(chatOf(messages), 'r1').items[1];
    expect(onRegenerated?.kind).toBe('message');
    expect(onRegenerated?.siblings?.position).toBe(1);
  });

  it('switching to a compare leads to the answer the branch was continued from last', () => {
    const messages = [
      user('q1', null),
      answer('c1', 'q1', { compareId: 'q1' }),
      answer('c2', 'q1', { compareId: 'q1' }),
      user('q2', 'c1'),
      answer('a2', 'q2'),
      answer('r1', 'q1'),
    ];
    expect(computeBranch(chatOf(messages), 'r1').items[1]?.siblings?.leaves).toEqual(['a2', 'r1']);
  });

  it('starts at the oldest loaded ancestor while older pages are not loaded', () => {
    const page = [answer('a1', 'q1'), user('q2', 'a1'), answer('a2', 'q2')];
    expect(shown(computeBranch(chatOf(page), 'a2').items)).toEqual(['a1', 'q2', 'a2']);
  });

  it('survives a parent cycle in bad data instead of looping', () => {
    const messages = [user('x', 'y'), answer('y', 'x')];
    expect(
      computeBranch(chatOf(messages), 'y')
        .path.map((message) => message.id)
        .sort(),
    ).toEqual(['x', 'y']);
  });

  it('computes once per store state and current leaf', () => {
    const chat = chatOf(conversation);
    expect(computeBranch(chat, 'a2')).toBe(computeBranch(chat, 'a2'));
    expect(computeBranch(chat, 'a2b')).not.toBe(computeBranch(chat, 'a2'));
  });
});
