import { expectedText, type OpenAIDouble, startOpenAIDouble } from '@cachibot/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiClient, createUser, setupAdmin } from './support/api-client.ts';
import { removeDir, startServer, type TestServer } from './support/server.ts';
import { clientMessageId, sendAndWait } from './support/turns.ts';
import { WsClient } from './support/ws-client.ts';

let double: OpenAIDouble;
let server: TestServer;
let admin: ApiClient;
let ws: WsClient;
let botId: string;

beforeAll(async () => {
  double = await startOpenAIDouble();
  server = await startServer({ env: { OPENAI_API_KEY: 'k', OPENAI_BASE_URL: double.url } });
  admin = await setupAdmin(server.url);
  botId = (await admin.post('/api/bots', { name: 'Regen', models: { default: 'openai/gpt-4o-mini' } })).body
    .id;
  ws = await WsClient.connect(server.wsUrl, admin.token as string);
});
afterAll(async () => {
  await ws.close();
  await server.stop();
  await double.close();
  removeDir(server.dataDir);
});

async function regenerate(messageId: string, model?: string, id = clientMessageId()) {
  const known = new Set(
    ws.events
      .filter((event) => event.type === 'turn_started')
      .map((event) => (event.payload as { turnId: string }).turnId),
  );
  ws.send('regenerate', { clientMessageId: id, messageId, ...(model ? { model } : {}) });
  const started = await ws.waitFor('turn_started', (event) => !known.has(event.payload.turnId));
  return (await ws.waitFor('done', (event) => event.payload.turnId === started.payload.turnId)).payload
    .message;
}

describe('regenerate', () => {
  it('answers the same question again with another model, keeping both answers as siblings', async () => {
    const first = await sendAndWait(ws, { botId, message: 'Tell me a story [[double tokens=6]]' });
    const userMessage =
      first.events[0]?.type === 'turn_started' ? first.events[0].payload.userMessage : undefined;
    const second = await regenerate(first.done.id, 'openai/gpt-4o');
    expect(second.id).not.toBe(first.done.id);
    expect(second.parentId).toBe(first.done.parentId);
    expect(second.parentId).toBe(userMessage?.id);
    expect(second.metadata).toMatchObject({ model: 'openai/gpt-4o', modelRequested: 'openai/gpt-4o' });
    expect(second.content).toBe(expectedText(6));
    expect(double.requests.map((request) => request.model)).toEqual(['gpt-4o-mini', 'gpt-4o']);
    // The model saw the question, not the first answer.
    const sent = double.requests[1]?.messages as { role: string }[];
    expect(sent.map((message) => message.role)).toEqual(['user']);

    const messages = (await admin.get(`/api/chats/${first.chatId}/messages`)).body.messages;
    expect(messages.map((message: { role: string }) => message.role)).toEqual([
      'user',
      'assistant',
      'assistant',
    ]);
    expect(messages[1].parentId).toBe(messages[2].parentId);
    // The chat's remembered model is not changed by a one-off regeneration.
    expect((await admin.get(`/api/chats/${first.chatId}`)).body.model).toBeNull();
  });

  it('is idempotent per clientMessageId and hides other users’ messages', async () => {
    const first = await sendAndWait(ws, { botId, message: 'Once more [[double tokens=3]]' });
    const id = clientMessageId();
    const answer = await regenerate(first.done.id, undefined, id);
    const before = double.requests.length;
    // A resend on the same socket is answered with nothing new (that socket has every event already);
    // one on a second socket with the first answer replayed. Both come after the same socket's resend.
    ws.send('regenerate', { clientMessageId: id, messageId: first.done.id });
    const other = await WsClient.connect(server.wsUrl, admin.token as string);
    other.send('regenerate', { clientMessageId: id, messageId: first.done.id });
    const replayed = await other.waitFor('done', (event) => event.payload.message.id === answer.id);
    expect(replayed.payload.message).toEqual(answer);
    expect(double.requests.length).toBe(before);
    await other.close();

    const bob = await createUser(admin, 'bob');
    const bobWs = await WsClient.connect(server.wsUrl, bob.token as string);
    bobWs.send('regenerate', { clientMessageId: clientMessageId(), messageId: first.done.id });
    expect((await bobWs.waitFor('error')).payload.code).toBe('not_found');
    expect(double.requests.length).toBe(before);
    await bobWs.close();
  });
});
