import { describe, expect, it } from 'vitest';
import { makeMessage } from '../test/fixtures.ts';
import { useMessagesStore } from './messages-store.ts';

const ids = (chatId = 'chat-1') => useMessagesStore.getState().chats[chatId]?.ids;

describe('messages store', () => {
  it('keeps socket messages newer than a page that was in flight, after the page', () => {
    const store = useMessagesStore.getState();
    store.upsertMessage(makeMessage({ id: 'live', createdAt: '2025-01-03T00:00:00Z', content: 'streamed' }));
    store.setLatestPage('chat-1', [makeMessage({ id: 'a', createdAt: '2025-01-01T00:00:00Z' })], 'cursor-1');
    expect(ids()).toEqual(['a', 'live']);
    expect(useMessagesStore.getState().chats['chat-1']?.nextCursor).toBe('cursor-1');
  });

  it('prefers the local copy of a message that is still streaming here', () => {
    const store = useMessagesStore.getState();
    store.upsertMessage(makeMessage({ id: 'a', content: 'longer streamed text', status: 'streaming' }));
    store.setLatestPage(
      'chat-1',
      [makeMessage({ id: 'a', content: 'long', status: 'streaming' })],
      null,
      (id) => id === 'a',
    );
    expect(useMessagesStore.getState().chats['chat-1']?.byId.a?.content).toBe('longer streamed text');
  });

  it('puts older pages first without duplicates', () => {
    const store = useMessagesStore.getState();
    store.setLatestPage('chat-1', [makeMessage({ id: 'c' }), makeMessage({ id: 'd' })], 'cur');
    store.prependOlder(
      'chat-1',
      [makeMessage({ id: 'a' }), makeMessage({ id: 'b' }), makeMessage({ id: 'c' })],
      null,
    );
    expect(ids()).toEqual(['a', 'b', 'c', 'd']);
    expect(useMessagesStore.getState().chats['chat-1']?.nextCursor).toBeNull();
  });

  it('appends deltas and merges metadata patches', () => {
    const store = useMessagesStore.getState();
    store.upsertMessage(makeMessage({ id: 'a', content: '', metadata: { model: 'x/y' } }));
    store.appendDelta('chat-1', 'a', 'Hi');
    store.appendDelta('chat-1', 'missing', 'ignored');
    store.patchMessage('chat-1', 'a', { status: 'cancelled', metadata: { costUsd: 1 } });
    expect(useMessagesStore.getState().chats['chat-1']?.byId.a).toMatchObject({
      content: 'Hi',
      status: 'cancelled',
      metadata: { model: 'x/y', costUsd: 1 },
    });
  });
});
