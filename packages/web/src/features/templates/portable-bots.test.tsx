import { act, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { useEntitiesStore } from '../../stores/entities-store.ts';
import { useToastStore } from '../../stores/toast-store.ts';
import { useUiStore } from '../../stores/ui-store.ts';
import { fakeRest } from '../../test/fake-server.ts';
import { makeBot, makeChat, recordingTransport } from '../../test/fixtures.ts';
import { BotWelcome } from '../bots/BotWelcome.tsx';
import { ChatExportMenu } from '../chat-export/ChatExportMenu.tsx';
import { BotSharing } from './BotSharing.tsx';
import { NewBotChoices } from './NewBotChoices.tsx';

/** Captures what `saveFile` offers for download instead of letting jsdom navigate. */
function captureDownloads() {
  const saved: { name: string; text: Promise<string>; type: string }[] = [];
  vi.stubGlobal(
    'URL',
    Object.assign(URL, { createObjectURL: vi.fn(() => 'blob:test'), revokeObjectURL: vi.fn() }),
  );
  const createObjectURL = URL.createObjectURL as ReturnType<typeof vi.fn>;
  vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
    const blob = createObjectURL.mock.calls.at(-1)?.[0] as Blob;
    saved.push({ name: this.download, text: blob.text(), type: blob.type });
  });
  return saved;
}

function chooseFile(input: HTMLElement, content: string, name = 'bot.json') {
  const file = new File([content], name, { type: 'application/json' });
  fireEvent.change(input, { target: { files: [file] } });
}

beforeEach(() => {
  useEntitiesStore.getState().setBots([makeBot({ id: 'bot-0', name: 'Existing' })]);
  useUiStore.getState().editBot(null);
});

describe('importing a bot file', () => {
  it('sends the parsed file, then opens the new bot', async () => {
    const imported = makeBot({ id: 'bot-imported', name: 'From a file' });
    const rest = fakeRest({ 'POST /api/bots/import': () => ({ status: 201, body: imported }) });
    render(<NewBotChoices mode="blank" onMode={() => undefined} />);
    const file = { format: 'cachibot.bot', version: 1, bot: { name: 'From a file' } };
    chooseFile(screen.getByTestId('import-bot-file'), JSON.stringify(file));
    await waitFor(() => expect(useUiStore.getState().selectedBotId).toBe('bot-imported'));
    expect(rest.calls).toEqual([{ method: 'POST', path: '/api/bots/import', body: file }]);
    expect(useUiStore.getState().mainView).toEqual({ kind: 'chat' });
  });

  it("shows the server's reason, naming the field, and stays on the form", async () => {
    fakeRest({
      'POST /api/bots/import': () => ({
        status: 400,
        body: { error: { code: 'bad_request', message: 'Invalid bot file: bot.name: must not be empty' } },
      }),
    });
    render(<NewBotChoices mode="blank" onMode={() => undefined} />);
    chooseFile(
      screen.getByTestId('import-bot-file'),
      '{"format":"cachibot.bot","version":1,"bot":{"name":""}}',
    );
    expect((await screen.findByRole('alert')).textContent).toBe(
      'Could not import bot.json: Invalid bot file: bot.name: must not be empty',
    );
    expect(useUiStore.getState().mainView).toEqual({ kind: 'edit-bot', botId: null });
    expect((screen.getByTestId('import-bot') as HTMLButtonElement).disabled).toBe(false);
  });

  it('refuses a file that is not JSON without asking the server', async () => {
    const rest = fakeRest({});
    render(<NewBotChoices mode="blank" onMode={() => undefined} />);
    chooseFile(screen.getByTestId('import-bot-file'), 'name: not json', 'notes.yaml');
    expect((await screen.findByRole('alert')).textContent).toBe(
      'Could not import notes.yaml: notes.yaml is not a JSON file, so it cannot be a bot export.',
    );
    expect(rest.calls).toEqual([]);
  });
});

describe('an empty chat', () => {
  it("shows the bot's avatar, name and description, and sends a starter with the picked model", () => {
    const transport = recordingTransport();
    useEntitiesStore.getState().setBots([
      makeBot({
        id: 'bot-1',
        name: 'Tutor',
        description: 'Explains things',
        starters: ['Explain entropy.', 'Quiz me.'],
      }),
    ]);
    useUiStore.getState().chooseModel('draft:bot-1', 'openai/gpt-4o');
    render(<BotWelcome botId="bot-1" chatId={null} />);
    const welcome = within(screen.getByTestId('bot-welcome'));
    expect(welcome.getByRole('heading', { name: 'Tutor' })).toBeTruthy();
    expect(welcome.getByText('Explains things')).toBeTruthy();
    expect(welcome.getAllByTestId('starter-button').map((button) => button.textContent)).toEqual([
      'Explain entropy.',
      'Quiz me.',
    ]);
    fireEvent.click(welcome.getByRole('button', { name: 'Quiz me.' }));
    expect(transport.frames).toEqual([
      {
        type: 'chat',
        payload: expect.objectContaining({ botId: 'bot-1', message: 'Quiz me.', model: 'openai/gpt-4o' }),
      },
    ]);
  });

  it('invites a first message when the bot has no starters', () => {
    useEntitiesStore.getState().setBots([makeBot({ id: 'bot-1', name: 'Plain' })]);
    render(<BotWelcome botId="bot-1" chatId={null} />);
    expect(screen.getByText('Ask anything to start the conversation.')).toBeTruthy();
    expect(screen.queryAllByTestId('starter-button')).toEqual([]);
  });
});

