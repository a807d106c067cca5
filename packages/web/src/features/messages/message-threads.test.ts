import { describe, expect, it } from 'vitest';
import { makeMessage } from '../../test/fixtures.ts';
import { threadItems } from './message-threads.ts';

describe('threadItems', () => {
  const messages = [
    makeMessage({ id: 'u1' }),
    makeMessage({ id: 'a1', role: 'assistant', parentId: 'u1' }),
    makeMessage({ id: 'u2' }),
    makeMessage({ id: 'a2', role: 'assistant', parentId: 'u2' }),
    makeMessage({ id: 'a2b', role: 'assistant', parentId: 'u2' }),
  ];

  it('collapses sibling answers into one slot showing the newest', () => {
    const items = threadItems(messages, {});
    expect(items.map((item) => item.message.id)).toEqual(['u1', 'a1', 'u2', 'a2b']);
    expect(items[3]?.siblings).toEqual({ index: 1, ids: ['a2', 'a2b'], parentId: 'u2' });
  });

  it('shows the sibling the user flipped to', () => {
    expect(threadItems(messages, { u2: 'a2' }).map((item) => item.message.id)).toEqual([
      'u1',
      'a1',
      'u2',
      'a2',
    ]);
  });
});
