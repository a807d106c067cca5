import { act, render, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { startRealtime } from '../../app/realtime.ts';
import { useEntitiesStore } from '../../stores/entities-store.ts';
import { useMessagesStore } from '../../stores/messages-store.ts';
import { fakeRest } from '../../test/fake-server.ts';
import { FakeEnvironment, FakeSocket, ManualTimers } from '../../test/fake-socket.ts';
import { makeBot, makeChat, makeMessage, turnEvent } from '../../test/fixtures.ts';
import { refreshChat } from '../chats/chat-actions.ts';
import { ChatHeader } from './ChatHeader.tsx';

const bot = makeBot();
const totals = (messages: number, inputTokens: number, outputTokens: number, costUsd = 0) => ({
  messages,
  inputTokens,
  outputTokens,
  costUsd,
  unpricedAnswers: 0,
});

/** The header as ChatView wires it: the chat comes from the entities store. */
function Header({ chatId }: { chatId: string }) {
  const chat = useEntitiesStore((state) => state.chats[chatId]);
  return <ChatHeader bot={bot} chat={chat} />;
}

const shown = () => ({
  messages: screen.getByTestId('chat-total-messages').textContent,
  tokens: screen.getByTestId('chat-total-tokens').textContent,
  cost: screen.getByTestId('chat-total-cost').textContent,
});

describe('ChatHeader', () => {
  it('shows the totals the server keeps for the whole chat, not a sum of the loaded page', () => {
    // One loaded page of two messages; the server counted 120 over the whole chat.
    useMessagesStore
      .getState()
      .setLatestPage(
        'chat-1',
        [makeMessage({ id: 'u' }), makeMessage({ id: 'a', role: 'assistant', parentId: 'u' })],
        'older-page',
        () => false,
      );
    useEntitiesStore.getState().upsertChat(makeChat({ totals: totals(120, 54_321, 9_876, 1.5) }));
    render(<Header chatId="chat-1" />);
    expect(shown()).toEqual({ messages: '120', tokens: '54,321 in / 9,876 out', cost: '$1.50' });
  });

  it('marks a cost that leaves out unpriced answers', () => {
    useEntitiesStore
      .getState()
      .upsertChat(makeChat({ totals: { ...totals(6, 10, 20, 0.25), unpricedAnswers: 1 } }));
    render(<Header chatId="chat-1" />);
    const cost = screen.getByTestId('chat-total-cost');
    expect(cost.textContent).toBe('$0.25 + 1 unpriced');
    expect(cost.getAttribute('title')).toBe('1 answer without a known price');
  });

  it('shows no totals for a new chat draft', () => {
    render(<ChatHeader bot={bot} chat={undefined} />);
    expect(screen.getByTestId('chat-title').textContent).toBe('New chat with Helper');
    expect(screen.queryByTestId('chat-totals')).toBeNull();
  });
});

describe('chat totals after a turn', () => {
  let stop: (() => void) | undefined;
  afterEach(() => stop?.());

  it('fetches the chat again when its turn ends and shows the new totals', async () => {
    const rest = fakeRest({
      'GET /api/chats/chat-1': makeChat({ title: 'Sums', totals: totals(2, 31, 20, 0.00002) }),
    });
    useEntitiesStore.getState().upsertChat(makeChat({ title: 'Sums', totals: totals(0, 0, 0) }));
    const sockets: FakeSocket[] = [];
    stop = startRealtime({
      createSocket: (url) => {
        const socket = new FakeSocket(url);
        sockets.push(socket);
        return socket;
      },
      timers: new ManualTimers(),
      environment: new FakeEnvironment(),
    });
    render(<Header chatId="chat-1" />);
    expect(shown().messages).toBe('0');
    const socket = sockets[0] as FakeSocket;
    const fields = { turnId: 't1', chatId: 'chat-1' };
    act(() => {
      socket.open();
      socket.receive(
        turnEvent(
          'turn_started',
          { ...fields, seq: 1 },
          {
            userMessage: makeMessage({ id: 'u' }),
            assistantMessageId: 'a',
            model: 'openai/gpt-4o-mini',
            chat: makeChat({ title: 'Sums', totals: totals(1, 0, 0) }),
            clientMessageId: 'from-another-tab',
          },
        ),
      );
    });
    expect(shown().messages).toBe('1'); // turn_started carries the chat too
    expect(rest.calls).toEqual([]);
    const answer = makeMessage({ id: 'a', role: 'assistant', parentId: 'u', content: 'Hi' });
    act(() => socket.receive(turnEvent('done', { ...fields, seq: 2 }, { message: answer })));
    await waitFor(() =>
      expect(shown()).toEqual({ messages: '2', tokens: '31 in / 20 out', cost: '$0.00002' }),
    );
    expect(rest.calls).toEqual([{ method: 'GET', path: '/api/chats/chat-1', body: undefined }]);
  });

  it('keeps the newest of two overlapping refreshes', async () => {
    const answers: ((body: unknown) => void)[] = [];
    vi.stubGlobal(
      'fetch',
      vi.fn(
        () =>
          new Promise<Response>((resolve) =>
            answers.push((body) => resolve(new Response(JSON.stringify(body), { status: 200 }))),
          ),
      ),
    );
    useEntitiesStore.getState().upsertChat(makeChat({ totals: totals(0, 0, 0) }));
    const first = refreshChat('chat-1');
    const second = refreshChat('chat-1');
    answers[1]?.(makeChat({ totals: totals(4, 40, 40) }));
    await second;
    answers[0]?.(makeChat({ totals: totals(2, 20, 20) })); // older, arriving late
    await first;
    expect(useEntitiesStore.getState().chats['chat-1']?.totals.messages).toBe(4);
  });

  it('does not bring back a chat deleted while its refresh ran', async () => {
    let answer: ((body: unknown) => void) | undefined;
    vi.stubGlobal(
      'fetch',
      vi.fn(
        () =>
          new Promise<Response>((resolve) => {
            answer = (body) => resolve(new Response(JSON.stringify(body), { status: 200 }));
          }),
      ),
    );
    useEntitiesStore.getState().upsertChat(makeChat());
    const refresh = refreshChat('chat-1');
    useEntitiesStore.getState().removeChat('chat-1');
    answer?.(makeChat({ totals: totals(4, 40, 40) }));
    await refresh;
    expect(useEntitiesStore.getState().chats['chat-1']).toBeUndefined();
  });
});
