import { describe, expect, it } from 'vitest';
import { branchOf } from '../../stores/branch-state.ts';
import { useEntitiesStore } from '../../stores/entities-store.ts';
import { useMessagesStore } from '../../stores/messages-store.ts';
import { useToastStore } from '../../stores/toast-store.ts';
import { useUiStore } from '../../stores/ui-store.ts';
import { fakeRest } from '../../test/fake-server.ts';
import { makeChat, makeMessage } from '../../test/fixtures.ts';
import { continueWithAnswer, forkFrom, showBranch, voteOn } from './branch-actions.ts';

const question = makeMessage({ id: 'q' });
const first = makeMessage({ id: 'a1', role: 'assistant', parentId: 'q' });
const second = makeMessage({ id: 'a2', role: 'assistant', parentId: 'q' });

function loadChat() {
  useMessagesStore.getState().setLatestPage('chat-1', [question, first, second], null);
  useEntitiesStore.getState().upsertChat(makeChat({ currentMessageId: 'a2' }));
}

describe('switching branches', () => {
  it('shows the picked branch at once and saves it as the chat’s currentMessageId', async () => {
    loadChat();
    const rest = fakeRest({
      'PATCH /api/chats/chat-1': ({ body }: { body: unknown }) => ({
        body: makeChat({ currentMessageId: (body as { currentMessageId: string }).currentMessageId }),
      }),
    });
    expect(branchOf('chat-1').leafId).toBe('a2');
    const saved = showBranch('chat-1', 'a1');
    expect(branchOf('chat-1').leafId).toBe('a1'); // before the server answered
    await saved;
    expect(rest.calls).toEqual([
      { method: 'PATCH', path: '/api/chats/chat-1', body: { currentMessageId: 'a1' } },
    ]);
    expect(useEntitiesStore.getState().chats['chat-1']?.currentMessageId).toBe('a1');
    expect(useMessagesStore.getState().chats['chat-1']?.leafOverride).toBeUndefined();
  });

  it('goes back to the server’s branch with a toast when the save is refused', async () => {
    loadChat();
    fakeRest({
      'PATCH /api/chats/chat-1': () => ({
        status: 400,
        body: { error: { code: 'bad_request', message: 'no' } },
      }),
    });
    await showBranch('chat-1', 'a1');
    expect(branchOf('chat-1').leafId).toBe('a2');
    expect(useToastStore.getState().toasts.map((toast) => toast.message)).toEqual([
      'Could not switch the branch: no',
    ]);
  });

  it('keeps the last of quick switches, saved in the order they were made', async () => {
    loadChat();
    const rest = fakeRest({
      'PATCH /api/chats/chat-1': ({ body }: { body: unknown }) => ({
        body: makeChat({ currentMessageId: (body as { currentMessageId: string }).currentMessageId }),
      }),
    });
    const one = showBranch('chat-1', 'a1');
    const two = showBranch('chat-1', 'a2');
    await Promise.all([one, two]);
    expect(rest.calls.map((call) => call.body)).toEqual([
      { currentMessageId: 'a1' },
      { currentMessageId: 'a2' },
    ]);
    expect(branchOf('chat-1').leafId).toBe('a2');
  });

  it('continues with an answer from where its branch was continued last', async () => {
    useMessagesStore
      .getState()
      .setLatestPage('chat-1', [question, first, second, makeMessage({ id: 'q2', parentId: 'a1' })], null);
    const rest = fakeRest({ 'PATCH /api/chats/chat-1': makeChat({ currentMessageId: 'q2' }) });
    await continueWithAnswer(first);
    expect(rest.calls[0]?.body).toEqual({ currentMessageId: 'q2' });
  });
});

describe('fork and votes', () => {
  it('opens the forked chat', async () => {
    const rest = fakeRest({
      'POST /api/chats/chat-1/fork': makeChat({ id: 'chat-2', title: 'A chat (fork)' }),
    });
    await forkFrom(first, 'bot-1');
    expect(rest.calls[0]?.body).toEqual({ messageId: 'a1' });
    expect(useEntitiesStore.getState().chats['chat-2']?.title).toBe('A chat (fork)');
    expect(useUiStore.getState()).toMatchObject({ selectedBotId: 'bot-1', selectedChatId: 'chat-2' });
  });

  it('shows a vote at once and takes it back when the server refuses it', async () => {
    loadChat();
    let refuse = false;
    fakeRest({ 'POST /api/messages/a1/vote': () => (refuse ? { status: 500, body: {} } : { status: 204 }) });
    const vote = () => useMessagesStore.getState().chats['chat-1']?.byId.a1?.vote;
    const pending = voteOn(first, 1);
    expect(vote()).toBe(1);
    await pending;
    expect(vote()).toBe(1);
    refuse = true;
    await voteOn({ ...first, vote: 1 }, 0);
    expect(vote()).toBe(1);
    expect(useToastStore.getState().toasts).toHaveLength(1);
  });
});
