import type { Bot, BotExport, ChatFile, Message, Template, TemplatesResponse } from '@cachibot/protocol';
import { expectedText, type OpenAIDouble, startOpenAIDouble } from '@cachibot/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiClient, createUser, setupAdmin } from './support/api-client.ts';
import { removeDir, startServer, type TestServer } from './support/server.ts';
import { sendAndWait } from './support/turns.ts';
import { WsClient } from './support/ws-client.ts';

/** Marketplace, team templates, bot files and chat export over real HTTP, on both storage engines. */
describe.each(['sqlite', 'postgres'] as const)('templates and portable bots on %s', (engine) => {
  let server: TestServer;
  let double: OpenAIDouble;
  let alice: ApiClient;
  let bob: ApiClient;

  beforeAll(async () => {
    double = await startOpenAIDouble();
    server = await startServer({ engine, env: { OPENAI_API_KEY: 'k', OPENAI_BASE_URL: double.url } });
    alice = await setupAdmin(server.url, 'alice');
    bob = await createUser(alice, 'bob');
  });
  afterAll(async () => {
    await server?.stop();
    if (server) removeDir(server.dataDir);
    await double?.close();
  });

  const templates = async (client: ApiClient, query = '') =>
    (await client.get<TemplatesResponse>(`/api/templates${query}`)).body;
  const botCount = async () => {
    const row = await server.cachibot.database.db
      .selectFrom('bots')
      .select((eb) => eb.fn.countAll<string | number>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  };
  const fieldsOf = (bot: Bot) => {
    const { id: _id, createdAt: _created, updatedAt: _updated, ...fields } = bot;
    return fields;
  };
  const detailPaths = (body: { error: { details?: { path: string }[] } }) =>
    (body.error.details ?? []).map((detail) => detail.path);

  describe('the marketplace', () => {
    it('lists at least 60 templates in at least 10 categories, with the counts of each', async () => {
      const { templates: list, categories } = await templates(bob);
      expect(list.length).toBeGreaterThanOrEqual(60);
      const builtin = categories.filter((category) => category.id !== 'team');
      expect(builtin.length).toBeGreaterThanOrEqual(10);
      expect(categories[0]).toEqual({ id: 'team', name: 'Your team', count: 0 });
      for (const category of categories)
        expect(category.count, category.id).toBe(list.filter((t) => t.category === category.id).length);
      for (const template of list) {
        expect(template.source).toBe('builtin');
        expect(template.systemPrompt.length).toBeGreaterThanOrEqual(200);
        expect(template.starters.length).toBeGreaterThanOrEqual(2);
      }
    });

    it('searches names, descriptions and tags with every word, ignoring case', async () => {
      const byName = await templates(bob, '?q=REGEX');
      expect(byName.templates.map((t) => t.id)).toEqual(['regex-builder']);
      // "tdd" is only a tag of the unit test writer; "anki" only in the flashcard maker's description.
      expect((await templates(bob, '?q=tdd')).templates.map((t) => t.id)).toEqual(['unit-test-writer']);
      expect((await templates(bob, '?q=anki')).templates.map((t) => t.id)).toEqual(['flashcard-maker']);
      const twoWords = await templates(bob, `?q=${encodeURIComponent('interview practice')}`);
      expect(twoWords.templates.map((t) => t.id)).toEqual(['mock-interviewer']);
      const none = await templates(bob, '?q=zzzz-no-such-thing');
      expect(none.templates).toEqual([]);
      expect(none.categories.every((category) => category.count === 0)).toBe(true);
      // The counts follow the search, so the gallery can show where the matches are.
      const sql = await templates(bob, '?q=sql');
      expect(sql.categories.find((c) => c.id === 'data')?.count).toBeGreaterThanOrEqual(1);
      expect(sql.categories.find((c) => c.id === 'creative')?.count).toBe(0);
    });

    it('filters by category, alone and with a search', async () => {
      const all = await templates(bob);
      const coding = await templates(bob, '?category=coding');
      expect(coding.templates.length).toBe(all.categories.find((c) => c.id === 'coding')?.count);
      expect(coding.templates.every((t) => t.category === 'coding')).toBe(true);
      expect(coding.categories).toEqual(all.categories); // counts ignore the category filter
      const codingGit = await templates(bob, '?category=coding&q=git');
      expect(codingGit.templates.map((t) => t.id)).toEqual(['git-rescue']);
      expect((await templates(bob, '?category=health&q=git')).templates).toEqual([]);
    });

    it('refuses an unknown category, an over-long search and unknown query fields, naming them', async () => {
      for (const [query, field] of [
        ['?category=astrology', 'category'],
        [`?q=${'x'.repeat(201)}`, 'q'],
        ['?sort=name', ''],
      ] as const) {
        const response = await bob.get(`/api/templates${query}`);
        expect(response.status, query).toBe(400);
        expect(response.body.error.code).toBe('bad_request');
        expect(detailPaths(response.body), query).toContain(field);
      }
      expect((await new (alice.constructor as typeof ApiClient)(server.url).get('/api/templates')).status).toBe(
        401,
      );
    });
  });

  describe('install', () => {
    it("creates the caller's own bot from a template, a copy that later changes never touch", async () => {
      const template = (await templates(bob)).templates.find((t) => t.id === 'sql-helper') as Template;
      const before = await bob.get<{ bots: Bot[] }>('/api/bots');
      const installed = await bob.post<Bot>('/api/templates/sql-helper/install');
      expect(installed.status).toBe(201);
      expect(fieldsOf(installed.body)).toEqual({
        name: template.name,
        description: template.description,
        icon: template.icon,
        color: template.color,
        systemPrompt: template.systemPrompt,
        models: { default: '' },
        fallbackModels: [],
        settings: {},
        starters: template.starters,
      });
      const after = await bob.get<{ bots: Bot[] }>('/api/bots');
      expect(after.body.bots.map((bot) => bot.id)).toEqual([
        ...before.body.bots.map((bot) => bot.id),
        installed.body.id,
      ]);
      // Owned by the caller only.
      expect((await alice.get(`/api/bots/${installed.body.id}`)).status).toBe(404);
      expect((await bob.get(`/api/bots/${installed.body.id}`)).body).toEqual(installed.body);

      // Installing twice makes two independent bots; editing one leaves the template and the other alone.
      const second = await bob.post<Bot>('/api/templates/sql-helper/install');
      expect(second.body.id).not.toBe(installed.body.id);
      await bob.patch(`/api/bots/${installed.body.id}`, { systemPrompt: 'Changed', starters: ['Hi there'] });
      expect((await bob.get<Bot>(`/api/bots/${second.body.id}`)).body.systemPrompt).toBe(template.systemPrompt);
      const again = (await templates(bob, '?q=sql')).templates.find((t) => t.id === 'sql-helper');
      expect(again?.systemPrompt).toBe(template.systemPrompt);
      expect(again?.starters).toEqual(template.starters);
    });

    it('answers 404 for an unknown template and 400 for a body it does not take, creating nothing', async () => {
      const count = await botCount();
      const unknown = await bob.post('/api/templates/no-such-template/install');
      expect(unknown.status).toBe(404);
      expect(unknown.body.error.code).toBe('not_found');
      expect((await bob.post('/api/templates/team-nope/install')).status).toBe(404);
      const extra = await bob.post('/api/templates/sql-helper/install', { ownerId: 'someone' });
      expect(extra.status).toBe(400);
      expect(JSON.stringify(extra.body)).toContain('ownerId');
      expect(await botCount()).toBe(count);
    });
  });

  describe('conversation starters', () => {
    it('are stored with the bot, changed with PATCH, and validated like every field', async () => {
      const created = await bob.post<Bot>('/api/bots', {
        name: 'Starter bot',
        starters: ['What can you do?', 'Tell me a joke.'],
      });
      expect(created.status).toBe(201);
      expect(created.body.starters).toEqual(['What can you do?', 'Tell me a joke.']);
      const patched = await bob.patch<Bot>(`/api/bots/${created.body.id}`, { starters: ['Only one now.'] });
      expect(patched.body.starters).toEqual(['Only one now.']);
      expect((await bob.get<Bot>(`/api/bots/${created.body.id}`)).body.starters).toEqual(['Only one now.']);
      expect((await bob.post<Bot>('/api/bots', { name: 'No starters' })).body.starters).toEqual([]);

      for (const [starters, path] of [
        [Array.from({ length: 7 }, (_, i) => `Starter ${i}`), 'starters'],
        [['Fine', '   '], 'starters.1'],
        [['x'.repeat(501)], 'starters.0'],
        [['Fine', 'a\u0000b'], 'starters.1'],
        ['not a list', 'starters'],
      ] as const) {
        const refused = await bob.patch(`/api/bots/${created.body.id}`, { starters });
        expect(refused.status, JSON.stringify(starters).slice(0, 40)).toBe(400);
        expect(detailPaths(refused.body)).toContain(path);
      }
      expect((await bob.get<Bot>(`/api/bots/${created.body.id}`)).body.starters).toEqual(['Only one now.']);
    });
  });

  describe('bot files', () => {
    const fullBot = {
      name: 'Round trip',
      description: 'Every field set',
      icon: '🧭',
      color: '#123456',
      systemPrompt: 'You are a careful assistant.\nAnswer briefly.',
      models: { default: 'openai/gpt-4o', utility: 'openai/gpt-4o-mini' },
      fallbackModels: ['openai/gpt-4o-mini', 'anthropic/claude-sonnet-4-5'],
      settings: { temperature: 0.4, maxOutputTokens: 900 },
      starters: ['First starter', 'Second starter'],
    };

    it('exports every field as cachibot.bot version 1, and importing it gives the same bot', async () => {
      const original = (await alice.post<Bot>('/api/bots', fullBot)).body;
      const exported = await alice.get<BotExport>(`/api/bots/${original.id}/export`);
      expect(exported.status).toBe(200);
      expect(exported.headers.get('content-disposition')).toMatch(/^attachment; filename="round-trip\./);
      expect(exported.body).toEqual({
        format: 'cachibot.bot',
        version: 1,
        exportedAt: expect.any(String),
        bot: { ...fullBot, tools: {} },
      });
      // Another user imports the file: an equal bot of their own.
      const imported = await bob.post<Bot>('/api/bots/import', exported.body);
      expect(imported.status).toBe(201);
      expect(fieldsOf(imported.body)).toEqual(fieldsOf(original));
      expect(imported.body.id).not.toBe(original.id);
      expect((await bob.get<Bot>(`/api/bots/${imported.body.id}`)).body).toEqual(imported.body);
      expect((await alice.get(`/api/bots/${imported.body.id}`)).status).toBe(404);
    });

    it('never exports a key, and an import never carries one in', async () => {
      const bot = (await alice.post<Bot>('/api/bots', { name: 'Keyed' })).body;
      const key = 'sk-test-export-secret-0123456789';
      expect((await alice.request('PUT', `/api/bots/${bot.id}/providers/openai`, { apiKey: key })).status).toBe(
        200,
      );
      const exported = await alice.get(`/api/bots/${bot.id}/export`);
      expect(JSON.stringify(exported.body)).not.toContain(key);
      expect(JSON.stringify(exported.body)).not.toContain('6789');
      const imported = await bob.post<Bot>('/api/bots/import', exported.body);
      expect((await bob.get(`/api/bots/${imported.body.id}/providers`)).body).toEqual({ providers: [] });
      const withKey = await bob.post('/api/bots/import', {
        ...exported.body,
        bot: { ...exported.body.bot, apiKey: key },
      });
      expect(withKey.status).toBe(400);
      expect(JSON.stringify(withKey.body)).toContain('apiKey');
    });

    it('imports a CachiBot platform export (version "1.0"), bot.model as the default model', async () => {
      const file = {
        version: '1.0',
        exportedAt: '2025-06-01T10:00:00.000Z',
        bot: {
          name: 'Cachi Researcher',
          description: 'Exported from CachiBot',
          icon: 'brain',
          color: '#22c55e',
          model: 'openai/gpt-4o',
          systemPrompt: 'You research topics thoroughly.',
          tools: ['web_search', 'file_read'],
          personality: 'curious',
        },
      };
      const imported = await bob.post<Bot>('/api/bots/import', file);
      expect(imported.status).toBe(201);
      expect(fieldsOf(imported.body)).toEqual({
        name: 'Cachi Researcher',
        description: 'Exported from CachiBot',
        icon: '🧠',
        color: '#22c55e',
        systemPrompt: 'You research topics thoroughly.',
        models: { default: 'openai/gpt-4o' },
        fallbackModels: [],
        settings: {},
        starters: [],
      });
      // Optional fields may be missing; an emoji icon is kept.
      const minimal = await bob.post<Bot>('/api/bots/import', {
        version: '1.0',
        bot: { name: 'Minimal', model: 'anthropic/claude-sonnet-4-5', systemPrompt: '', icon: '🦊' },
      });
      expect(minimal.status).toBe(201);
      expect(minimal.body).toMatchObject({ name: 'Minimal', icon: '🦊', models: { default: 'anthropic/claude-sonnet-4-5' } });
    });

    it('refuses a bad file with 400 naming the field, and creates nothing', async () => {
      const good = { format: 'cachibot.bot', version: 1, bot: { name: 'Fine' } };
      const cachi = { version: '1.0', bot: { name: 'Fine', model: 'openai/gpt-4o', systemPrompt: 'x' } };
      const cases: [string, unknown, string][] = [
        ['a JSON array', [good], ''],
        ['another format', { ...good, format: 'lobechat.agent' }, 'format'],
        ['no format or version', { bot: { name: 'x' } }, 'format'],
        ['an unknown field at the top', { ...good, isAdmin: true }, ''],
        ['a newer version', { ...good, version: 2, bot: { title: 'new shape' } }, 'version'],
        ['a version as text', { ...good, version: '1' }, 'version'],
        ['no bot', { format: 'cachibot.bot', version: 1 }, 'bot'],
        ['a name of the wrong type', { ...good, bot: { name: 42 } }, 'bot.name'],
        ['a blank name', { ...good, bot: { name: '  ' } }, 'bot.name'],
        ['an oversize name', { ...good, bot: { name: 'n'.repeat(101) } }, 'bot.name'],
        ['an oversize prompt', { ...good, bot: { name: 'x', systemPrompt: 'p'.repeat(50_001) } }, 'bot.systemPrompt'],
        ['a temperature as text', { ...good, bot: { name: 'x', settings: { temperature: 'hot' } } }, 'bot.settings.temperature'],
        ['a bad model id', { ...good, bot: { name: 'x', models: { default: 'gpt4' } } }, 'bot.models.default'],
        ['too many fallbacks', { ...good, bot: { name: 'x', fallbackModels: Array(6).fill('openai/gpt-4o') } }, 'bot.fallbackModels'],
        ['starters not a list', { ...good, bot: { name: 'x', starters: 'hello' } }, 'bot.starters'],
        ['a tool mode that does not exist', { ...good, bot: { name: 'x', tools: { calculator: 'always' } } }, 'bot.tools.calculator'],
        ['a CachiBot export of another version', { ...cachi, version: '2.0' }, 'version'],
        ['a CachiBot export without a model', { ...cachi, bot: { name: 'x', systemPrompt: 'y' } }, 'bot.model'],
        ['a CachiBot model without a provider', { ...cachi, bot: { ...cachi.bot, model: 'gpt-4o' } }, 'bot.model'],
        ['a CachiBot oversize description', { ...cachi, bot: { ...cachi.bot, description: 'd'.repeat(2001) } }, 'bot.description'],
        ['a CachiBot prompt of the wrong type', { ...cachi, bot: { ...cachi.bot, systemPrompt: ['x'] } }, 'bot.systemPrompt'],
      ];
      const count = await botCount();
      for (const [name, file, field] of cases) {
        const response = await bob.post('/api/bots/import', file);
        expect(response.status, name).toBe(400);
        expect(response.body.error.code, name).toBe('bad_request');
        expect(detailPaths(response.body), name).toContain(field);
        if (field) expect(response.body.error.message, name).toContain(field);
      }
      expect(await botCount()).toBe(count);
    });
  });

  describe('team templates', () => {
    it('publishes a snapshot without keys that another user installs; re-publishing refreshes it; unpublish removes it', async () => {
      const bot = (
        await alice.post<Bot>('/api/bots', {
          name: 'Team Reviewer',
          description: 'Our house style for code review',
          icon: '🧐',
          systemPrompt: 'You review code the way our team does.',
          models: { default: 'openai/gpt-4o' },
          fallbackModels: ['openai/gpt-4o-mini'],
          settings: { temperature: 0.2 },
          starters: ['Review my diff.', 'What is our style on naming?'],
        })
      ).body;
      const key = 'sk-team-secret-abcdefghijkl';
      await alice.request('PUT', `/api/bots/${bot.id}/providers/openai`, { apiKey: key });

      const published = await alice.request<Template>('PUT', `/api/bots/${bot.id}/publication`, {
        tags: ['code review', 'house style'],
      });
      expect(published.status).toBe(200);
      expect(published.body).toMatchObject({
        name: 'Team Reviewer',
        category: 'team',
        source: 'team',
        publisher: 'alice',
        botId: bot.id,
        tags: ['code review', 'house style'],
        models: { default: 'openai/gpt-4o' },
        starters: ['Review my diff.', 'What is our style on naming?'],
      });

      // Bob sees it under "Your team", searchable by its tags, without alice's bot id or key.
      const seen = await bob.get('/api/templates?category=team');
      expect(seen.body.templates.map((t: Template) => t.id)).toEqual([published.body.id]);
      expect(seen.body.categories[0]).toEqual({ id: 'team', name: 'Your team', count: 1 });
      expect(seen.body.templates[0].botId).toBeUndefined();
      expect(JSON.stringify(seen.body)).not.toContain(key);
      expect(JSON.stringify(seen.body)).not.toContain(bot.id);
      expect((await bob.get('/api/templates?q=house%20style')).body.templates[0].id).toBe(published.body.id);

      const installed = await bob.post<Bot>(`/api/templates/${published.body.id}/install`);
      expect(installed.status).toBe(201);
      expect(fieldsOf(installed.body)).toEqual({ ...fieldsOf(bot) });
      expect((await bob.get(`/api/bots/${installed.body.id}/providers`)).body).toEqual({ providers: [] });

      // A new snapshot keeps the id (and the tags when none are given); bob's copy stays as it was.
      await alice.patch(`/api/bots/${bot.id}`, { systemPrompt: 'A stricter review.' });
      const refreshed = await alice.request<Template>('PUT', `/api/bots/${bot.id}/publication`, {});
      expect(refreshed.body).toMatchObject({
        id: published.body.id,
        systemPrompt: 'A stricter review.',
        tags: ['code review', 'house style'],
      });
      expect((await bob.get<Bot>(`/api/bots/${installed.body.id}`)).body.systemPrompt).toBe(
        'You review code the way our team does.',
      );

      // Only the owner may publish or unpublish; to anyone else the bot does not exist.
      expect((await bob.request('PUT', `/api/bots/${bot.id}/publication`, {})).status).toBe(404);
      expect((await bob.request('DELETE', `/api/bots/${bot.id}/publication`)).status).toBe(404);
      expect((await bob.get('/api/templates?category=team')).body.templates).toHaveLength(1);

      expect((await alice.request('DELETE', `/api/bots/${bot.id}/publication`)).status).toBe(204);
      expect((await bob.get('/api/templates?category=team')).body.templates).toEqual([]);
      expect((await bob.post(`/api/templates/${published.body.id}/install`)).status).toBe(404);
      expect((await alice.request('DELETE', `/api/bots/${bot.id}/publication`)).status).toBe(404);
      expect((await bob.get<Bot>(`/api/bots/${installed.body.id}`)).status).toBe(200);
    });

    it('unpublishes a bot that is deleted', async () => {
      const bot = (await bob.post<Bot>('/api/bots', { name: 'Short-lived' })).body;
      const published = await bob.request<Template>('PUT', `/api/bots/${bot.id}/publication`);
      expect(published.status).toBe(200);
      expect((await alice.get('/api/templates?category=team')).body.templates.map((t: Template) => t.id)).toContain(
        published.body.id,
      );
      expect((await bob.delete(`/api/bots/${bot.id}`)).status).toBe(204);
      expect(
        (await alice.get('/api/templates?category=team')).body.templates.map((t: Template) => t.id),
      ).not.toContain(published.body.id);
    });

    it("refuses bad publication bodies, and a foreign bot's export", async () => {
      const bot = (await bob.post<Bot>('/api/bots', { name: 'Mine' })).body;
      const badTags = await bob.request('PUT', `/api/bots/${bot.id}/publication`, { tags: ['UPPER'] });
      expect(badTags.status).toBe(400);
      expect(detailPaths(badTags.body)).toContain('tags.0');
      expect((await bob.request('PUT', `/api/bots/${bot.id}/publication`, { botId: 'x' })).status).toBe(400);
      const foreign = await alice.get(`/api/bots/${bot.id}/export`);
      expect(foreign.status).toBe(404);
      expect(JSON.stringify(foreign.body)).not.toContain('Mine');
    });
  });

  describe('chat export', () => {
    it('exports the branch the chat shows as Markdown and JSON, each answer with its record', async () => {
      const bot = (
        await alice.post<Bot>('/api/bots', { name: 'Exporter', models: { default: 'openai/gpt-4o-mini' } })
      ).body;
      const ws = await WsClient.connect(server.wsUrl, alice.token as string);
      const first = await sendAndWait(ws, { botId: bot.id, message: 'First question [[double tokens=5]]' });
      const second = await sendAndWait(ws, {
        botId: bot.id,
        chatId: first.chatId,
        message: 'A path not shown [[double tokens=6]]',
        replyToId: first.done.id,
      });
      // Back to the first answer: a new question there makes the shown branch skip the second one.
      const third = await sendAndWait(ws, {
        botId: bot.id,
        chatId: first.chatId,
        message: 'The shown branch [[double tokens=7]]',
        replyToId: first.done.id,
        model: 'openai/gpt-4o',
      });
      await ws.close();
      const stored: Message[] = (await alice.get(`/api/chats/${first.chatId}/messages`)).body.messages;
      const question = (text: string) => stored.find((m) => m.content.startsWith(text)) as Message;
      const shown = [question('First question'), first.done, question('The shown branch'), third.done];

      const json = await alice.get<ChatFile>(`/api/chats/${first.chatId}/export?format=json`);
      expect(json.status).toBe(200);
      expect(json.headers.get('content-disposition')).toMatch(/^attachment; filename=".*\.json"/);
      expect(json.body).toMatchObject({ format: 'cachibot.chat', version: 1, bot: { id: bot.id, name: 'Exporter' } });
      expect(json.body.chat.id).toBe(first.chatId);
      // Every record, exactly as the messages API has it, root first; the other branch left out.
      expect(json.body.messages).toEqual(shown.map((m) => stored.find((s) => s.id === m.id)));
      expect(json.body.messages.map((m) => m.id)).not.toContain(second.done.id);

      const response = await fetch(`${server.url}/api/chats/${first.chatId}/export?format=md`, {
        headers: { authorization: `Bearer ${alice.token}` },
      });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('text/markdown; charset=utf-8');
      expect(response.headers.get('content-disposition')).toMatch(/\.md"/);
      const markdown = await response.text();
      expect(markdown).toMatch(/^# First question/);
      expect(markdown).toContain('**You** · ');
      expect(markdown).toContain('**Exporter** · ');
      const lines = markdown.split('\n');
      expect(lines).toContain(expectedText(5));
      expect(lines).toContain(expectedText(7));
      expect(lines).not.toContain(expectedText(6));
      expect(markdown).not.toContain('A path not shown');
      expect(markdown).toContain('`openai/gpt-4o-mini`');
      expect(markdown).toContain('`openai/gpt-4o`');
      expect(markdown.indexOf('First question')).toBeLessThan(markdown.indexOf('The shown branch'));
      expect(markdown).toContain('4 messages');
      // Markdown is the default format.
      const plain = await fetch(`${server.url}/api/chats/${first.chatId}/export`, {
        headers: { authorization: `Bearer ${alice.token}` },
      });
      expect(plain.headers.get('content-type')).toBe('text/markdown; charset=utf-8');
    });

    it('exports an empty chat, refuses an unknown format, and hides other users’ chats', async () => {
      const bot = (await alice.post<Bot>('/api/bots', { name: 'Quiet' })).body;
      const chat = (await alice.post(`/api/bots/${bot.id}/chats`, { title: 'Nothing yet' })).body;
      const json = await alice.get<ChatFile>(`/api/chats/${chat.id}/export?format=json`);
      expect(json.body.messages).toEqual([]);
      const md = await fetch(`${server.url}/api/chats/${chat.id}/export?format=md`, {
        headers: { authorization: `Bearer ${alice.token}` },
      });
      expect(await md.text()).toContain('*No messages yet.*');
      const bad = await alice.get(`/api/chats/${chat.id}/export?format=pdf`);
      expect(bad.status).toBe(400);
      expect(detailPaths(bad.body)).toContain('format');
      const foreign = await bob.get(`/api/chats/${chat.id}/export?format=json`);
      expect(foreign.status).toBe(404);
      expect(JSON.stringify(foreign.body)).not.toContain('Nothing yet');
    });
  });
});
