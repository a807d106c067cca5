import type { Message, ServerEvent } from '@cachibot/protocol';
import { waitFor } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { useMessagesStore } from '../stores/messages-store.ts';
import { runningTurnOf, useTurnsStore } from '../stores/turns-store.ts';
import { fakeRest } from '../test/fake-server.ts';
import { FakeEnvironment, FakeSocket, ManualTimers } from '../test/fake-socket.ts';
import { makeChat, makeMessage, turnEvent } from '../test/fixtures.ts';
import { startRealtime } from './realtime.ts';
import { RESUME_SETTLE_MS, ResumeCheck } from './resume-check.ts';

/**
 * Issue 11 point 4 (web): after a reconnect, an answer whose turn ended while the socket was away must
 * not stay "streaming" with a Stop button when the server has nothing newer to send (it restarted and
 * its recovery reused seq numbers, say): the app reads the stored answer over REST.
 */
let sockets: FakeSocket[];
let timers: ManualTimers;
let stop: () => void;
let rest: ReturnType<typeof fakeRest>;
/** What `GET /api/chats/chat-a/messages` answers: the stored copy of the answer. */
let storedAnswer: Message;

const fields = { turnId: 't1', chatId: 'chat-a' };
const userMessage = makeMessage({ id: 'u1', chatId: 'chat-a', content: 'Tell me a story' });
const answer = (overrides: Partial<Message>) =>
  makeMessage({ id: 'a1', chatId: 'chat-a', role: 'assistant', parentId: 'u1', ...overrides });
const socket = () => sockets.at(-1) as FakeSocket;
const shown = () => useMessagesStore.getState().chats['chat-a']?.byId.a1;
const running = () => runningTurnOf(useTurnsStore.getState().turns, 'chat-a');
const messageFetches = () => rest.calls.filter((call) => call.path === '/api/chats/chat-a/messages');

function receive(...events: ServerEvent[]) {
  for (const event of events) socket().receive(event);
}

/** A turn streams "Once upon" (seq 1–3), then the socket drops and a new one opens. */
function streamThenReconnect() {
  socket().open();
  receive(
    turnEvent(
      'turn_started',
      { ...fields, seq: 1 },
      {
        userMessage,
        assistantMessageId: 'a1',
        model: 'openai/gpt-4o-mini',
        chat: makeChat({ id: 'chat-a' }),
        clientMessageId: 'cm1',
      },
    ),
    turnEvent('text_delta', { ...fields, seq: 2 }, { messageId: 'a1', delta: 'Once ' }),
    turnEvent('text_delta', { ...fields, seq: 3 }, { messageId: 'a1', delta: 'upon' }),
  );
  expect(shown()).toMatchObject({ content: 'Once upon', status: 'streaming' });
  socket().drop();
  timers.advance(30_000); // the backoff's longest wait
  expect(sockets).toHaveLength(2);
  socket().open();
}

beforeEach(() => {
  sockets = [];
  timers = new ManualTimers();
  storedAnswer = answer({ content: 'Once upon a time, the end.', status: 'complete' });
  rest = fakeRest({
    'GET /api/chats/chat-a/messages': () => ({
      body: { messages: [userMessage, storedAnswer], nextCursor: null },
    }),
    'GET /api/chats/chat-a': makeChat({ id: 'chat-a' }),
  });
  stop = startRealtime({
    createSocket: (url) => {
      const created = new FakeSocket(url);
      sockets.push(created);
      return created;
    },
    timers,
    random: () => 0.5,
    environment: new FakeEnvironment(),
    heartbeat: { intervalMs: 3_600_000, timeoutMs: 3_600_000 },
  });
});
afterEach(() => stop());

