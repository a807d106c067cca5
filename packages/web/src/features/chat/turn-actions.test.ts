import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startRealtime } from '../../app/realtime.ts';
import { useEntitiesStore } from '../../stores/entities-store.ts';
import { useMessagesStore } from '../../stores/messages-store.ts';
import { useTurnsStore } from '../../stores/turns-store.ts';
import { FakeEnvironment, FakeSocket, ManualTimers } from '../../test/fake-socket.ts';
import { makeChat, makeMessage, recordingTransport, turnEvent } from '../../test/fixtures.ts';
import {
  cancelChatTurns,
  retryAnswer,
  retryTurn,
  sendChatMessage,
  sendCompare,
  sendEditedQuestion,
} from './turn-actions.ts';

const question = makeMessage({ id: 'q', content: 'What is 2+2?' });
const failed = makeMessage({
  id: 'a',
  role: 'assistant',
  parentId: 'q',
  status: 'error',
  content: '',
  metadata: { model: 'openai/gpt-4o-mini', error: { code: 'provider_error', message: 'Upstream 500' } },
});

beforeEach(() => {
  useMessagesStore.getState().setLatestPage('chat-1', [question, failed], null, () => false);
});

describe('retrying a failed answer', () => {
  it('regenerates the failed answer instead of asking the question again', () => {
    const transport = recordingTransport();
    const id = retryAnswer(failed, 'bot-1', 'openai/gpt-4o');
    expect(transport.frames).toEqual([
      { type: 'regenerate', payload: { clientMessageId: id, messageId: 'a', model: 'openai/gpt-4o' } },
    ]);
    expect(transport.frames.some((frame) => frame.type === 'chat')).toBe(false);
    // The pending send is a regenerate: the message list shows no extra question bubble for it.
    expect(useTurnsStore.getState().pending[id]).toMatchObject({ kind: 'regenerate', messageId: 'a' });
  });

  it('sends no model when none is picked (the chat model or bot default answers)', () => {
    const transport = recordingTransport();
    const id = retryAnswer(failed, 'bot-1', null);
    expect(transport.frames).toEqual([
      { type: 'regenerate', payload: { clientMessageId: id, messageId: 'a' } },
    ]);
  });

  it('sends one retry for a double click while the first is unacknowledged', () => {
    const transport = recordingTransport();
    const first = retryAnswer(failed, 'bot-1');
    const second = retryAnswer(failed, 'bot-1');
    expect(second).toBe(first);
    expect(transport.frames).toHaveLength(1);
  });

  it('retries a failed turn from its error toast as a regenerate of its answer', () => {
    const transport = recordingTransport();
    retryTurn({
      turnId: 't1',
      chatId: 'chat-1',
      botId: 'bot-1',
      lastSeq: 3,
      status: 'finished',
      assistantMessageId: 'a',
      userMessageId: 'q',
      fallbacks: [],
      reasoning: '',
      awaitingReplay: false,
    });
    expect(transport.frames).toEqual([
      { type: 'regenerate', payload: { clientMessageId: expect.any(String), messageId: 'a' } },
    ]);
  });
});

describe('a retry sent while the connection is down', () => {
  let stop: (() => void) | undefined;
  afterEach(() => stop?.());

  it('goes out with the same clientMessageId on every reconnect until the turn starts, then never again', () => {
    const sockets: FakeSocket[] = [];
    const timers = new ManualTimers();
    stop = startRealtime({
      createSocket: (url) => {
        const socket = new FakeSocket(url);
        sockets.push(socket);
        return socket;
      },
      timers,
      random: () => 0,
      environment: new FakeEnvironment(),
    });
    const current = () => sockets.at(-1) as FakeSocket;
    const id = retryAnswer(failed, 'bot-1');
    expect(current().sent).toEqual([]); // not open yet: waits in the outbox

    current().open();
    current().drop();
    timers.advance(1);
    current().open();
    const regenerates = sockets.flatMap((socket) => socket.sent).filter((f) => f.type === 'regenerate');
    expect(regenerates).toHaveLength(2);
    expect(regenerates.map((frame) => frame.payload)).toEqual([
      { clientMessageId: id, messageId: 'a' },
      { clientMessageId: id, messageId: 'a' },
    ]);

    current().receive(
      turnEvent(
        'turn_started',
        { turnId: 't2', chatId: 'chat-1', seq: 1 },
        {
          userMessage: question,
          assistantMessageId: 'a2',
          model: 'openai/gpt-4o-mini',
          chat: makeChat(),
          clientMessageId: id,
        },
      ),
    );
    expect(useTurnsStore.getState().pending[id]).toBeUndefined();
    current().drop();
    timers.advance(1);
    current().open();
    expect(current().sent.filter((frame) => frame.type === 'regenerate')).toEqual([]);
    // The new answer is a sibling of the failed one, under the one question.
    const chat = useMessagesStore.getState().chats['chat-1'];
    expect(chat?.ids.filter((messageId) => chat.byId[messageId]?.role === 'user')).toEqual(['q']);
    expect(chat?.byId.a2?.parentId).toBe('q');
  });
});

