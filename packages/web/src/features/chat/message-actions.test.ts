import { describe, expect, it } from 'vitest';
import { useMessagesStore } from '../../stores/messages-store.ts';
import { useTurnsStore } from '../../stores/turns-store.ts';
import { fakeRest } from '../../test/fake-server.ts';
import { makeMessage, recordingTransport } from '../../test/fixtures.ts';
import { loadLatestMessages, loadOlderMessages } from './message-actions.ts';

describe('message loading', () => {
  it('loads the newest page once, then older pages by cursor', async () => {
    const rest = fakeRest({
      'GET /api/chats/chat-1/messages': ({ url }: { url: URL }) =>
        url.searchParams.get('before') === 'cur-1'
          ? { body: { messages: [makeMessage({ id: 'old' })], nextCursor: null } }
          : { body: { messages: [makeMessage({ id: 'new' })], nextCursor: 'cur-1' } },
    });
    await Promise.all([loadLatestMessages('chat-1'), loadLatestMessages('chat-1')]);
    expect(rest.calls).toHaveLength(1);
    await loadOlderMessages('chat-1');
    await loadOlderMessages('chat-1'); // nothing older left
    expect(rest.calls).toHaveLength(2);
    expect(useMessagesStore.getState().chats['chat-1']?.ids).toEqual(['old', 'new']);
  });

  it('follows an answer that is still streaming after a reload', async () => {
    const transport = recordingTransport();
    fakeRest({
      'GET /api/chats/chat-1/messages': {
        messages: [makeMessage({ id: 'a', role: 'assistant', status: 'streaming', content: 'par' })],
        nextCursor: null,
      },
    });
    await loadLatestMessages('chat-1');
    expect(transport.frames).toEqual([{ type: 'resume', payload: { chatId: 'chat-1' } }]);
    expect(useTurnsStore.getState().watchedChats).toEqual({ 'chat-1': true });
  });
});
