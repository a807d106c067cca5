import { expectedText, type OpenAIDouble, startOpenAIDouble } from '@cachibot/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setupAdmin } from './support/api-client.ts';
import { waitUntil } from './support/deadlines.ts';
import { spawnServer } from './support/process.ts';
import { removeDir, tempDataDir } from './support/server.ts';
import { startTurn, textOf } from './support/turns.ts';
import { WsClient } from './support/ws-client.ts';

let double: OpenAIDouble;
const dirs: string[] = [];
beforeAll(async () => {
  double = await startOpenAIDouble();
});
afterAll(async () => {
  await double.close();
  for (const dir of dirs) removeDir(dir);
});

const env = () => ({
  OPENAI_API_KEY: 'k',
  OPENAI_BASE_URL: double.url,
  CACHIBOT_DEFAULT_MODEL: 'openai/gpt-4o-mini',
});

describe('the server process', () => {
  it('keeps the partial answer of a turn killed with SIGKILL, marks it error on restart, never calls the provider again', async () => {
    const dataDir = tempDataDir();
    dirs.push(dataDir);
    const first = await spawnServer(dataDir, env());
    const admin = await setupAdmin(first.url);
    const botId = (await admin.get('/api/bots')).body.bots[0].id;
    const ws = await WsClient.connect(first.wsUrl, admin.token as string);
    double.reset();
    const { turnId, chatId } = await startTurn(ws, {
      botId,
      message: 'Crash me [[double tokens=400 delay=10]]',
    });
    await ws.waitFor('text_delta', (event) => event.payload.turnId === turnId && event.payload.seq >= 40);
    // At least one batch of the answer on disk before the kill.
    await waitUntil(async () => {
      const stored = (await admin.get(`/api/chats/${chatId}/messages`)).body.messages;
      return stored[1]?.content.length > 0;
    }, 'a batch of the answer is stored');
    const seenBeforeKill = textOf(ws.turnEvents(turnId));
    first.child.kill('SIGKILL');
    await first.exited;
    await ws.close();

    const second = await spawnServer(dataDir, env());
    admin.baseUrl !== second.url && Object.assign(admin, { baseUrl: second.url });
    const messages = (await admin.get(`/api/chats/${chatId}/messages`)).body.messages;
    expect(messages.map((message: { role: string }) => message.role)).toEqual(['user', 'assistant']);
    const answer = messages[1];
    expect(answer.status).toBe('error');
    expect(answer.metadata.error.code).toBe('interrupted');
    expect(answer.content.length).toBeGreaterThan(0);
    // What was stored is a prefix of what the client saw (short by at most the last batch).
    expect(seenBeforeKill.startsWith(answer.content) || answer.content.startsWith(seenBeforeKill)).toBe(true);
    expect(expectedText(400).startsWith(answer.content)).toBe(true);

    // A client that resumes gets the end of the turn: error, then done with the stored message.
    const back = await WsClient.connect(second.wsUrl, admin.token as string);
    back.send('resume', { chatId, turnId, afterSeq: 0 });
    const done = await back.waitFor('done', (event) => event.payload.turnId === turnId);
    expect(done.payload.message.status).toBe('error');
    expect(double.requests).toHaveLength(1);
    await back.close();
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
  });

  it('finishes and stores a running turn on SIGTERM before exiting, and refuses new turns meanwhile', async () => {
    const dataDir = tempDataDir();
    dirs.push(dataDir);
    // At info level the process logs when it starts shutting down: from then on it refuses new turns.
    const server = await spawnServer(dataDir, { ...env(), LOG_LEVEL: 'info' });
    const admin = await setupAdmin(server.url);
    const botId = (await admin.get('/api/bots')).body.bots[0].id;
    const ws = await WsClient.connect(server.wsUrl, admin.token as string);
    double.reset();
    const { turnId, chatId } = await startTurn(ws, {
      botId,
      message: 'Finish me [[double tokens=120 delay=15]]',
    });
    await ws.waitFor('text_delta', (event) => event.payload.turnId === turnId);
    server.child.kill('SIGTERM');
    await server.waitForOutput('shutting down');
    await expect(startTurn(ws, { botId, message: 'Too late' })).rejects.toMatchObject({
      code: 'unavailable',
    });
    const done = await ws.waitFor('done', (event) => event.payload.turnId === turnId);
    expect(done.payload.message).toMatchObject({ status: 'complete', content: expectedText(120) });
    expect(await server.exited).toBe(0);
    await ws.close();

    const again = await spawnServer(dataDir, env());
    Object.assign(admin, { baseUrl: again.url });
    const stored = (await admin.get(`/api/chats/${chatId}/messages`)).body.messages[1];
    expect(stored).toMatchObject({ status: 'complete', content: expectedText(120) });
    again.child.kill('SIGTERM');
    await again.exited;
  });
});
