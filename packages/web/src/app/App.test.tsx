import type { Message } from '@cachibot/protocol';
import { act, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { beforeEach, describe, expect, it } from 'vitest';
import { fakeRest, fakeWebSockets } from '../test/fake-server.ts';
import { catalogue, makeBot, makeChat, makeMessage, turnEvent } from '../test/fixtures.ts';
import { App } from './App.tsx';

const user = { id: 'u1', username: 'admin', role: 'admin' as const, createdAt: '2025-01-01T00:00:00Z' };
const bot = makeBot();
const workspaceRoutes = {
  'GET /api/bots': { bots: [bot] },
  'GET /api/models': catalogue,
  'GET /api/bots/bot-1/chats': { chats: [] },
};

beforeEach(() => {
  window.location.hash = '';
});

function fill(form: HTMLElement, label: string, value: string) {
  fireEvent.change(within(form).getByLabelText(label), { target: { value } });
}

describe('App', () => {
  it('shows the setup screen on first run and signs the new admin in', async () => {
    let created = false;
    const rest = fakeRest({
      'GET /api/auth/status': () => ({
        body: created ? { setupRequired: false, user } : { setupRequired: true, user: null },
      }),
      'POST /api/auth/setup': () => {
        created = true;
        return { status: 201, body: { user, accessToken: 't' } };
      },
      ...workspaceRoutes,
    });
    fakeWebSockets();
    render(<App />);
    const form = await screen.findByTestId('setup-form');
    fill(form, 'Username', 'admin');
    fill(form, 'Password', 'short');
    fireEvent.submit(form);
    expect(await within(form).findByRole('alert')).toBeTruthy();
    fill(form, 'Password', 'long enough password');
    fireEvent.submit(form);
    await screen.findByTestId('bot-list');
    expect(rest.calls.find((call) => call.path === '/api/auth/setup')?.body).toEqual({
      username: 'admin',
      password: 'long enough password',
    });
    expect(await within(screen.getByTestId('bot-list')).findByText('Helper')).toBeTruthy();
  });

  it('shows the login screen with the reason of a failed login', async () => {
    fakeRest({
      'GET /api/auth/status': { setupRequired: false, user: null },
      'POST /api/auth/login': () => ({
        status: 401,
        body: { error: { code: 'unauthorized', message: 'Wrong username or password' } },
      }),
    });
    render(<App />);
    const form = await screen.findByTestId('login-form');
    fill(form, 'Username', 'admin');
    fill(form, 'Password', 'nope');
    fireEvent.submit(form);
    expect((await within(form).findByRole('alert')).textContent).toBe('Wrong username or password');
  });

  it('sends a first message from a new chat, streams the answer and opens the created chat', async () => {
    const chat = makeChat({ id: 'chat-9', title: 'Hello bot' });
    fakeRest({
      'GET /api/auth/status': { setupRequired: false, user },
      ...workspaceRoutes,
      'GET /api/chats/chat-9/messages': { messages: [], nextCursor: null },
    });
    const sockets = fakeWebSockets();
    render(<App />);
    await within(await screen.findByTestId('bot-list')).findByText('Helper');
    const socket = sockets[0];
    expect(socket?.url).toBe(`ws://${window.location.host}/ws`);
    expect(screen.getByTestId('connection-status').dataset.state).toBe('connecting');
    act(() => socket?.open());
    expect(screen.getByTestId('connection-status').dataset.state).toBe('connected');

    fireEvent.change(screen.getByTestId('message-input'), { target: { value: 'Hello bot' } });
    fireEvent.keyDown(screen.getByTestId('message-input'), { key: 'Enter' });
    const frame = socket?.sent.find((sent) => sent.type === 'chat');
    expect(frame?.payload).toMatchObject({ botId: 'bot-1', message: 'Hello bot' });
    const clientMessageId = (frame?.payload as { clientMessageId?: string } | undefined)?.clientMessageId;

    const userMessage = makeMessage({ id: 'um', chatId: 'chat-9', content: 'Hello bot' });
    const fields = { turnId: 't1', chatId: 'chat-9' };
    act(() => {
      socket?.emit(
        turnEvent(
          'turn_started',
          { ...fields, seq: 1 },
          {
            userMessage,
            assistantMessageId: 'am',
            model: 'openai/gpt-4o-mini',
            chat,
            clientMessageId: clientMessageId ?? '',
          },
        ),
      );
      socket?.emit(
        turnEvent('text_delta', { ...fields, seq: 2 }, { messageId: 'am', delta: 'Hi **there**' }),
      );
    });
    await waitFor(() => expect(window.location.hash).toBe('#/bots/bot-1/chats/chat-9'));
    expect(screen.getByTestId('cancel-button')).toBeTruthy();
    expect(within(screen.getByTestId('chat-list')).getByText('Hello bot')).toBeTruthy();

    const final: Message = makeMessage({
      id: 'am',
      chatId: 'chat-9',
      role: 'assistant',
      content: 'Hi **there**',
      parentId: 'um',
      metadata: {
        model: 'openai/gpt-4o-mini',
        modelRequested: 'openai/gpt-4o-mini',
        costUsd: 0.0012,
        ttftMs: 850,
      },
    });
    act(() => socket?.emit(turnEvent('done', { ...fields, seq: 3 }, { message: final })));
    const answer = screen
      .getAllByTestId('message')
      .find((node) => node.dataset.role === 'assistant') as HTMLElement;
    expect(answer.dataset.messageId).toBe('am');
    await waitFor(() => expect(answer.querySelector('strong')?.textContent).toBe('there'));
    expect(within(answer).getByTestId('message-model').textContent).toBe('openai/gpt-4o-mini');
    fireEvent.click(within(answer).getByTestId('message-info'));
    expect(within(answer).getByTestId('message-info-panel').textContent).toContain('850 ms');
    expect(screen.getByTestId('send-button')).toBeTruthy();
    expect(screen.getAllByTestId('message').map((node) => node.dataset.role)).toEqual(['user', 'assistant']);
    expect(clientMessageId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('opens a bot the URL names from a later page of the bot list, and lists every bot', async () => {
    // 120 bots in pages of 50, as the server pages them; the linked one is on the third page.
    const bots = Array.from({ length: 120 }, (_, i) => makeBot({ id: `bot-${i}`, name: `Bot ${i}` }));
    window.location.hash = '#/bots/bot-110';
    fakeRest({
      'GET /api/auth/status': { setupRequired: false, user },
      'GET /api/models': catalogue,
      'GET /api/bots': ({ url }: { url: URL }) => {
        const from = Number(url.searchParams.get('cursor') ?? 0);
        return {
          body: {
            bots: bots.slice(from, from + 50),
            nextCursor: from + 50 < bots.length ? String(from + 50) : null,
          },
        };
      },
      'GET /api/bots/bot-110/chats': {
        chats: [makeChat({ id: 'c-110', botId: 'bot-110', title: 'Deep chat' })],
      },
    });
    fakeWebSockets();
    render(<App />);
    expect(await within(await screen.findByTestId('chat-list')).findByText('Deep chat')).toBeTruthy();
    await waitFor(() => expect(window.location.hash).toBe('#/bots/bot-110'));
    const selectedBot = () =>
      screen.getAllByTestId('bot-item').find((item) => item.querySelector('[aria-current="true"]'))?.dataset
        .botId;
    await waitFor(() => expect(selectedBot()).toBe('bot-110'));
    const more = () => screen.queryByTestId('more-bots') as HTMLButtonElement | null;
    await waitFor(() => expect(more()).toBeNull());
    expect(screen.getAllByTestId('bot-item')).toHaveLength(120);
  });
});
