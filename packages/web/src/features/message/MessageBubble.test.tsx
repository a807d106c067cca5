import { fireEvent, render, screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { useMessagesStore } from '../../stores/messages-store.ts';
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

  it('keeps the partial text of a failed answer, shows the error and re-sends on Retry', () => {
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
    expect(transport.frames[0]).toEqual({
      type: 'chat',
      payload: {
        clientMessageId: expect.any(String),
        botId: 'bot-1',
        chatId: 'chat-1',
        message: 'What is 2+2?',
        model: 'anthropic/claude-sonnet-4-5',
      },
    });
  });

  it('says "stopped" for a cancelled answer', () => {
    render(<MessageBubble message={answer({ status: 'cancelled' })} botId="bot-1" />);
    expect(screen.getByTestId('message-stopped').textContent).toBe('stopped');
  });

  it('shows the user text as typed, never as Markdown', () => {
    render(<MessageBubble message={makeMessage({ content: '**not bold** <b>x</b>' })} botId="bot-1" />);
    expect(screen.getByTestId('message').textContent).toBe('**not bold** <b>x</b>');
    expect(screen.queryByTestId('message-info')).toBeNull();
  });
});
