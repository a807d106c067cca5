import { fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { beforeEach, describe, expect, it } from 'vitest';
import { useEntitiesStore } from '../../stores/entities-store.ts';
import { useUiStore } from '../../stores/ui-store.ts';
import { fakeRest } from '../../test/fake-server.ts';
import { makeBot, makeChat } from '../../test/fixtures.ts';
import { BotEditor } from './BotEditor.tsx';

const helper = makeBot({ id: 'bot-1', name: 'Helper', fallbackModels: ['openai/gpt-4o'] });
const other = makeBot({ id: 'bot-2', name: 'Other' });

beforeEach(() => {
  const entities = useEntitiesStore.getState();
  entities.setBots([helper, other]);
  entities.setChatsForBot('bot-1', [makeChat({ id: 'c1', botId: 'bot-1' })]);
  entities.setChatsForBot('bot-2', [makeChat({ id: 'c2', botId: 'bot-2' })]);
  useUiStore.getState().selectBot('bot-1');
  useUiStore.getState().editBot('bot-1');
});

const editor = () => screen.getByTestId('bot-editor');
function fill(label: string, value: string) {
  fireEvent.change(within(editor()).getByLabelText(label), { target: { value } });
}

describe('BotEditor', () => {
  it('shows the bot, saves the changed fields and closes', async () => {
    const rest = fakeRest({
      'PATCH /api/bots/bot-1': ({ body }: { body: unknown }) => ({
        body: { ...helper, ...(body as object) },
      }),
    });
    render(<BotEditor botId="bot-1" />);
    expect(screen.getByRole('heading').textContent).toBe('Edit Helper');
    expect((within(editor()).getByLabelText('Name') as HTMLInputElement).value).toBe('Helper');
    fill('Name', 'Tutor');
    fill('System prompt', 'Answer in one sentence.');
    fill('Temperature', '0.3');
    fireEvent.click(screen.getByTestId('save-bot-button'));

    await waitFor(() => expect(useUiStore.getState().mainView).toEqual({ kind: 'chat' }));
    expect(rest.calls).toEqual([
      {
        method: 'PATCH',
        path: '/api/bots/bot-1',
        body: expect.objectContaining({
          name: 'Tutor',
          systemPrompt: 'Answer in one sentence.',
          settings: { temperature: 0.3 },
          fallbackModels: ['openai/gpt-4o'],
          models: { default: 'openai/gpt-4o-mini' },
        }),
      },
    ]);
    expect(useEntitiesStore.getState().bots.map((bot) => bot.name)).toEqual(['Tutor', 'Other']);
  });

  it('sends nothing while a field breaks the rules, and points at it', () => {
    const rest = fakeRest({});
    render(<BotEditor botId="bot-1" />);
    fill('Temperature', '7');
    fireEvent.click(screen.getByTestId('save-bot-button'));
    const temperature = within(editor()).getByLabelText('Temperature');
    expect(temperature.getAttribute('aria-invalid')).toBe('true');
    expect(document.activeElement).toBe(temperature);
    expect(rest.calls).toEqual([]);
  });

  it("keeps the editor open with the server's reason when saving fails", async () => {
    fakeRest({
      'PATCH /api/bots/bot-1': () => ({
        status: 409,
        body: { error: { code: 'conflict', message: 'A bot with that name exists' } },
      }),
    });
    render(<BotEditor botId="bot-1" />);
    fill('Name', 'Other');
    fireEvent.click(screen.getByTestId('save-bot-button'));
    expect((await within(editor()).findByRole('alert')).textContent).toBe('A bot with that name exists');
    expect(useUiStore.getState().mainView).toEqual({ kind: 'edit-bot', botId: 'bot-1' });
    expect(useEntitiesStore.getState().bots[0]?.name).toBe('Helper');
  });

  it('deletes the bot and its chats only after a second confirmation', async () => {
    const rest = fakeRest({ 'DELETE /api/bots/bot-1': () => ({ status: 204 }) });
    render(<BotEditor botId="bot-1" />);
    fireEvent.click(screen.getByRole('button', { name: 'Delete bot' }));
    fireEvent.click(screen.getByRole('button', { name: 'Keep' }));
    expect(rest.calls).toEqual([]);

    fireEvent.click(screen.getByRole('button', { name: 'Delete bot' }));
    const confirm = screen.getByRole('button', { name: 'Delete bot and its chats' });
    expect(document.activeElement).toBe(confirm);
    fireEvent.click(confirm);

    await waitFor(() => expect(useEntitiesStore.getState().bots.map((bot) => bot.id)).toEqual(['bot-2']));
    expect(rest.calls).toEqual([{ method: 'DELETE', path: '/api/bots/bot-1', body: undefined }]);
    expect(Object.keys(useEntitiesStore.getState().chats)).toEqual(['c2']);
    expect(useUiStore.getState()).toMatchObject({ selectedBotId: 'bot-2', mainView: { kind: 'chat' } });
  });

  it('offers no delete while creating a bot', () => {
    render(<BotEditor botId={null} />);
    expect(screen.getByRole('heading').textContent).toBe('New bot');
    expect(screen.queryByRole('button', { name: 'Delete bot' })).toBeNull();
  });
});
