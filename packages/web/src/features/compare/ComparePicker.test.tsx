import { act, fireEvent, render, screen, within } from '@testing-library/react';
import { beforeEach, describe, expect, it } from 'vitest';
import { useEntitiesStore } from '../../stores/entities-store.ts';
import { useModelsStore } from '../../stores/models-store.ts';
import { useUiStore } from '../../stores/ui-store.ts';
import { fakeRest } from '../../test/fake-server.ts';
import { catalogue, makeBot, makeChat, recordingTransport } from '../../test/fixtures.ts';
import { Composer } from '../composer/Composer.tsx';

const option = (id: string) =>
  screen.getAllByTestId('compare-model-option').find((item) => item.dataset.modelId === id) as HTMLElement;
const checkbox = (id: string) => within(option(id)).getByRole('checkbox') as HTMLInputElement;

beforeEach(() => {
  fakeRest({ 'GET /api/chats/chat-1': makeChat() });
  useModelsStore.getState().setCatalogue(catalogue);
  useEntitiesStore.getState().setBots([makeBot({ models: { default: 'openai/gpt-4o-mini' } })]);
  useEntitiesStore.getState().upsertChat(makeChat());
  act(() => useUiStore.getState().selectChat('bot-1', 'chat-1'));
});

describe('Compare in the composer', () => {
  it('picks 2–4 models, starting from the model in use, and sends one compare frame', () => {
    const transport = recordingTransport();
    render(<Composer botId="bot-1" chatId="chat-1" />);
    fireEvent.click(screen.getByTestId('compare-button'));
    expect(screen.getByRole('dialog', { name: /Compare 2–4 models/ })).toBeTruthy();
    expect(checkbox('openai/gpt-4o-mini').checked).toBe(true);
    expect(screen.getByText(/pick at least one more/)).toBeTruthy();
    fireEvent.click(checkbox('anthropic/claude-sonnet-4-5'));
    fireEvent.click(screen.getByRole('button', { name: 'Done' }));
    expect(document.activeElement).toBe(screen.getByTestId('compare-button'));
    expect(screen.queryByTestId('model-select')).toBeNull(); // the chips stand for the models now
    expect(screen.getByRole('list', { name: 'Models to compare' }).textContent).toContain(
      'anthropic/claude-sonnet-4-5',
    );

    fireEvent.change(screen.getByTestId('message-input'), { target: { value: 'Explain monads' } });
    expect(screen.getByTestId('send-button').textContent).toBe('Compare 2');
    fireEvent.click(screen.getByTestId('send-button'));
    expect(transport.frames).toEqual([
      {
        type: 'compare',
        payload: {
          clientMessageId: expect.any(String),
          botId: 'bot-1',
          chatId: 'chat-1',
          message: 'Explain monads',
          models: ['openai/gpt-4o-mini', 'anthropic/claude-sonnet-4-5'],
        },
      },
    ]);
  });

  it('takes at most 4 models', () => {
    render(<Composer botId="bot-1" chatId="chat-1" />);
    fireEvent.click(screen.getByTestId('compare-button'));
    fireEvent.change(screen.getByRole('searchbox'), { target: { value: 'groq/llama-3' } });
    fireEvent.click(checkbox('groq/llama-3'));
    fireEvent.change(screen.getByRole('searchbox'), { target: { value: '' } });
    fireEvent.click(checkbox('openai/gpt-4o'));
    fireEvent.click(checkbox('anthropic/claude-sonnet-4-5'));
    expect(screen.getByText('4 of 4 picked')).toBeTruthy();
    expect(checkbox('openai/gpt-4o-mini').checked).toBe(true);
    fireEvent.change(screen.getByRole('searchbox'), { target: { value: 'x/another' } });
    expect(checkbox('x/another').disabled).toBe(true);
  });

  it('goes back to one model when closed with fewer than two, and with Clear', () => {
    const transport = recordingTransport();
    render(<Composer botId="bot-1" chatId="chat-1" />);
    fireEvent.click(screen.getByTestId('compare-button'));
    fireEvent.keyDown(screen.getByRole('searchbox'), { key: 'Escape' });
    expect(screen.getByTestId('model-select')).toBeTruthy();
    expect(screen.getByTestId('compare-button').getAttribute('aria-pressed')).toBe('false');
    fireEvent.change(screen.getByTestId('message-input'), { target: { value: 'hi' } });
    fireEvent.click(screen.getByTestId('send-button'));
    expect(transport.frames[0]?.type).toBe('chat');
  });
});
