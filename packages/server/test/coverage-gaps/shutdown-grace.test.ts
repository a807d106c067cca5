import { expectedText, type OpenAIDouble, startOpenAIDouble } from '@cachibot/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setupAdmin } from '../support/api-client.ts';
import { scaled } from '../support/deadlines.ts';
import { type ServerProcess, spawnServer } from '../support/process.ts';
import { removeDir, tempDataDir } from '../support/server.ts';
import { startTurn, textOf } from '../support/turns.ts';
import { WsClient } from '../support/ws-client.ts';

const GRACE_MS = 1_500;
/** Generous, and more on a busy machine: closing sockets, the HTTP server and the database after the grace. */
const EXIT_BOUND_MS = scaled(5_000);

let double: OpenAIDouble;
const dirs: string[] = [];
const running: ServerProcess[] = [];
beforeAll(async () => {
  double = await startOpenAIDouble();
});
afterAll(async () => {
  for (const server of running) if (server.child.exitCode === null) server.child.kill('SIGKILL');
  await double.close();
  for (const dir of dirs) removeDir(dir);
});

const env = () => ({
  OPENAI_API_KEY: 'k',
  OPENAI_BASE_URL: double.url,
  CACHIBOT_DEFAULT_MODEL: 'openai/gpt-4o-mini',
  CACHIBOT_SHUTDOWN_GRACE_MS: String(GRACE_MS),
  CACHIBOT_PERSIST_INTERVAL_MS: '50',
});
const spawn = async (dataDir: string) => {
  const server = await spawnServer(dataDir, env());
  running.push(server);
  return server;
};

describe('SIGTERM with an answer that outlasts the shutdown grace (OPS-03)', () => {
  it('lets the answer run for the grace, then stops it, stores its partial text with a final status and exits', async () => {
    const dataDir = tempDataDir();
    dirs.push(dataDir);
    const first = await spawn(dataDir);
    const admin = await setupAdmin(first.url);
    const botId = (await admin.get('/api/bots')).body.bots[0].id;
    const ws = await WsClient.connect(first.wsUrl, admin.token as string);
    double.reset();
    // 1 000 tokens at 20 ms each: about 20 s, far beyond the grace.
    const { turnId, chatId } = await startTurn(ws, {
      botId,
      message: 'Outlast the grace [[double tokens=1000 delay=20]]',
    });
    await ws.waitFor('text_delta', (event) => event.payload.turnId === turnId && event.payload.seq >= 5);
    const seenAtSignal = textOf(ws.turnEvents(turnId));

    const signalledAt = Date.now();
    first.child.kill('SIGTERM');
    const done = await ws.waitFor(
      'done',
      (event) => event.payload.turnId === turnId,
      GRACE_MS + EXIT_BOUND_MS,
    );
    expect(await first.exited).toBe(0);
    const exitedAfterMs = Date.now() - signalledAt;
    expect(exitedAfterMs).toBeLessThan(GRACE_MS + EXIT_BOUND_MS);
    await ws.close();

    // The turn kept streaming during the grace, then was stopped: a final status, the partial text kept.
    const answer = done.payload.message;
    expect(answer.content.length).toBeGreaterThan(seenAtSignal.length);
    expect(answer.content.length).toBeLessThan(expectedText(1000).length);
    expect(expectedText(1000).startsWith(answer.content)).toBe(true);
    expect(answer.content).toBe(textOf(ws.turnEvents(turnId)));
    // Not the user's cancel: an interruption, like a crash but announced, so the UI offers Retry.
    expect(answer.status).toBe('error');
    expect(answer.metadata.finishReason).toBe('error');
    expect(answer.metadata.error?.code).toBe('interrupted');
    expect(ws.turnEvents(turnId).some((event) => event.type === 'error')).toBe(true);
    // The provider call was stopped, not left running.
    await double.waitUntil((requests) => requests[0]?.aborted === true, scaled(5_000));
    expect(double.requests).toHaveLength(1);

    // After a restart the stored answer is exactly what the client got, and it is not "recovered"
    // a second time: it was finished (and its log closed) before the process exited.
    const second = await spawn(dataDir);
    Object.assign(admin, { baseUrl: second.url });
    const messages = (await admin.get(`/api/chats/${chatId}/messages`)).body.messages;
    expect(messages.map((message: { role: string }) => message.role)).toEqual(['user', 'assistant']);
    expect(messages[1]).toEqual(answer);
    const back = await WsClient.connect(second.wsUrl, admin.token as string);
    back.send('resume', { chatId, turnId, afterSeq: 0 });
    const replayed = await back.waitFor('done', (event) => event.payload.turnId === turnId);
    expect(replayed.payload.message).toEqual(answer);
    expect(textOf(back.turnEvents(turnId))).toBe(answer.content);
    await back.close();
    expect(double.requests).toHaveLength(1);
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
  });
});
