import type { Message } from '@cachibot/protocol';
import { type OpenAIDouble, startOpenAIDouble } from '@cachibot/testkit';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type ApiClient, createUser, setupAdmin } from './support/api-client.ts';
import { removeDir, startServer, type TestServer } from './support/server.ts';
import { clientMessageId, sendAndWait } from './support/turns.ts';
import { WsClient } from './support/ws-client.ts';

/** Issue 12: branches (currentMessageId, edit, fork), compare of 2–4 models, votes and the leaderboard. */

const conversation = (messages: unknown[]) =>
  (messages as { role: string; content: string }[])
    .filter((message) => message.role !== 'system')
    .map((message) => `${message.role}: ${message.content}`);

describe.each(['sqlite', 'postgres'] as const)('branches and compare on %s', (engine) => {
  let double: OpenAIDouble;
  let server: TestServer;
  let owner: ApiClient;
  let stranger: ApiClient;
  let ws: WsClient;
  let botId: string;

  beforeAll(async () => {
    double = await startOpenAIDouble();
    server = await startServer({
      engine,
      env: { OPENAI_API_KEY: 'k', OPENAI_BASE_URL: double.url, CACHIBOT_DEFAULT_MODEL: 'openai/gpt-4o-mini' },
    });
    owner = await setupAdmin(server.url);
    stranger = await createUser(owner, `stranger-${engine}`);
    botId = (await owner.post('/api/bots', { name: 'Brancher', models: { default: 'openai/gpt-4o-mini' } }))
      .body.id;
    ws = await WsClient.connect(server.wsUrl, owner.token as string);
  });
  beforeEach(() => {
    double.reset();
    for (const model of ['gpt-4o-mini', 'gpt-4o', 'double-fast', 'gpt-4.1'])
      double.configureModel(model, { text: `answer of ${model}` });
  });
  afterAll(async () => {
    await ws.close();
    await server.stop();
    await double.close();
    removeDir(server.dataDir);
  });

  /** Sends a compare and waits for every one of its turns to end. */
  async function compare(models: string[], extra: Record<string, unknown> = {}) {
    const id = clientMessageId();
    const message = `compare ${id}`;
    ws.send('compare', { clientMessageId: id, botId, message, models, ...extra });
    const starts = await Promise.all(
      models.map((model) =>
        ws.waitFor(
          'turn_started',
          (event) => event.payload.clientMessageId === id && event.payload.model === model,
        ),
      ),
    );
    const dones = await Promise.all(
      starts.map((start) =>
        ws.waitFor('done', (event) => event.payload.turnId === start.payload.turnId, 20_000),
      ),
    );
    return {
      starts,
      answers: dones.map((done) => done.payload.message),
      chatId: starts[0]?.payload.chatId as string,
    };
  }

  async function messagesOf(chatId: string): Promise<Message[]> {
    return (await owner.get(`/api/chats/${chatId}/messages?limit=200`)).body.messages;
  }

  it('answers one question with 4 models under the default limits: 4 sibling answers, each with its own record', async () => {
    const models = ['openai/gpt-4o-mini', 'openai/gpt-4o', 'openai/double-fast', 'openai/gpt-4.1'];
    const { starts, answers, chatId } = await compare(models);
    const question = starts[0]?.payload.userMessage as Message;
    expect(new Set(starts.map((start) => start.payload.turnId)).size).toBe(4);
    expect(starts.every((start) => start.payload.compareId === question.id)).toBe(true);
    expect(answers.map((answer) => [answer.status, answer.parentId, answer.metadata.model])).toEqual(
      models.map((model) => ['complete', question.id, model]),
    );
    expect(answers.map((answer) => answer.content)).toEqual(
      models.map((model) => `answer of ${model.slice(7)}`),
    );
    expect(
      answers.every((answer) => answer.metadata.compareId === question.id && answer.metadata.usage),
    ).toBe(true);
    // The provider got each model once, and each saw only the question.
    expect(double.requests.map((request) => request.model).sort()).toEqual(
      models.map((m) => m.slice(7)).sort(),
    );
    for (const request of double.requests)
      expect(conversation(request.messages)).toEqual([`user: ${question.content}`]);
    // After a reload the group is still there: one question, four answers marked with the compare.
    const stored = await messagesOf(chatId);
    expect(stored.filter((message) => message.metadata.compareId === question.id)).toHaveLength(4);
  });

  it('refuses a compare of 1 or 5 models, duplicates and unknown models, and writes nothing', async () => {
    const first = await sendAndWait(ws, { botId, message: 'a chat to compare in' });
    const before = (await messagesOf(first.chatId)).length;
    const bad: [unknown, string][] = [
      [['openai/gpt-4o'], 'bad_request'],
      [['openai/a', 'openai/b', 'openai/c', 'openai/d', 'openai/e'], 'bad_request'],
      [['openai/gpt-4o', 'openai/gpt-4o'], 'bad_request'],
      [['openai/gpt-4o', 'nosuch/model'], 'bad_request'],
    ];
    for (const [models, code] of bad) {
      const id = clientMessageId();
      ws.send('compare', { clientMessageId: id, botId, chatId: first.chatId, message: 'nope', models });
      const error = await ws.waitFor(
        'error',
        (event) => (event.payload as { clientMessageId?: string }).clientMessageId === id,
      );
      expect(error.payload.code).toBe(code);
    }
    expect((await messagesOf(first.chatId)).length).toBe(before);
    expect(double.requests).toHaveLength(1);
  });

  it('follows every running turn of a compare on resume { chatId }', async () => {
    double.configure({ delayMs: 40, tokens: 8 });
    const id = clientMessageId();
    ws.send('compare', {
      clientMessageId: id,
      botId,
      message: 'slow compare',
      models: ['openai/gpt-4o', 'openai/gpt-4.1'],
    });
    const started = await ws.waitFor('turn_started', (event) => event.payload.clientMessageId === id);
    const other = await WsClient.connect(server.wsUrl, owner.token as string);
    other.send('resume', { chatId: started.payload.chatId });
    const turnIds = new Set<string>();
    await Promise.all(
      [0, 1].map(() =>
        other.waitFor(
          'done',
          (event) => {
            if (turnIds.has(event.payload.turnId)) return false;
            turnIds.add(event.payload.turnId);
            return true;
          },
          20_000,
        ),
      ),
    );
    expect(turnIds.size).toBe(2);
    await other.close();
  });

  it('continues with the answer the user picked: currentMessageId moves, and the next request holds that branch only', async () => {
    const { answers, chatId } = await compare(['openai/gpt-4o', 'openai/gpt-4.1']);
    const picked = answers[1] as Message;
    const patched = await owner.request('PATCH', `/api/chats/${chatId}`, { currentMessageId: picked.id });
    expect(patched.status).toBe(200);
    expect(patched.body.currentMessageId).toBe(picked.id);
    expect((await owner.get(`/api/chats/${chatId}`)).body.currentMessageId).toBe(picked.id);
    double.reset();
    await sendAndWait(ws, { botId, chatId, message: 'go on' });
    const sent = conversation(double.requests[0]?.messages ?? []);
    expect(sent).toContain('assistant: answer of gpt-4.1');
    expect(sent).not.toContain('assistant: answer of gpt-4o');
    // The new turn moved the chat's branch to its own answer.
    const chat = (await owner.get(`/api/chats/${chatId}`)).body;
    const last = (await messagesOf(chatId)).at(-1) as Message;
    expect(chat.currentMessageId).toBe(last.id);
  });

  it('refuses a currentMessageId of another chat (400) and another user’s chat (404)', async () => {
    const one = await sendAndWait(ws, { botId, message: 'chat one' });
    const two = await sendAndWait(ws, { botId, message: 'chat two' });
    const wrong = await owner.request('PATCH', `/api/chats/${one.chatId}`, { currentMessageId: two.done.id });
    expect(wrong.status).toBe(400);
    expect(JSON.stringify(wrong.body)).toContain('currentMessageId');
    const foreign = await stranger.request('PATCH', `/api/chats/${one.chatId}`, {
      currentMessageId: one.done.id,
    });
    expect(foreign.status).toBe(404);
  });

  it('edits a question into a sibling whose answer never sees the original', async () => {
    const first = await sendAndWait(ws, { botId, message: 'the first question' });
    const second = await sendAndWait(ws, {
      botId,
      chatId: first.chatId,
      message: 'the original second question',
    });
    const messages = await messagesOf(first.chatId);
    const original = messages.find(
      (message) => message.content === 'the original second question',
    ) as Message;
    double.reset();
    // The edit replies to the original's parent: a sibling question.
    const edited = await sendAndWait(ws, {
      botId,
      chatId: first.chatId,
      message: 'the edited second question',
      replyToId: original.parentId as string,
    });
    const sent = conversation(double.requests[0]?.messages ?? []);
    expect(sent).toEqual([
      'user: the first question',
      'assistant: answer of gpt-4o-mini',
      'user: the edited second question',
    ]);
    const after = await messagesOf(first.chatId);
    const editedQuestion = after.find(
      (message) => message.content === 'the edited second question',
    ) as Message;
    expect(editedQuestion.parentId).toBe(original.parentId);
    expect(after.some((message) => message.id === second.done.id)).toBe(true); // the old branch stays
    expect(edited.done.parentId).toBe(editedQuestion.id);
    // Editing the very first question: replyToId null starts a new root.
    double.reset();
    await sendAndWait(ws, {
      botId,
      chatId: first.chatId,
      message: 'a new first question',
      replyToId: null as never,
    });
    expect(conversation(double.requests[0]?.messages ?? [])).toEqual(['user: a new first question']);
  });

  it('forks the path from the root to a message into a new chat, records included, and nothing else', async () => {
    const one = await sendAndWait(ws, { botId, message: 'fork me one' });
    const two = await sendAndWait(ws, { botId, chatId: one.chatId, message: 'fork me two' });
    await sendAndWait(ws, { botId, chatId: one.chatId, message: 'after the fork point' });
    const forked = await owner.post(`/api/chats/${one.chatId}/fork`, { messageId: two.done.id });
    expect(forked.status).toBe(201);
    const copy = await messagesOf(forked.body.id);
    expect(copy.map((message) => message.content)).toEqual([
      'fork me one',
      'answer of gpt-4o-mini',
      'fork me two',
      'answer of gpt-4o-mini',
    ]);
    expect(copy.every((message) => message.chatId === forked.body.id)).toBe(true);
    expect(copy[3]?.metadata).toEqual(two.done.metadata);
    expect(copy.slice(1).map((message) => message.parentId)).toEqual(
      copy.slice(0, -1).map((message) => message.id),
    );
    expect(forked.body.currentMessageId).toBe(copy[3]?.id);
    expect(forked.body.totals.messages).toBe(4);
    expect(forked.body.totals.outputTokens).toBe(
      (one.done.metadata.usage?.outputTokens ?? 0) + (two.done.metadata.usage?.outputTokens ?? 0),
    );
  });

  it('counts a thumbs-up on a compared answer as a win over its siblings on the leaderboard', async () => {
    const { answers } = await compare(['openai/gpt-4o', 'openai/double-fast']);
    const winner = answers.find((answer) => answer.metadata.model === 'openai/double-fast') as Message;
    expect((await owner.post(`/api/messages/${winner.id}/vote`, { value: 1 })).status).toBe(204);
    const board = (await owner.get('/api/leaderboard')).body.models as {
      model: string;
      wins: number;
      losses: number;
      answers: number;
      medianTtftMs: number | null;
    }[];
    const row = (model: string) => board.find((entry) => entry.model === model);
    expect(row('openai/double-fast')).toMatchObject({ wins: 1, losses: 0 });
    expect(row('openai/gpt-4o')?.losses).toBeGreaterThanOrEqual(1);
    expect(row('openai/double-fast')?.medianTtftMs).toEqual(expect.any(Number));
    const page = await messagesOf(answers[0]?.chatId as string);
    expect(page.find((message) => message.id === winner.id)?.vote).toBe(1);
    // Taking the vote back takes the win back.
    await owner.post(`/api/messages/${winner.id}/vote`, { value: 0 });
    const again = (await owner.get('/api/leaderboard')).body.models as { model: string; wins: number }[];
    expect(again.find((entry) => entry.model === 'openai/double-fast')?.wins).toBe(0);
    // Bad values name the field.
    const bad = await owner.post(`/api/messages/${winner.id}/vote`, { value: 2 });
    expect(bad.status).toBe(400);
  });

  it('refuses another user on every new route and frame', async () => {
    const mine = await sendAndWait(ws, { botId, message: 'private' });
    expect((await stranger.post(`/api/chats/${mine.chatId}/fork`, { messageId: mine.done.id })).status).toBe(
      404,
    );
    expect((await stranger.post(`/api/messages/${mine.done.id}/vote`, { value: 1 })).status).toBe(404);
    expect((await stranger.get('/api/leaderboard')).body.models).toEqual([]);
    const theirs = await WsClient.connect(server.wsUrl, stranger.token as string);
    const id = clientMessageId();
    theirs.send('compare', {
      clientMessageId: id,
      botId,
      chatId: mine.chatId,
      message: 'hijack',
      models: ['openai/gpt-4o', 'openai/gpt-4.1'],
    });
    const refused = await theirs.waitFor(
      'error',
      (event) => (event.payload as { clientMessageId?: string }).clientMessageId === id,
    );
    expect(refused.payload.code).toBe('not_found');
    const other = clientMessageId();
    theirs.send('chat', {
      clientMessageId: other,
      botId,
      chatId: mine.chatId,
      message: 'x',
      replyToId: mine.done.id,
    });
    const refusedChat = await theirs.waitFor(
      'error',
      (event) => (event.payload as { clientMessageId?: string }).clientMessageId === other,
    );
    expect(refusedChat.payload.code).toBe('not_found');
    await theirs.close();
  });
});
