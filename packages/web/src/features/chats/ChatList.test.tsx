import { act, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { beforeEach, describe, expect, it } from 'vitest';
import { useEntitiesStore } from '../../stores/entities-store.ts';
import { useToastStore } from '../../stores/toast-store.ts';
import { useUiStore } from '../../stores/ui-store.ts';
import { fakeRest } from '../../test/fake-server.ts';
import { makeChat } from '../../test/fixtures.ts';
import { ChatList } from './ChatList.tsx';

const titles = () =>
  within(screen.getByTestId('chat-list'))
    .getAllByTestId('chat-item')
    .map((item) => item.querySelector('.entity-title')?.textContent);
const moreButton = () => screen.getByTestId('more-chats') as HTMLButtonElement;
const row = (title: string) =>
  within(screen.getByTestId('chat-list'))
    .getAllByTestId('chat-item')
    .find((item) => item.textContent?.includes(title)) as HTMLElement;

let rest: ReturnType<typeof fakeRest>;
beforeEach(() => {
  rest = fakeRest({
    'GET /api/bots/bot-1/chats': {
      chats: [
        makeChat({ id: 'c1', title: 'Older', updatedAt: '2025-01-01T00:00:00Z' }),
        makeChat({ id: 'c2', title: 'Newer', updatedAt: '2025-02-01T00:00:00Z' }),
      ],
    },
    'PATCH /api/chats/c1': ({ body }: { body: unknown }) => ({
      body: {
        ...makeChat({ id: 'c1', title: 'Older', updatedAt: '2025-01-01T00:00:00Z' }),
        ...(body as object),
      },
    }),
    'DELETE /api/chats/c2': () => ({ status: 204 }),
  });
});

describe('ChatList', () => {
  it('loads the bot chats newest first and moves a pinned one to the top', async () => {
    render(<ChatList botId="bot-1" />);
    await waitFor(() => expect(titles()).toEqual(['Newer', 'Older']));
    fireEvent.click(within(row('Older')).getByRole('button', { name: /Actions for/ }));
    fireEvent.click(within(row('Older')).getByRole('button', { name: 'Pin' }));
    await waitFor(() => expect(titles()[0]).toBe('Older'));
    expect(rest.calls.at(-1)).toEqual({ method: 'PATCH', path: '/api/chats/c1', body: { pinned: true } });
  });

  it('renames, archives and deletes', async () => {
    render(<ChatList botId="bot-1" />);
    await waitFor(() => expect(titles()).toHaveLength(2));
    fireEvent.click(within(row('Older')).getByRole('button', { name: /Actions for/ }));
    fireEvent.click(within(row('Older')).getByRole('button', { name: 'Rename' }));
    const input = screen.getByLabelText('Chat title');
    expect(document.activeElement).toBe(input);
    fireEvent.change(input, { target: { value: 'Renamed' } });
    fireEvent.submit(input);
    await waitFor(() => expect(titles()).toContain('Renamed'));

    fireEvent.click(within(row('Renamed')).getByRole('button', { name: /Actions for/ }));
    fireEvent.click(within(row('Renamed')).getByRole('button', { name: 'Archive' }));
    await waitFor(() => expect(titles()).toEqual(['Newer']));
    fireEvent.click(screen.getByLabelText('Show archived'));
    expect(titles()).toHaveLength(2);

    act(() => useUiStore.getState().selectChat('bot-1', 'c2'));
    fireEvent.click(within(row('Newer')).getByRole('button', { name: /Actions for/ }));
    fireEvent.click(within(row('Newer')).getByRole('button', { name: 'Delete' }));
    fireEvent.click(within(row('Newer')).getByRole('button', { name: 'Delete chat' }));
    await waitFor(() => expect(useEntitiesStore.getState().chats.c2).toBeUndefined());
    expect(useUiStore.getState().selectedChatId).toBeNull();
  });

  it('starts a new chat draft', async () => {
    render(<ChatList botId="bot-1" />);
    act(() => useUiStore.getState().selectChat('bot-1', 'c1'));
    fireEvent.click(screen.getByTestId('new-chat-button'));
    expect(useUiStore.getState()).toMatchObject({ selectedBotId: 'bot-1', selectedChatId: null });
  });

  it('shows all of 300 chats, a page at a time, with "Show more chats"', async () => {
    // 300 chats, newest first, one pinned deep in the list; the server pages by 50 like the real one.
    const all = Array.from({ length: 300 }, (_, i) =>
      makeChat({
        id: `c${String(i).padStart(3, '0')}`,
        title: `Chat ${i}`,
        pinned: i === 250,
        updatedAt: new Date(Date.UTC(2025, 0, 1) - i * 60_000).toISOString(),
      }),
    );
    const served = [all[250], ...all.filter((_, i) => i !== 250)];
    rest = fakeRest({
      'GET /api/bots/bot-1/chats': ({ url }: { url: URL }) => {
        const from = Number(url.searchParams.get('cursor') ?? 0);
        const next = from + 50 < served.length ? String(from + 50) : null;
        return { body: { chats: served.slice(from, from + 50), nextCursor: next } };
      },
    });
    render(<ChatList botId="bot-1" />);
    await waitFor(() => expect(titles()).toHaveLength(50));
    expect(titles()[0]).toBe('Chat 250');
    for (let page = 2; page <= 6; page++) {
      await waitFor(() => expect(moreButton().disabled).toBe(false));
      fireEvent.click(moreButton());
      await waitFor(() => expect(titles()).toHaveLength(page * 50));
    }
    expect(screen.queryByTestId('more-chats')).toBeNull();
    expect(titles()).toEqual(served.map((chat) => chat?.title));
    expect(rest.calls.filter((call) => call.path === '/api/bots/bot-1/chats')).toHaveLength(6);
  });

  it('asks for a page once however often "Show more" is pressed, and offers a retry when it fails', async () => {
    let fail = true;
    rest = fakeRest({
      'GET /api/bots/bot-1/chats': ({ url }: { url: URL }) => {
        if (!url.searchParams.get('cursor'))
          return { body: { chats: [makeChat({ id: 'c1', title: 'First' })], nextCursor: 'p2' } };
        if (fail)
          return { status: 500, body: { error: { code: 'internal', message: 'Internal server error' } } };
        return {
          body: {
            chats: [makeChat({ id: 'c2', title: 'Second', updatedAt: '2024-12-01T00:00:00Z' })],
            nextCursor: null,
          },
        };
      },
    });
    render(<ChatList botId="bot-1" />);
    await waitFor(() => expect(titles()).toEqual(['First']));
    fireEvent.click(screen.getByTestId('more-chats'));
    fireEvent.click(screen.getByTestId('more-chats'));
    await waitFor(() => expect(useToastStore.getState().toasts).toHaveLength(1));
    expect(useToastStore.getState().toasts[0]?.message).toMatch(/Could not load more chats/);
    const pageCalls = () => rest.calls.filter((call) => call.path === '/api/bots/bot-1/chats');
    expect(pageCalls()).toHaveLength(2);
    fail = false;
    act(() => useToastStore.getState().toasts[0]?.retry?.());
    await waitFor(() => expect(titles()).toEqual(['First', 'Second']));
    expect(screen.queryByTestId('more-chats')).toBeNull();
  });
});
