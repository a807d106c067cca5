import type { Message, ServerEvent, TurnEvent } from '@cachibot/protocol';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { makeChat, makeMessage, turnEvent } from '../test/fixtures.ts';
import { useEntitiesStore } from './entities-store.ts';
import { useMessagesStore } from './messages-store.ts';
import { handleServerEvent, type ServerEventEffects } from './server-events.ts';
import { useToastStore } from './toast-store.ts';
import { useTurnsStore } from './turns-store.ts';

let effects: ServerEventEffects & {
  resumes: unknown[];
  acks: string[];
  created: string[];
  ended: string[];
};

beforeEach(() => {
  const resumes: unknown[] = [];
  const acks: string[] = [];
  const created: string[] = [];
  const ended: string[] = [];
  effects = {
    resumes,
    acks,
    created,
    ended,
    turnEnded: (chatId) => void ended.push(chatId),
    requestResume: (frame) => void resumes.push(frame),
    acknowledgeSend: (id) => void acks.push(id),
    chatCreated: (chat) => void created.push(chat.id),
    retrySend: vi.fn(),
    retryTurn: vi.fn(),
  };
});

const apply = (...events: (TurnEvent | ServerEvent)[]) => {
  for (const event of events) handleServerEvent(event as ServerEvent, effects);
};
const messageOf = (chatId: string, id: string) => useMessagesStore.getState().chats[chatId]?.byId[id];

function started(turnId: string, chatId: string, text = 'question', clientMessageId = 'c1') {
  return turnEvent(
    'turn_started',
    { turnId, chatId, seq: 1 },
    {
      userMessage: makeMessage({ id: `u-${turnId}`, chatId, content: text }),
      assistantMessageId: `a-${turnId}`,
      model: 'openai/gpt-4o-mini',
      chat: makeChat({ id: chatId }),
      clientMessageId,
    },
  );
}
const delta = (turnId: string, chatId: string, seq: number, text: string) =>
  turnEvent('text_delta', { turnId, chatId, seq }, { messageId: `a-${turnId}`, delta: text });

