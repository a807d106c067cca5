import { act, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { beforeEach, describe, expect, it } from 'vitest';
import { useEntitiesStore } from '../../stores/entities-store.ts';
import { useUiStore } from '../../stores/ui-store.ts';
import { fakeRest } from '../../test/fake-server.ts';
import { makeChat } from '../../test/fixtures.ts';
import { ChatList } from './ChatList.tsx';

const titles = () =>
  within(screen.getByTestId('chat-list'))
    .getAllByTestId('chat-item')
    .map((item) => item.querySelector('.entity-title')?.textContent);
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
});
