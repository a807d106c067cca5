import { act, fireEvent, render, screen } from '@testing-library/react';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { useEntitiesStore } from '../../stores/entities-store.ts';
import { useModelsStore } from '../../stores/models-store.ts';
import { useTurnsStore } from '../../stores/turns-store.ts';
import { useUiStore } from '../../stores/ui-store.ts';
import { catalogue, makeBot, makeChat, recordingTransport } from '../../test/fixtures.ts';
import { ChatView } from '../chat/ChatView.tsx';

function jsonResponse(body: unknown) {
  return new Response(JSON.stringify(body), { status: 200, headers: { 'Content-Type': 'application/json' } });
}

function Selected() {
  const botId = useUiStore((state) => state.selectedBotId);
  const chatId = useUiStore((state) => state.selectedChatId);
  return botId ? <ChatView botId={botId} chatId={chatId} /> : null;
}

const input = () => screen.getByTestId('message-input') as HTMLTextAreaElement;
const pickerLabel = () => screen.getByTestId('model-select').textContent;
function pick(modelId: string) {
  fireEvent.click(screen.getByTestId('model-select'));
  const option = screen.getAllByTestId('model-option').find((item) => item.dataset.modelId === modelId);
  fireEvent.click(option as HTMLElement);
}

beforeEach(() => {
  vi.stubGlobal(
    'fetch',
    vi.fn(async () => jsonResponse({ messages: [], nextCursor: null })),
  );
  useModelsStore.getState().setCatalogue(catalogue);
  useEntitiesStore
    .getState()
    .setBots([
      makeBot({ id: 'bot-a', name: 'A', models: { default: 'openai/gpt-4o' } }),
      makeBot({ id: 'bot-b', name: 'B', models: { default: '' } }),
    ]);
  useEntitiesStore
    .getState()
    .setChatsForBot('bot-a', [
      makeChat({ id: 'chat-1', botId: 'bot-a', model: 'anthropic/claude-sonnet-4-5' }),
    ]);
});

describe('Composer', () => {
  it('sends on Enter with a fresh clientMessageId and the picked model; Shift+Enter does not send', () => {
    const transport = recordingTransport();
    act(() => useUiStore.getState().selectBot('bot-a'));
    render(<Selected />);
    fireEvent.change(input(), { target: { value: 'line one' } });
    fireEvent.keyDown(input(), { key: 'Enter', shiftKey: true });
    expect(transport.frames).toEqual([]);
    pick('openai/gpt-4o-mini');
    fireEvent.keyDown(input(), { key: 'Enter' });
    expect(transport.frames).toEqual([
      {
        type: 'chat',
        payload: {
          clientMessageId: expect.any(String),
          botId: 'bot-a',
          message: 'line one',
          model: 'openai/gpt-4o-mini',
        },
      },
    ]);
    expect(input().value).toBe('');
    // The message shows at once, waiting for the server.
    expect(screen.getByTestId('message').dataset.pending).toBe('true');
    expect(Object.keys(useTurnsStore.getState().pending)).toHaveLength(1);
  });

  it('omits the model when the bot default is picked, and uses the send button', () => {
    const transport = recordingTransport();
    act(() => useUiStore.getState().selectBot('bot-a'));
    render(<Selected />);
    fireEvent.change(input(), { target: { value: 'hi' } });
    fireEvent.click(screen.getByTestId('send-button'));
    expect(transport.frames[0]?.payload).not.toHaveProperty('model');
    expect(transport.frames[0]?.payload).not.toHaveProperty('chatId');
  });

  it("starts on the chat's remembered model, else the bot default, and resets when switching bot or chat", () => {
    act(() => useUiStore.getState().selectChat('bot-a', 'chat-1'));
    render(<Selected />);
    expect(pickerLabel()).toContain('anthropic/claude-sonnet-4-5');
    pick('openai/gpt-4o-mini');
    expect(pickerLabel()).toContain('openai/gpt-4o-mini');

    act(() => useUiStore.getState().selectBot('bot-b'));
    // Bot B has no default of its own: the system default stands in.
    expect(pickerLabel()).toContain('Bot default (openai/gpt-4o-mini)');
    pick('anthropic/claude-sonnet-4-5');

    act(() => useUiStore.getState().selectBot('bot-a'));
    expect(pickerLabel()).toContain('Bot default (openai/gpt-4o)');

    act(() => useUiStore.getState().selectChat('bot-a', 'chat-1'));
    expect(pickerLabel()).toContain('anthropic/claude-sonnet-4-5');
  });

  it('shows Stop while the chat has a running turn and sends cancel with its turnId', () => {
    const transport = recordingTransport();
    useTurnsStore.getState().upsertTurn({
      turnId: 't1',
      chatId: 'chat-1',
      botId: 'bot-a',
      lastSeq: 3,
      status: 'running',
      fallbacks: [],
      reasoning: '',
      awaitingReplay: false,
    });
    act(() => useUiStore.getState().selectChat('bot-a', 'chat-1'));
    render(<Selected />);
    expect(screen.queryByTestId('send-button')).toBeNull();
    fireEvent.click(screen.getByTestId('cancel-button'));
    expect(transport.frames).toEqual([{ type: 'cancel', payload: { turnId: 't1' } }]);
  });
});