describe('handleServerEvent', () => {
  it('routes interleaved events of two turns to their own chats', () => {
    apply(
      started('t1', 'chat-a'),
      started('t2', 'chat-b'),
      delta('t1', 'chat-a', 2, 'Hel'),
      delta('t2', 'chat-b', 2, 'Bon'),
      delta('t2', 'chat-b', 3, 'jour'),
      delta('t1', 'chat-a', 3, 'lo'),
    );
    expect(messageOf('chat-a', 'a-t1')?.content).toBe('Hello');
    expect(messageOf('chat-b', 'a-t2')?.content).toBe('Bonjour');
    expect(useMessagesStore.getState().chats['chat-a']?.ids).toEqual(['u-t1', 'a-t1']);
    expect(useEntitiesStore.getState().chats['chat-b']?.id).toBe('chat-b');
  });

  it('drops events whose seq was already applied (replays after a reconnect)', () => {
    apply(started('t1', 'chat-a'), delta('t1', 'chat-a', 2, 'one '), delta('t1', 'chat-a', 3, 'two'));
    apply(
      started('t1', 'chat-a'),
      delta('t1', 'chat-a', 2, 'one '),
      delta('t1', 'chat-a', 3, 'two'),
      delta('t1', 'chat-a', 4, '!'),
    );
    expect(messageOf('chat-a', 'a-t1')?.content).toBe('one two!');
    expect(useTurnsStore.getState().turns.t1?.lastSeq).toBe(4);
  });

  it('asks for a replay on a gap and applies nothing out of order', () => {
    apply(
      started('t1', 'chat-a'),
      delta('t1', 'chat-a', 2, 'a'),
      delta('t1', 'chat-a', 4, 'c'),
      delta('t1', 'chat-a', 5, 'd'),
    );
    expect(effects.resumes).toEqual([{ chatId: 'chat-a', turnId: 't1', afterSeq: 2 }]);
    expect(messageOf('chat-a', 'a-t1')?.content).toBe('a');
    apply(delta('t1', 'chat-a', 3, 'b'), delta('t1', 'chat-a', 4, 'c'), delta('t1', 'chat-a', 5, 'd'));
    expect(messageOf('chat-a', 'a-t1')?.content).toBe('abcd');
  });

  it('applies a replayed delta that joins seqs fromSeq … seq once, and asks again when it overlaps', () => {
    const joined = (from: number, seq: number, text: string) =>
      turnEvent(
        'text_delta',
        { turnId: 't1', chatId: 'chat-a', seq },
        { messageId: 'a-t1', delta: text, fromSeq: from },
      );
    apply(started('t1', 'chat-a'), delta('t1', 'chat-a', 2, 'a'), joined(3, 6, 'bcde'));
    expect(messageOf('chat-a', 'a-t1')?.content).toBe('abcde');
    expect(effects.resumes).toEqual([]);
    // Overlapping what it has (4 … 8 after 6): dropped whole, and a replay after 6 is asked for.
    apply(joined(4, 8, 'XXfg'));
    expect(messageOf('chat-a', 'a-t1')?.content).toBe('abcde');
    expect(effects.resumes).toEqual([{ chatId: 'chat-a', turnId: 't1', afterSeq: 6 }]);
    apply(joined(7, 8, 'fg'));
    expect(messageOf('chat-a', 'a-t1')?.content).toBe('abcdefg');
  });

  it('replaces the streamed copy with the persisted message on done', () => {
    const final: Message = makeMessage({
      id: 'a-t1',
      chatId: 'chat-a',
      role: 'assistant',
      content: 'Hello there',
      parentId: 'u-t1',
      updatedAt: '2025-02-01T00:00:00.000Z',
      metadata: { model: 'openai/gpt-4o-mini', modelRequested: 'openai/gpt-4o-mini', costUsd: 0.0012 },
    });
    apply(
      started('t1', 'chat-a'),
      delta('t1', 'chat-a', 2, 'Hel'),
      turnEvent('done', { turnId: 't1', chatId: 'chat-a', seq: 3 }, { message: final }),
    );
    expect(messageOf('chat-a', 'a-t1')).toEqual(final);
    expect(useTurnsStore.getState().turns.t1?.status).toBe('finished');
    expect(useEntitiesStore.getState().chats['chat-a']?.updatedAt).toBe(final.updatedAt);
  });

  it('asks for the chat again once per ended turn (its totals changed), not while it streams', () => {
    const final = makeMessage({ id: 'a-t1', chatId: 'chat-a', role: 'assistant', content: 'Hel' });
    apply(started('t1', 'chat-a'), delta('t1', 'chat-a', 2, 'Hel'));
    expect(effects.ended).toEqual([]);
    const done = turnEvent('done', { turnId: 't1', chatId: 'chat-a', seq: 3 }, { message: final });
    apply(done, done); // the replay after a reconnect repeats it
    expect(effects.ended).toEqual(['chat-a']);
  });

  it('keeps the reasoning of a turn as it streams', () => {
    const reasoning = (seq: number, text: string) =>
      turnEvent(
        'reasoning_delta',
        { turnId: 't1', chatId: 'chat-a', seq },
        { messageId: 'a-t1', delta: text },
      );
    apply(started('t1', 'chat-a'), reasoning(2, 'First, '), reasoning(3, 'add.'), reasoning(3, 'add.'));
    expect(useTurnsStore.getState().turns.t1?.reasoning).toBe('First, add.');
  });

  it('replaces the message with the snapshot on resync', () => {
    apply(started('t1', 'chat-a'), delta('t1', 'chat-a', 2, 'partial'));
    const snapshot = makeMessage({
      id: 'a-t1',
      chatId: 'chat-a',
      role: 'assistant',
      content: 'the whole answer',
    });
    apply({ type: 'resync', payload: { chatId: 'chat-a', turnId: 't1', botId: 'bot-1', message: snapshot } });
    expect(messageOf('chat-a', 'a-t1')?.content).toBe('the whole answer');
    expect(useTurnsStore.getState().turns.t1?.status).toBe('finished');
    expect(effects.ended).toEqual(['chat-a']);
  });

  it('restarts a REST-loaded partial answer when a full replay begins', () => {
    useMessagesStore
      .getState()
      .upsertMessage(
        makeMessage({ id: 'a-t1', chatId: 'chat-a', role: 'assistant', content: 'Hel', status: 'streaming' }),
      );
    apply(started('t1', 'chat-a'), delta('t1', 'chat-a', 2, 'Hel'), delta('t1', 'chat-a', 3, 'lo'));
    expect(messageOf('chat-a', 'a-t1')?.content).toBe('Hello');
  });

  it('matches turn_started to the pending send and opens the chat a draft created', () => {
    useTurnsStore.getState().addPending({
      clientMessageId: 'c1',
      kind: 'chat',
      botId: 'bot-1',
      text: 'question',
      createdAt: '2025-01-01T00:00:00.000Z',
    });
    apply(started('t1', 'chat-new'));
    expect(useTurnsStore.getState().pending).toEqual({});
    expect(effects.acks).toEqual(['c1']);
    expect(effects.created).toEqual(['chat-new']);
  });

  it('marks a refused send as failed and offers a retry', () => {
    useTurnsStore
      .getState()
      .addPending({ clientMessageId: 'c1', kind: 'chat', botId: 'bot-1', text: 'x', createdAt: '' });
    apply({
      type: 'error',
      payload: { code: 'rate_limited', message: 'Too many turns', clientMessageId: 'c1' },
    });
    expect(useTurnsStore.getState().pending.c1?.error).toEqual({
      code: 'rate_limited',
      message: 'Too many turns',
    });
    expect(effects.acks).toEqual(['c1']);
    const [toast] = useToastStore.getState().toasts;
    expect(toast?.message).toBe('Too many turns');
    toast?.retry?.();
    expect(effects.retrySend).toHaveBeenCalledWith('c1');
  });

  it('shows a turn error on the message, keeps the partial text, and records fallbacks', () => {
    apply(
      started('t1', 'chat-a'),
      turnEvent(
        'model_fallback',
        { turnId: 't1', chatId: 'chat-a', seq: 2 },
        { from: 'openai/gpt-4o-mini', to: 'anthropic/claude', reason: 'rate limited' },
      ),
      delta('t1', 'chat-a', 3, 'partial'),
      turnEvent(
        'error',
        { turnId: 't1', chatId: 'chat-a', seq: 4 },
        { code: 'provider_error', message: 'Upstream failed' },
      ),
    );
    const message = messageOf('chat-a', 'a-t1');
    expect(message?.status).toBe('error');
    expect(message?.content).toBe('partial');
    expect(message?.metadata.model).toBe('anthropic/claude');
    expect(message?.metadata.error?.message).toBe('Upstream failed');
    expect(useTurnsStore.getState().turns.t1?.fallbacks).toHaveLength(1);
    expect(useToastStore.getState().toasts[0]?.retry).toBeTypeOf('function');
  });

  it('merges usage metadata into the streaming message', () => {
    apply(
      started('t1', 'chat-a'),
      turnEvent(
        'usage',
        { turnId: 't1', chatId: 'chat-a', seq: 2 },
        {
          messageId: 'a-t1',
          metadata: { usage: { inputTokens: 10, outputTokens: 5, totalTokens: 15 }, costUsd: 0.001 },
        },
      ),
    );
    expect(messageOf('chat-a', 'a-t1')?.metadata).toMatchObject({
      model: 'openai/gpt-4o-mini',
      costUsd: 0.001,
    });
  });
});
