import type { Message } from '@cachibot/protocol';
import { act, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { useCompareStore } from '../../stores/compare-store.ts';
import { useEntitiesStore } from '../../stores/entities-store.ts';
import { useMessagesStore } from '../../stores/messages-store.ts';
import { useModelsStore } from '../../stores/models-store.ts';
import { useTurnsStore } from '../../stores/turns-store.ts';
import { chosenModel, useUiStore } from '../../stores/ui-store.ts';
import { fakeRest } from '../../test/fake-server.ts';
import { catalogue, makeBot, makeChat, makeMessage, recordingTransport } from '../../test/fixtures.ts';
import { MessageList } from './MessageList.tsx';

/** Issue 12 in the conversation: versions, edit, regenerate with…, fork, compare, votes. */

const user = (id: string, parentId: string | null, content = `question ${id}`) =>
  makeMessage({ id, parentId, content });
const answer = (id: string, parentId: string, metadata: Message['metadata'] = {}) =>
  makeMessage({
    id,
    role: 'assistant',
    parentId,
    content: `answer ${id}`,
    metadata: { model: 'openai/gpt-4o-mini', modelRequested: 'openai/gpt-4o-mini', ...metadata },
  });

function show(messages: Message[], currentMessageId: string | null) {
  useMessagesStore.getState().setLatestPage('chat-1', messages, null);
  useEntitiesStore.getState().upsertChat(makeChat({ currentMessageId }));
  return render(<MessageList botId="bot-1" chatId="chat-1" />);
}
const texts = () =>
  screen
    .getAllByTestId('message')
    .map((bubble) => bubble.querySelector('.user-text, .markdown')?.textContent?.trim());
/** PATCH /api/chats/chat-1 answering the chat with the leaf it was given. */
const patchRoute = () => ({
  'PATCH /api/chats/chat-1': ({ body }: { body: unknown }) => ({ body: makeChat(body as object) }),
});

beforeEach(() => {
  useModelsStore.getState().setCatalogue(catalogue);
  useEntitiesStore.getState().setBots([makeBot({ fallbackModels: ['anthropic/claude-sonnet-4-5'] })]);
});
afterEach(() => useCompareStore.getState().setBlind(false));

describe('versions of answers and questions', () => {
  const messages = [user('q1', null), answer('a1', 'q1'), answer('a1b', 'q1', { model: 'openai/gpt-4o' })];

  it('shows the branch the chat remembers and flips versions with ‹ ›, saving the choice', async () => {
    const rest = fakeRest(patchRoute());
    show(messages, 'a1');
    expect(texts()).toEqual(['question q1', 'answer a1']);
    expect(screen.getByTestId('sibling-position').textContent).toBe('1 / 2');
    const next = screen.getByTestId('sibling-next');
    next.focus();
    fireEvent.click(next);
    expect(texts()).toEqual(['question q1', 'answer a1b']);
    expect(screen.getByTestId('sibling-position').textContent).toBe('2 / 2');
    // The control is the same element: the keyboard focus stays on it.
    expect(document.activeElement).toBe(screen.getByTestId('sibling-next'));
    expect(screen.getByTestId('sibling-next').getAttribute('aria-disabled')).toBe('true');
    fireEvent.click(screen.getByTestId('sibling-next')); // at the end: nothing happens
    await waitFor(() =>
      expect(rest.calls).toEqual([
        { method: 'PATCH', path: '/api/chats/chat-1', body: { currentMessageId: 'a1b' } },
      ]),
    );
    fireEvent.click(screen.getByTestId('sibling-prev'));
    expect(texts()).toEqual(['question q1', 'answer a1']);
  });

  it('edits a question in place: Save sends a sibling question and shows it where the original was', () => {
    const transport = recordingTransport();
    show([...messages, user('q2', 'a1', 'the original'), answer('a2', 'q2')], 'a2');
    const original = screen.getAllByTestId('message')[2] as HTMLElement;
    fireEvent.click(within(original).getByTestId('edit-message'));
    const input = screen.getByLabelText('Edited message') as HTMLTextAreaElement;
    expect(document.activeElement).toBe(input);
    fireEvent.change(input, { target: { value: 'the edited one' } });
    fireEvent.keyDown(input, { key: 'Enter' });
    expect(transport.frames).toEqual([
      {
        type: 'chat',
        payload: expect.objectContaining({ chatId: 'chat-1', message: 'the edited one', replyToId: 'a1' }),
      },
    ]);
    // Until the server starts it, the branch shows up to the parent, then the edit on its way.
    expect(texts()).toEqual(['question q1', 'answer a1', 'the edited one']);
  });

  it('cancels an edit with Escape and sends nothing', () => {
    const transport = recordingTransport();
    show(messages, 'a1');
    fireEvent.click(screen.getByTestId('edit-message'));
    fireEvent.keyDown(screen.getByLabelText('Edited message'), { key: 'Escape' });
    expect(screen.queryByLabelText('Edited message')).toBeNull();
    expect(transport.frames).toEqual([]);
    expect(document.activeElement).toBe(screen.getByTestId('edit-message'));
  });

  it('regenerates with a model picked from the answer’s menu: the chat’s, a fallback, or any', () => {
    const transport = recordingTransport();
    show(messages, 'a1');
    fireEvent.click(screen.getByTestId('regenerate-button'));
    const menu = screen.getByTestId('regenerate-menu');
    expect(within(menu).getByText('Regenerate with…')).toBeTruthy();
    const ids = within(menu)
      .getAllByTestId('model-option')
      .map((option) => option.dataset.modelId);
    expect(ids.slice(0, 2)).toEqual(['openai/gpt-4o-mini', 'anthropic/claude-sonnet-4-5']);
    expect(ids).toContain('openai/gpt-4o');
    fireEvent.change(within(menu).getByRole('combobox'), { target: { value: 'gpt-4o' } });
    fireEvent.keyDown(within(menu).getByRole('combobox'), { key: 'ArrowDown' });
    fireEvent.keyDown(within(menu).getByRole('combobox'), { key: 'Enter' });
    expect(transport.frames).toEqual([
      {
        type: 'regenerate',
        payload: { clientMessageId: expect.any(String), messageId: 'a1', model: 'openai/gpt-4o' },
      },
    ]);
    expect(screen.queryByTestId('regenerate-menu')).toBeNull();
    expect(document.activeElement).toBe(screen.getByTestId('regenerate-button'));
  });

  it('forks from a message into a new chat and opens it', async () => {
    const rest = fakeRest({ 'POST /api/chats/chat-1/fork': makeChat({ id: 'chat-2' }) });
    show(messages, 'a1');
    const [question] = screen.getAllByTestId('message');
    fireEvent.click(within(question as HTMLElement).getByTestId('fork-chat'));
    await waitFor(() => expect(useUiStore.getState().selectedChatId).toBe('chat-2'));
    expect(rest.calls[0]?.body).toEqual({ messageId: 'q1' });
  });
});

describe('a branch picked long ago', () => {
  it('loads older pages until the leaf the chat remembers is there, then shows its branch', async () => {
    const old = [user('q1', null), answer('a1', 'q1')];
    const newer = [answer('a1b', 'q1'), user('q2', 'a1b'), answer('a2', 'q2')];
    const rest = fakeRest({
      'GET /api/chats/chat-1/messages': ({ url }: { url: URL }) => ({
        body: url.searchParams.get('before') === 'page-2' ? { messages: old, nextCursor: null } : {},
      }),
    });
    useMessagesStore.getState().setLatestPage('chat-1', newer, 'page-2');
    useEntitiesStore.getState().upsertChat(makeChat({ currentMessageId: 'a1' }));
    render(<MessageList botId="bot-1" chatId="chat-1" />);
    await waitFor(() => expect(texts()).toEqual(['question q1', 'answer a1']));
    expect(rest.calls.map((call) => call.path)).toEqual(['/api/chats/chat-1/messages']);
    expect(screen.getByTestId('sibling-position').textContent).toBe('1 / 2');
  });
});

describe('a compare', () => {
  const compared = [
    user('q1', null),
    answer('c1', 'q1', {
      compareId: 'q1',
      model: 'openai/gpt-4o',
      modelRequested: 'openai/gpt-4o',
      ttftMs: 300,
      finishReason: 'stop',
    }),
    answer('c2', 'q1', {
      compareId: 'q1',
      model: 'openai/gpt-4o-mini',
      modelRequested: 'openai/gpt-4o-mini',
      ttftMs: 100,
      finishReason: 'stop',
    }),
  ];
  const columns = () => screen.getAllByTestId('compare-column');

  it('shows the answers side by side with the metrics row, marking the best value', () => {
    show(compared, 'c1');
    const view = screen.getByTestId('compare-view');
    expect(columns().map((column) => column.dataset.modelId)).toEqual([
      'openai/gpt-4o',
      'openai/gpt-4o-mini',
    ]);
    expect(within(view).getByTestId('compare-metrics').querySelector('td.best')?.textContent).toContain(
      '100 ms',
    );
    // The question is an ordinary bubble, the answers are not.
    expect(screen.getAllByTestId('message').map((bubble) => bubble.dataset.role)).toEqual(['user']);
    const [first, second] = columns();
    expect(
      within(first as HTMLElement)
        .getByTestId('use-answer')
        .getAttribute('aria-pressed'),
    ).toBe('true');
    expect(
      within(second as HTMLElement)
        .getByTestId('use-answer')
        .getAttribute('aria-pressed'),
    ).toBe('false');
  });

  it('continues with the picked answer: saves the branch, ends comparing, picks that model', async () => {
    const rest = fakeRest(patchRoute());
    useCompareStore.getState().setModels('chat:chat-1', ['openai/gpt-4o', 'openai/gpt-4o-mini']);
    show(compared, 'c1');
    fireEvent.click(within(columns()[1] as HTMLElement).getByTestId('use-answer'));
    expect(
      within(columns()[1] as HTMLElement)
        .getByTestId('use-answer')
        .getAttribute('aria-pressed'),
    ).toBe('true');
    await waitFor(() => expect(rest.calls[0]?.body).toEqual({ currentMessageId: 'c2' }));
    expect(useCompareStore.getState().picks['chat:chat-1']).toBeUndefined();
    expect(chosenModel('chat:chat-1')).toBe('openai/gpt-4o-mini');
  });

  it('stops one streaming column alone', () => {
    const transport = recordingTransport();
    const streaming = { ...compared[2], status: 'streaming' } as Message;
    useTurnsStore.getState().upsertTurn({
      turnId: 't2',
      chatId: 'chat-1',
      botId: 'bot-1',
      lastSeq: 2,
      status: 'running',
      assistantMessageId: 'c2',
      fallbacks: [],
      reasoning: '',
      awaitingReplay: false,
    });
    show([compared[0] as Message, compared[1] as Message, streaming], 'c1');
    expect(within(columns()[0] as HTMLElement).queryByTestId('compare-stop')).toBeNull();
    fireEvent.click(within(columns()[1] as HTMLElement).getByTestId('compare-stop'));
    expect(transport.frames).toEqual([{ type: 'cancel', payload: { turnId: 't2' } }]);
  });

  it('in blind mode hides the model names until the user votes', async () => {
    fakeRest({ 'POST /api/messages/c2/vote': { status: 204 } });
    useCompareStore.getState().setBlind(true);
    show(compared, 'c1');
    const view = screen.getByTestId('compare-view');
    const labels = () =>
      within(view)
        .getAllByTestId('compare-model')
        .map((label) => label.textContent);
    expect(labels().sort()).toEqual(['Model A', 'Model B']);
    expect(view.textContent).not.toContain('gpt-4o');
    expect(within(view).queryByTestId('message-info')).toBeNull();
    // Which answer the branch holds would tell the first-picked model: none is marked until the vote.
    expect(
      within(view)
        .getAllByTestId('use-answer')
        .map((button) => button.getAttribute('aria-pressed')),
    ).toEqual(['false', 'false']);
    const c2 = columns().find((column) => column.dataset.messageId === 'c2') as HTMLElement;
    act(() => fireEvent.click(within(c2).getByTestId('vote-up')));
    expect(labels().sort()).toEqual(['openai/gpt-4o', 'openai/gpt-4o-mini']);
    expect(within(c2).getByTestId('vote-up').getAttribute('aria-pressed')).toBe('true');
  });
});
