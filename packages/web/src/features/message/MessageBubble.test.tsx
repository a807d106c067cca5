import { fireEvent, render, screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { useMessagesStore } from '../../stores/messages-store.ts';
import { newTurn } from '../../stores/turns-store.ts';
import { useUiStore } from '../../stores/ui-store.ts';
import { makeMessage, recordingTransport } from '../../test/fixtures.ts';
import { MessageBubble } from './MessageBubble.tsx';

const question = makeMessage({ id: 'q', content: 'What is 2+2?' });
const answer = (overrides = {}) =>
  makeMessage({
    id: 'a',
    role: 'assistant',
    parentId: 'q',
    content: 'It is',
    metadata: { model: 'openai/gpt-4o-mini', modelRequested: 'openai/gpt-4o-mini' },
    ...overrides,
  });

describe('MessageBubble', () => {
  it('labels the answer with its model and opens the info panel', () => {
    render(<MessageBubble message={answer()} botId="bot-1" />);
    const bubble = screen.getByTestId('message');
    expect(bubble.dataset.role).toBe('assistant');
    expect(bubble.dataset.messageId).toBe('a');
    expect(screen.getByTestId('message-model').textContent).toBe('openai/gpt-4o-mini');
    const info = screen.getByTestId('message-info');
    expect(info.getAttribute('aria-expanded')).toBe('false');
    fireEvent.click(info);
    expect(info.getAttribute('aria-expanded')).toBe('true');
    expect(screen.getByTestId('message-info-panel').id).toBe(info.getAttribute('aria-controls'));
  });

  it('keeps the partial text of a failed answer, shows the error and regenerates it on Retry', () => {
    const transport = recordingTransport();
    useMessagesStore.getState().upsertMessage(question);
    useUiStore.getState().chooseModel('chat:chat-1', 'anthropic/claude-sonnet-4-5');
    const failed = answer({
      status: 'error',
      metadata: { model: 'openai/gpt-4o-mini', error: { code: 'provider_error', message: 'Upstream 503' } },
    });
    render(<MessageBubble message={failed} botId="bot-1" />);
    expect(screen.getByText('It is')).toBeTruthy();
    const error = screen.getByTestId('message-error');
    expect(error.textContent).toContain('Upstream 503');
    fireEvent.click(within(error).getByTestId('retry-button'));
    // A sibling answer of the same question (regenerate), never the question sent again.
    expect(transport.frames).toEqual([
      {
        type: 'regenerate',
        payload: {
          clientMessageId: expect.any(String),
          messageId: 'a',
          model: 'anthropic/claude-sonnet-4-5',
        },
      },
    ]);
  });

  it('shows the streamed reasoning folded above the answer, during and after the turn', () => {
    const turn = {
      ...newTurn({ turnId: 't1', chatId: 'chat-1', botId: 'bot-1' }),
      reasoning: 'Two plus two…',
    };
    const { rerender } = render(
      <MessageBubble message={answer({ status: 'streaming' })} botId="bot-1" turn={turn} />,
    );
    const reasoning = screen.getByTestId('message-reasoning');
    expect(reasoning.tagName).toBe('DETAILS');
    expect(reasoning.hasAttribute('open')).toBe(false);
    expect(reasoning.querySelector('summary')?.textContent).toBe('Reasoning…');
    expect(reasoning.textContent).toContain('Two plus two…');
    // Above the answer text.
    const body = screen.getByText('It is');
    expect(reasoning.compareDocumentPosition(body) & Node.DOCUMENT_POSITION_FOLLOWING).toBeTruthy();

    fireEvent.click(within(reasoning).getByText('Reasoning…'));
    const more = { ...turn, reasoning: 'Two plus two is four.', status: 'finished' as const };
    rerender(<MessageBubble message={answer()} botId="bot-1" turn={more} />);
    const after = screen.getByTestId('message-reasoning');
    expect(after.querySelector('summary')?.textContent).toBe('Reasoning');
    expect(after.textContent).toContain('Two plus two is four.');
    expect(after.hasAttribute('open')).toBe(true); // the reader's choice survives new text
  });

  it('shows no reasoning disclosure when the model sent none', () => {
    const turn = newTurn({ turnId: 't1', chatId: 'chat-1', botId: 'bot-1' });
    render(<MessageBubble message={answer()} botId="bot-1" turn={turn} />);
    expect(screen.queryByTestId('message-reasoning')).toBeNull();
  });

  it('says "stopped" for a cancelled answer', () => {
    render(<MessageBubble message={answer({ status: 'cancelled' })} botId="bot-1" />);
    expect(screen.getByTestId('message-stopped').textContent).toBe('stopped');
  });

  it('shows the user text as typed, never as Markdown', () => {
    render(<MessageBubble message={makeMessage({ content: '**not bold** <b>x</b>' })} botId="bot-1" />);
    const bubble = screen.getByTestId('message');
    expect(bubble.querySelector('.user-text')?.textContent).toBe('**not bold** <b>x</b>');
    expect(bubble.querySelector('strong, b')).toBeNull();
    expect(screen.queryByTestId('message-info')).toBeNull();
  });
});