describe('a new question continues the branch on screen (issue 11 point 9)', () => {
  it('replies to the answer the conversation shows, not to the newest one', () => {
    const transport = recordingTransport();
    const older = makeMessage({ id: 'older-sibling', role: 'assistant', parentId: 'q' });
    const newer = makeMessage({ id: 'newer-sibling', role: 'assistant', parentId: 'q' });
    useMessagesStore.getState().setLatestPage('chat-1', [question, older, newer], null);
    useEntitiesStore.getState().upsertChat(makeChat({ currentMessageId: 'older-sibling' }));
    const id = sendChatMessage({ botId: 'bot-1', chatId: 'chat-1', text: 'And then?' });
    expect(transport.frames).toEqual([
      {
        type: 'chat',
        payload: {
          clientMessageId: id,
          botId: 'bot-1',
          chatId: 'chat-1',
          message: 'And then?',
          replyToId: 'older-sibling',
        },
      },
    ]);
  });

  it('sends no replyToId for the first message of a new chat', () => {
    const transport = recordingTransport();
    const id = sendChatMessage({ botId: 'bot-1', text: 'Hello' });
    expect(transport.frames).toEqual([
      { type: 'chat', payload: { clientMessageId: id, botId: 'bot-1', message: 'Hello' } },
    ]);
  });
});

describe('edits and compares (issue 12)', () => {
  const first = makeMessage({ id: 'q1', content: 'first' });
  const answer = makeMessage({ id: 'a1', role: 'assistant', parentId: 'q1' });
  const second = makeMessage({ id: 'q2', parentId: 'a1', content: 'second' });

  it('sends an edited question as a reply to the original’s parent: its sibling', () => {
    const transport = recordingTransport();
    const id = sendEditedQuestion(second, 'bot-1', 'second, better', 'openai/gpt-4o');
    expect(transport.frames).toEqual([
      {
        type: 'chat',
        payload: {
          clientMessageId: id,
          botId: 'bot-1',
          chatId: 'chat-1',
          message: 'second, better',
          model: 'openai/gpt-4o',
          replyToId: 'a1',
        },
      },
    ]);
  });

  it('sends an edit of the first question with replyToId null: a new root', () => {
    const transport = recordingTransport();
    sendEditedQuestion(first, 'bot-1', 'first, better');
    expect(transport.frames[0]?.payload).toMatchObject({ chatId: 'chat-1', replyToId: null });
    expect(transport.frames[0]?.payload).not.toHaveProperty('model');
  });

  it('sends one compare frame with the models, continuing the branch on screen', () => {
    const transport = recordingTransport();
    useMessagesStore.getState().removeChat('chat-1');
    useMessagesStore.getState().setLatestPage('chat-1', [first, answer], null);
    const id = sendCompare({
      botId: 'bot-1',
      chatId: 'chat-1',
      text: 'Which is better?',
      models: ['openai/gpt-4o', 'anthropic/claude-sonnet-4-5'],
    });
    expect(transport.frames).toEqual([
      {
        type: 'compare',
        payload: {
          clientMessageId: id,
          botId: 'bot-1',
          chatId: 'chat-1',
          message: 'Which is better?',
          models: ['openai/gpt-4o', 'anthropic/claude-sonnet-4-5'],
          replyToId: 'a1',
        },
      },
    ]);
    expect(useTurnsStore.getState().pending[id]).toMatchObject({ kind: 'compare', text: 'Which is better?' });
  });

  it('stops every running turn of the chat (each answer of a compare)', () => {
    const transport = recordingTransport();
    for (const turnId of ['t1', 't2'])
      useTurnsStore.getState().upsertTurn({
        turnId,
        chatId: 'chat-1',
        botId: 'bot-1',
        lastSeq: 1,
        status: 'running',
        fallbacks: [],
        reasoning: '',
        awaitingReplay: false,
      });
    cancelChatTurns('chat-1');
    expect(transport.frames).toEqual([
      { type: 'cancel', payload: { turnId: 't1' } },
      { type: 'cancel', payload: { turnId: 't2' } },
    ]);
  });
});
