import type { ServerEvent, TurnEvent } from '@cachibot/protocol';
import { describe, expect, it, vi } from 'vitest';
import { makeChat, makeMessage, turnEvent } from '../test/fixtures.ts';
import { branchOf } from './branch-state.ts';
import { useCompareStore } from './compare-store.ts';
import { useEntitiesStore } from './entities-store.ts';
import { useMessagesStore } from './messages-store.ts';
import { handleServerEvent, type ServerEventEffects } from './server-events.ts';
import { useToastStore } from './toast-store.ts';
import { useTurnsStore } from './turns-store.ts';

/** Issue 12: the turns of a compare stream side by side through the one event path. */

function effects() {
  const created: string[] = [];
  const acks: string[] = [];
  const value: ServerEventEffects = {
    requestResume: vi.fn(),
    retryTurn: vi.fn(),
    acknowledgeSend: (id) => void acks.push(id),
    chatCreated: (chat) => void created.push(chat.id),
  };
  return { value, created, acks };
}
const apply = (fx: ServerEventEffects, ...events: TurnEvent[]) => {
  for (const event of events) handleServerEvent(event as ServerEvent, fx);
};

const question = makeMessage({ id: 'q', content: 'Which is better?' });
const chat = makeChat({ currentMessageId: 'a1' });
const started = (turnId: string, answerId: string, model: string) =>
  turnEvent(
    'turn_started',
    { turnId, chatId: 'chat-1', seq: 1 },
    {
      userMessage: question,
      assistantMessageId: answerId,
      model,
      chat,
      clientMessageId: 'send-1',
      compareId: 'q',
    },
  );
const delta = (turnId: string, answerId: string, seq: number, text: string) =>
  turnEvent('text_delta', { turnId, chatId: 'chat-1', seq }, { messageId: answerId, delta: text });
const done = (turnId: string, answerId: string, seq: number, content: string) =>
  turnEvent(
    'done',
    { turnId, chatId: 'chat-1', seq },
    {
      message: makeMessage({
        id: answerId,
        role: 'assistant',
        parentId: 'q',
        content,
        metadata: { model: 'x/y', compareId: 'q' },
      }),
    },
  );

describe('the turns of a compare', () => {
  it('stream into their own answers, side by side, however their events interleave', () => {
    const fx = effects();
    useCompareStore.getState().setModels('draft:bot-1', ['openai/gpt-4o', 'openai/gpt-4.1']);
    useTurnsStore.getState().addPending({
      clientMessageId: 'send-1',
      kind: 'compare',
      botId: 'bot-1',
      text: 'Which is better?',
      models: ['openai/gpt-4o', 'openai/gpt-4.1'],
      createdAt: question.createdAt,
    });
    apply(
      fx.value,
      started('t1', 'a1', 'openai/gpt-4o'),
      started('t2', 'a2', 'openai/gpt-4.1'),
      delta('t2', 'a2', 2, 'Second'),
      delta('t1', 'a1', 2, 'First'),
      delta('t1', 'a1', 3, ' one'),
      delta('t2', 'a2', 3, ' two'),
    );
    const byId = useMessagesStore.getState().chats['chat-1']?.byId;
    expect(byId?.a1?.content).toBe('First one');
    expect(byId?.a2?.content).toBe('Second two');
    expect(byId?.a1?.metadata.compareId).toBe('q');
    // One question, one pending send acknowledged once, one new chat opened.
    expect(useTurnsStore.getState().pending).toEqual({});
    expect(fx.acks).toEqual(['send-1']);
    expect(fx.created).toEqual(['chat-1']);
    // Compared from a new chat's draft: the chat it created goes on comparing the same models.
    expect(useCompareStore.getState().picks).toEqual({ 'chat:chat-1': ['openai/gpt-4o', 'openai/gpt-4.1'] });
    const item = branchOf('chat-1').items[1];
    expect(item?.kind === 'compare' && item.answers.map((answer) => answer.id)).toEqual(['a1', 'a2']);

    // A slow column finishing late does not touch the other.
    apply(fx.value, done('t2', 'a2', 4, 'Second two'), delta('t1', 'a1', 4, '!'));
    expect(useMessagesStore.getState().chats['chat-1']?.byId.a1?.content).toBe('First one!');
    expect(useTurnsStore.getState().turns.t1?.status).toBe('running');
    expect(useTurnsStore.getState().turns.t2?.status).toBe('finished');

    // A failing column says which model failed, and offers no retry that would leave the compare.
    apply(
      fx.value,
      turnEvent(
        'error',
        { turnId: 't1', chatId: 'chat-1', seq: 5 },
        { code: 'provider_error', message: 'Upstream 500' },
      ),
    );
    expect(useMessagesStore.getState().chats['chat-1']?.byId.a1?.status).toBe('error');
    expect(useToastStore.getState().toasts.map((toast) => [toast.message, toast.retry])).toEqual([
      ['openai/gpt-4o: Upstream 500', undefined],
    ]);
  });

  it('a new turn drops the branch the user switched to; a replayed start after a reload keeps it', () => {
    const fx = effects();
    useMessagesStore
      .getState()
      .setLatestPage(
        'chat-1',
        [question, makeMessage({ id: 'old', role: 'assistant', parentId: 'q' })],
        null,
      );
    useMessagesStore.getState().setLeafOverride('chat-1', 'old');
    apply(fx.value, started('t1', 'a1', 'openai/gpt-4o'));
    expect(useMessagesStore.getState().chats['chat-1']?.leafOverride).toBeUndefined();
    expect(branchOf('chat-1').leafId).toBe('a1');

    // After a reload: the page holds the streaming answer, the user picked another branch since the
    // turn began, and the resume replays the turn's start with the chat as it was then.
    useEntitiesStore.getState().upsertChat(makeChat({ currentMessageId: 'old' }));
    useMessagesStore
      .getState()
      .upsertMessage(makeMessage({ id: 'a9', role: 'assistant', parentId: 'q', status: 'streaming' }));
    apply(fx.value, started('t9', 'a9', 'openai/gpt-4o'));
    expect(useEntitiesStore.getState().chats['chat-1']?.currentMessageId).toBe('old');
  });
});
