import type { Template, TemplatesResponse } from '@cachibot/protocol';
import { fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { beforeEach, describe, expect, it } from 'vitest';
import { useEntitiesStore } from '../../stores/entities-store.ts';
import { useUiStore } from '../../stores/ui-store.ts';
import { fakeRest } from '../../test/fake-server.ts';
import { makeBot } from '../../test/fixtures.ts';
import { BotEditor } from '../bots/BotEditor.tsx';

const template = (overrides: Partial<Template>): Template => ({
  id: 'code-reviewer',
  name: 'Code Reviewer',
  description: 'Reviews your diffs.',
  category: 'coding',
  tags: ['code review'],
  icon: '🔍',
  color: '#4f46e5',
  systemPrompt: 'You are a senior engineer.\n\nReview only the code the user shares.',
  modelClass: 'reasoning',
  starters: ['Review this function.', 'What do you look for first?'],
  source: 'builtin',
  ...overrides,
});

const CATALOGUE: Template[] = [
  template({}),
  template({
    id: 'sql-helper',
    name: 'SQL Query Helper',
    description: 'Writes SQL.',
    category: 'data',
    tags: ['sql'],
    modelClass: 'balanced',
  }),
  template({
    id: 'team-1',
    name: 'House Style',
    description: 'Our review rules.',
    category: 'team',
    source: 'team',
    publisher: 'alice',
    modelClass: undefined,
    models: { default: 'openai/gpt-4o' },
  }),
];

/** The server's search: every word in name, description or tags; counts per category. */
function answer(q: string | null): TemplatesResponse {
  const words = (q ?? '').toLowerCase().split(/\s+/).filter(Boolean);
  const templates = CATALOGUE.filter((t) =>
    words.every((word) => [t.name, t.description, ...t.tags].join(' ').toLowerCase().includes(word)),
  );
  const categories = [
    { id: 'team', name: 'Your team' },
    { id: 'coding', name: 'Coding' },
    { id: 'data', name: 'Data & Analysis' },
  ].map((c) => ({ ...c, count: templates.filter((t) => t.category === c.id).length }));
  return { templates, categories };
}

const cards = () =>
  screen.queryAllByTestId('template-card').map((card) => card.getAttribute('data-template-name'));

beforeEach(() => {
  useEntitiesStore.getState().setBots([makeBot({ id: 'bot-0', name: 'Existing' })]);
  useUiStore.getState().editBot(null);
});

async function openGallery() {
  render(<BotEditor botId={null} />);
  fireEvent.click(screen.getByTestId('templates-button'));
  await waitFor(() => expect(cards().length).toBeGreaterThan(0));
}

describe('the template gallery', () => {
  it('stands beside Blank and Import, lists templates by category, and searches on the server', async () => {
    const rest = fakeRest({
      'GET /api/templates': ({ url }: { url: URL }) => ({ body: answer(url.searchParams.get('q')) }),
    });
    render(<BotEditor botId={null} />);
    expect(screen.getByRole('button', { name: 'Blank' }).getAttribute('aria-pressed')).toBe('true');
    expect(screen.getByTestId('import-bot')).toBeTruthy();
    fireEvent.click(screen.getByTestId('templates-button'));
    await waitFor(() => expect(cards()).toEqual(['Code Reviewer', 'SQL Query Helper', 'House Style']));
    expect(document.activeElement).toBe(screen.getByRole('searchbox', { name: 'Search templates' }));

    const chips = within(screen.getByRole('group', { name: 'Category' }));
    expect(chips.getAllByRole('button').map((chip) => chip.textContent)).toEqual([
      'All 3',
      'Your team 1',
      'Coding 1',
      'Data & Analysis 1',
    ]);
    fireEvent.click(chips.getByRole('button', { name: /Data/ }));
    expect(cards()).toEqual(['SQL Query Helper']);
    fireEvent.click(chips.getByRole('button', { name: /All/ }));

    fireEvent.change(screen.getByRole('searchbox'), { target: { value: 'review' } });
    await waitFor(() => expect(cards()).toEqual(['Code Reviewer', 'House Style']));
    expect(rest.calls.map((call) => call.path)).toEqual(['/api/templates', '/api/templates']);

    fireEvent.change(screen.getByRole('searchbox'), { target: { value: 'astrology' } });
    expect(await screen.findByText('No templates match “astrology”.')).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Clear the search' }));
    await waitFor(() => expect(cards()).toHaveLength(3));
  });

  it('previews the full prompt, the suggested model and the starters, and installs in one click', async () => {
    const installed = makeBot({ id: 'bot-new', name: 'Code Reviewer' });
    const rest = fakeRest({
      'GET /api/templates': answer(null),
      'POST /api/templates/code-reviewer/install': () => ({ status: 201, body: installed }),
    });
    await openGallery();
    fireEvent.click(screen.getByRole('button', { name: /Code Reviewer/ }));
    const preview = within(screen.getByTestId('template-preview'));
    expect(preview.getByRole('heading', { name: 'Code Reviewer' })).toBeTruthy();
    expect(preview.getByText('A strong reasoning model pays off')).toBeTruthy();
    expect(preview.getByText('Review this function.')).toBeTruthy();
    expect(screen.getByTestId('template-preview').querySelector('pre')?.textContent).toBe(
      'You are a senior engineer.\n\nReview only the code the user shares.',
    );

    fireEvent.click(preview.getByTestId('template-install'));
    await waitFor(() => expect(useUiStore.getState().selectedBotId).toBe('bot-new'));
    expect(useUiStore.getState().mainView).toEqual({ kind: 'chat' });
    expect(useEntitiesStore.getState().bots.map((bot) => bot.id)).toEqual(['bot-0', 'bot-new']);
    expect(rest.calls.at(-1)).toEqual({
      method: 'POST',
      path: '/api/templates/code-reviewer/install',
      body: {},
    });
  });

  it("shows a team template's publisher and model, and the reason when installing fails", async () => {
    fakeRest({
      'GET /api/templates': answer(null),
      'POST /api/templates/team-1/install': () => ({
        status: 404,
        body: { error: { code: 'not_found', message: 'Template not found' } },
      }),
    });
    await openGallery();
    fireEvent.click(screen.getByRole('button', { name: /House Style/ }));
    const preview = within(screen.getByTestId('template-preview'));
    expect(preview.getByText('Shared by alice · Your team')).toBeTruthy();
    expect(preview.getByText('openai/gpt-4o')).toBeTruthy();
    fireEvent.click(preview.getByTestId('template-install'));
    expect((await preview.findByRole('alert')).textContent).toBe('Template not found');
    expect((preview.getByTestId('template-install') as HTMLButtonElement).disabled).toBe(false);
    expect(useUiStore.getState().mainView).toEqual({ kind: 'edit-bot', botId: null });
  });

  it('says why the list failed and loads it again on request', async () => {
    let fail = true;
    fakeRest({
      'GET /api/templates': () =>
        fail
          ? { status: 500, body: { error: { code: 'internal', message: 'Internal server error' } } }
          : { body: answer(null) },
    });
    render(<BotEditor botId={null} />);
    fireEvent.click(screen.getByTestId('templates-button'));
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('Could not load the templates: Internal server error');
    fail = false;
    fireEvent.click(within(alert).getByRole('button', { name: 'Try again' }));
    await waitFor(() => expect(cards()).toHaveLength(3));
  });

  it('goes back to the blank form', async () => {
    fakeRest({ 'GET /api/templates': answer(null) });
    await openGallery();
    fireEvent.click(screen.getByRole('button', { name: 'Blank' }));
    expect(screen.getByTestId('bot-editor')).toBeTruthy();
    expect(screen.queryByTestId('template-gallery')).toBeNull();
  });
});
