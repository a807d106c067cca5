import type { ClientFrame, ServerEvent } from '@cachibot/protocol';
import { beforeEach, describe, expect, it } from 'vitest';
import { FakeEnvironment, FakeSocket, ManualTimers } from '../test/fake-socket.ts';
import { type ConnectionState, SocketClient } from './socket.ts';

let sockets: FakeSocket[];
let timers: ManualTimers;
let environment: FakeEnvironment;
let events: ServerEvent[];
let states: ConnectionState[];
let resume: ClientFrame[];

function client(random = () => 0.5, heartbeat = { intervalMs: 30_000, timeoutMs: 10_000 }) {
  return new SocketClient({
    heartbeat,
    url: 'ws://test/ws',
    createSocket: (url) => {
      const socket = new FakeSocket(url);
      sockets.push(socket);
      return socket;
    },
    timers,
    random,
    environment,
    onEvent: (event) => events.push(event),
    onStateChange: (state) => states.push(state),
    resumeFrames: () => resume,
  });
}
const last = () => sockets.at(-1) as FakeSocket;

beforeEach(() => {
  sockets = [];
  timers = new ManualTimers();
  environment = new FakeEnvironment();
  events = [];
  states = [];
  resume = [];
});

describe('SocketClient', () => {
  it('connects, reports its state and delivers parsed events', () => {
    const socket = client();
    socket.start();
    expect(socket.connectionState).toBe('connecting');
    last().open();
    expect(states).toEqual(['connected']);
    last().receive({ type: 'pong', payload: { ts: 1 } });
    last().onmessage?.({ data: 'not json' });
    expect(events).toEqual([{ type: 'pong', payload: { ts: 1 } }]);
  });

  it('reconnects forever with full-jitter delays growing from 0.5 s to a 30 s cap', () => {
    const socket = client(() => 0.999);
    socket.start();
    last().open();
    last().drop();
    expect(socket.connectionState).toBe('reconnecting');
    const ceilings: number[] = [];
    for (let attempt = 0; attempt < 9; attempt++) {
      const [delay] = timers.delays();
      ceilings.push(Math.ceil((delay as number) / 0.999));
      timers.advance(delay as number);
      last().drop(); // the server is still away
    }
    expect(ceilings).toEqual([500, 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
    expect(sockets).toHaveLength(10);
  });

  it('starts the backoff over after 60 s connected', () => {
    const socket = client(() => 0.999, { intervalMs: 3_600_000, timeoutMs: 10_000 });
    socket.start();
    last().drop();
    timers.advance(500);
    last().drop();
    timers.advance(1000);
    last().drop();
    expect(timers.delays()).toEqual([Math.floor(0.999 * 2000)]);
    timers.advance(2000);
    last().open();
    timers.advance(59_000); // not long enough: the next wait keeps growing
    last().drop();
    expect(timers.delays()).toEqual([Math.floor(0.999 * 4000)]);
    timers.advance(4000);
    last().open();
    timers.advance(60_000);
    last().drop();
    expect(timers.delays()).toEqual([Math.floor(0.999 * 500)]);
    expect(socket.connectionState).toBe('reconnecting');
  });

  it('pings every 30 s and reconnects when no pong comes within 10 s', () => {
    const socket = client(() => 0);
    socket.start();
    last().open();
    timers.advance(30_000);
    expect(last().types()).toEqual(['ping']);
    last().receive({ type: 'pong', payload: {} });
    timers.advance(30_000);
    expect(last().types()).toEqual(['ping', 'ping']);
    timers.advance(9_999);
    expect(sockets).toHaveLength(1);
    timers.advance(1);
    expect(sockets[0]?.closed).toBe(true);
    expect(socket.connectionState).toBe('reconnecting');
    timers.advance(0);
    expect(sockets).toHaveLength(2);
  });

  it('sends resume frames, then unacknowledged sends, then queued frames on every connect', () => {
    const socket = client();
    socket.start();
    const chat: ClientFrame = { type: 'chat', payload: { clientMessageId: 'c1', botId: 'b', message: 'hi' } };
    socket.sendTracked('c1', chat);
    socket.send({ type: 'cancel', payload: { turnId: 't0' } });
    resume = [{ type: 'resume', payload: { chatId: 'x', turnId: 't1', afterSeq: 7 } }];
    last().open();
    expect(last().sent).toEqual([resume[0], chat, { type: 'cancel', payload: { turnId: 't0' } }]);

    last().drop();
    timers.advance(30_000);
    last().open();
    // The send was never acknowledged: it goes again with the same clientMessageId; the cancel went once.
    expect(last().sent).toEqual([resume[0], chat]);
    socket.ack('c1');
    last().drop();
    timers.advance(30_000);
    last().open();
    expect(last().sent).toEqual([resume[0]]);
  });

  it('reconnects at once when the browser comes back online or the tab becomes visible', () => {
    const socket = client(() => 0.999);
    socket.start();
    last().open();
    environment.online = false;
    environment.handlers?.offline();
    expect(socket.connectionState).toBe('offline');
    last().drop();
    expect(socket.connectionState).toBe('offline');
    environment.online = true;
    environment.handlers?.online();
    expect(sockets).toHaveLength(2);
    last().open();
    expect(socket.connectionState).toBe('connected');
    last().drop();
    environment.handlers?.visible();
    expect(sockets).toHaveLength(3);
  });

  it('counts attempts that never opened, so the app can check whether its session ended', () => {
    const failures: number[] = [];
    const socket = new SocketClient({
      url: 'ws://test/ws',
      createSocket: (url) => {
        const fake = new FakeSocket(url);
        sockets.push(fake);
        return fake;
      },
      timers,
      environment,
      random: () => 0,
      onEvent: () => undefined,
      onConnectFailure: (count) => failures.push(count),
    });
    socket.start();
    last().drop();
    timers.advance(0);
    last().drop();
    timers.advance(0);
    last().open();
    last().drop(); // lost after opening: not a refused connection
    timers.advance(0);
    last().drop();
    expect(failures).toEqual([1, 2, 1]);
    socket.stop();
  });

  it('ignores a replaced socket and stops completely', () => {
    const socket = client();
    socket.start();
    const first = last();
    first.open();
    first.drop();
    timers.advance(30_000);
    first.receive({ type: 'pong', payload: {} });
    expect(events).toEqual([]);
    socket.stop();
    expect(timers.delays()).toEqual([]);
    expect(environment.handlers).toBeUndefined();
    expect(last().closed).toBe(true);
  });
});