describe('after a reconnect', () => {
  it('resumes the streaming turn from its last seq', () => {
    streamThenReconnect();
    expect(socket().sent.filter((frame) => frame.type === 'resume')).toEqual([
      { type: 'resume', payload: { chatId: 'chat-a', turnId: 't1', afterSeq: 3 } },
    ]);
  });

  it('shows the stored answer and ends the turn (no Stop button) when the server sends nothing newer', async () => {
    streamThenReconnect();
    // The server restarted: its recovery ended the turn at seq numbers this client had already seen.
    receive(
      turnEvent(
        'done',
        { ...fields, seq: 3 },
        { message: answer({ content: 'Once upon', status: 'error' }) },
      ),
    );
    timers.advance(RESUME_SETTLE_MS - 1);
    expect(messageFetches()).toHaveLength(0);
    timers.advance(1);
    await waitFor(() => expect(shown()).toEqual(storedAnswer));
    expect(running()).toBeUndefined();
    expect(messageFetches()).toHaveLength(1);
    // A late replay of the same turn changes nothing any more.
    receive(turnEvent('text_delta', { ...fields, seq: 4 }, { messageId: 'a1', delta: ' and more' }));
    expect(shown()).toEqual(storedAnswer);
  });

  it('reads nothing over REST when the server replays what was missed', () => {
    streamThenReconnect();
    const final = answer({ content: 'Once upon a time.', status: 'complete' });
    receive(
      turnEvent('text_delta', { ...fields, seq: 4 }, { messageId: 'a1', delta: ' a time.' }),
      turnEvent('done', { ...fields, seq: 5 }, { message: final }),
    );
    timers.advance(RESUME_SETTLE_MS);
    expect(shown()).toEqual(final);
    expect(running()).toBeUndefined();
    expect(messageFetches()).toHaveLength(0);
  });

  it('keeps following a turn the server still runs but that is quiet (the stored answer is streaming)', async () => {
    storedAnswer = answer({ content: 'Once', status: 'streaming' });
    streamThenReconnect();
    // The check the settle timer runs, awaited here to its end.
    await new ResumeCheck().checkAll([{ chatId: 'chat-a', turnId: 't1', afterSeq: 3 }]);
    expect(messageFetches()).toHaveLength(1);
    expect(running()?.turnId).toBe('t1');
    expect(shown()).toMatchObject({ content: 'Once upon', status: 'streaming' });
    // Its next events still apply.
    receive(turnEvent('text_delta', { ...fields, seq: 4 }, { messageId: 'a1', delta: ' a time' }));
    expect(shown()?.content).toBe('Once upon a time');
  });

  it('checks again after the next reconnect when the socket drops before the settle time', async () => {
    streamThenReconnect();
    timers.advance(RESUME_SETTLE_MS / 2);
    socket().drop();
    timers.advance(30_000);
    expect(messageFetches()).toHaveLength(0);
    socket().open();
    expect(socket().sent.filter((frame) => frame.type === 'resume')).toHaveLength(1);
    timers.advance(RESUME_SETTLE_MS);
    await waitFor(() => expect(shown()).toEqual(storedAnswer));
    expect(running()).toBeUndefined();
  });

  it('ends the turn of a chat deleted meanwhile', async () => {
    rest = fakeRest({
      'GET /api/chats/chat-a/messages': () => ({
        status: 404,
        body: { error: { code: 'not_found', message: 'Chat not found' } },
      }),
    });
    streamThenReconnect();
    timers.advance(RESUME_SETTLE_MS);
    await waitFor(() => expect(running()).toBeUndefined());
  });

  it('replaces an ended answer in a chat watched without a known turn (opened while it streamed)', async () => {
    socket().open();
    useMessagesStore
      .getState()
      .setLatestPage('chat-a', [userMessage, answer({ content: 'Once', status: 'streaming' })], null);
    useTurnsStore.getState().watchChat('chat-a');
    socket().drop();
    timers.advance(30_000);
    socket().open();
    expect(socket().sent.filter((frame) => frame.type === 'resume')).toEqual([
      { type: 'resume', payload: { chatId: 'chat-a' } },
    ]);
    timers.advance(RESUME_SETTLE_MS);
    await waitFor(() => expect(shown()).toEqual(storedAnswer));
    expect(useTurnsStore.getState().watchedChats['chat-a']).toBeUndefined();
  });
});