describe('sharing and exporting a bot', () => {
  const bot = makeBot({ id: 'bot-1', name: 'Helper' });

  it('asks nothing until opened, then shares with the team and stops sharing', async () => {
    let shared = false;
    const team = { id: 'team-1', botId: 'bot-1', publishedAt: '2025-02-01T00:00:00Z', name: 'Helper' };
    const rest = fakeRest({
      'GET /api/templates': () => ({ body: { templates: shared ? [team] : [], categories: [] } }),
      'PUT /api/bots/bot-1/publication': () => {
        shared = true;
        return { body: team };
      },
      'DELETE /api/bots/bot-1/publication': () => {
        shared = false;
        return { status: 204 };
      },
    });
    render(<BotSharing bot={bot} />);
    expect(rest.calls).toEqual([]);
    const details = screen.getByTestId('bot-sharing') as HTMLDetailsElement;
    act(() => {
      details.open = true;
      details.dispatchEvent(new Event('toggle'));
    });
    const publish = await screen.findByRole('button', { name: 'Share with team' });
    await waitFor(() => expect((publish as HTMLButtonElement).disabled).toBe(false));
    expect(rest.calls[0]?.path).toBe('/api/templates');
    fireEvent.click(publish);
    const stop = await screen.findByRole('button', { name: 'Stop sharing' });
    expect(screen.getByRole('button', { name: 'Update shared copy' })).toBeTruthy();
    fireEvent.click(stop);
    await screen.findByRole('button', { name: 'Share with team' });
    expect(rest.calls.map((call) => `${call.method} ${call.path}`)).toEqual([
      'GET /api/templates',
      'PUT /api/bots/bot-1/publication',
      'DELETE /api/bots/bot-1/publication',
    ]);
  });

  it('downloads the bot file the server exports', async () => {
    const saved = captureDownloads();
    const file = { format: 'cachibot.bot', version: 1, exportedAt: 'now', bot: { name: 'Helper' } };
    fakeRest({ 'GET /api/templates': { templates: [], categories: [] }, 'GET /api/bots/bot-1/export': file });
    render(<BotSharing bot={bot} />);
    const details = screen.getByTestId('bot-sharing') as HTMLDetailsElement;
    act(() => {
      details.open = true;
      details.dispatchEvent(new Event('toggle'));
    });
    fireEvent.click(await screen.findByTestId('export-bot'));
    await waitFor(() => expect(saved).toHaveLength(1));
    expect(saved[0]?.name).toBe('helper.cachibot-bot.json');
    expect(JSON.parse(await (saved[0]?.text as Promise<string>))).toEqual(file);
  });
});

describe('the chat menu', () => {
  it('exports the chat as Markdown or JSON, and says so when the export fails', async () => {
    const saved = captureDownloads();
    const rest = fakeRest({
      'GET /api/chats/chat-1/export': ({ url }: { url: URL }) =>
        url.searchParams.get('format') === 'md'
          ? { body: '# A chat' }
          : { status: 404, body: { error: { code: 'not_found', message: 'Chat not found' } } },
    });
    render(<ChatExportMenu chat={makeChat({ id: 'chat-1', title: 'A chat' })} />);
    const trigger = screen.getByTestId('chat-menu');
    fireEvent.click(trigger);
    expect(document.activeElement).toBe(screen.getByRole('menuitem', { name: /Markdown/ }));
    fireEvent.keyDown(document, { key: 'ArrowDown' });
    expect(document.activeElement).toBe(screen.getByRole('menuitem', { name: /JSON/ }));
    fireEvent.keyDown(document, { key: 'Escape' });
    expect(screen.queryByRole('menu')).toBeNull();
    expect(document.activeElement).toBe(trigger);

    fireEvent.click(trigger);
    fireEvent.click(screen.getByTestId('export-chat-md'));
    await waitFor(() => expect(saved).toHaveLength(1));
    expect(saved[0]?.name).toBe('a-chat.md');
    expect(JSON.parse(await (saved[0]?.text as Promise<string>))).toBe('# A chat');

    fireEvent.click(trigger);
    fireEvent.click(screen.getByTestId('export-chat-json'));
    await waitFor(() => expect(useToastStore.getState().toasts).toHaveLength(1));
    expect(useToastStore.getState().toasts[0]?.message).toBe('Could not export the chat: Chat not found');
    expect(rest.calls.map((call) => call.path)).toEqual([
      '/api/chats/chat-1/export',
      '/api/chats/chat-1/export',
    ]);
  });
});
