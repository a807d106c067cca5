import { readdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  ERROR_CODES,
  type ErrorCode,
  ErrorCodeSchema,
  type ServerEvent,
  ServerEventSchema,
  TURN_EVENT_TYPES,
  TurnErrorCodeSchema,
} from '@cachibot/protocol';
import { type OpenAIDouble, startOpenAIDouble } from '@cachibot/testkit';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { AppError, type AppErrorCode } from '../../src/errors.ts';
import { type ApiClient, setupAdmin } from '../support/api-client.ts';
import { removeDir, startServer, type TestServer } from '../support/server.ts';
import { clientMessageId, sendAndWait, startTurn } from '../support/turns.ts';
import { WsClient } from '../support/ws-client.ts';

// Every event the server sends in these runs is parsed with the protocol's ServerEventSchema (strict:
// an undocumented field, code or event fails), so the schemas — and docs/api.md, generated from
// them — say what the server really sends.

/** An OpenAI-compatible server whose model streams its reasoning (`reasoning_content`) before the answer. */
async function startReasoningServer(): Promise<{ url: string; close(): Promise<void> }> {
  const chunk = (delta: object, extra: object = {}) =>
    `data: ${JSON.stringify({
      id: 'r1',
      object: 'chat.completion.chunk',
      created: 0,
      model: 'reasoner',
      choices: [{ index: 0, delta, finish_reason: null }],
      ...extra,
    })}\n\n`;
  const server = http.createServer((request, response) => {
    request.resume();
    if (request.method === 'GET') {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ object: 'list', data: [{ id: 'reasoner', object: 'model' }] }));
      return;
    }
    request.on('end', () => {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      response.write(chunk({ role: 'assistant', reasoning_content: 'First, ' }));
      response.write(chunk({ reasoning_content: 'think.' }));
      response.write(chunk({ content: 'The answer.' }));
      response.write(
        `data: ${JSON.stringify({
          id: 'r1',
          object: 'chat.completion.chunk',
          created: 0,
          model: 'reasoner',
          choices: [{ index: 0, delta: {}, finish_reason: 'stop' }],
          usage: { prompt_tokens: 5, completion_tokens: 4, total_tokens: 9 },
        })}\n\n`,
      );
      response.end('data: [DONE]\n\n');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

let double: OpenAIDouble;
let reasoner: Awaited<ReturnType<typeof startReasoningServer>>;
let server: TestServer;
let admin: ApiClient;
let botId: string;
const sockets: WsClient[] = [];
/** Every kind of event validated so far: the type, and for `error` whether it belonged to a turn. */
const validatedKinds = new Set<string>();

const env = () => ({
  OPENAI_API_KEY: 'test-key',
  OPENAI_BASE_URL: double.url,
  OPENAI_COMPATIBLE_BASE_URL: reasoner.url,
  CACHIBOT_FIRST_TOKEN_TIMEOUT_MS: '5000',
  CACHIBOT_SHUTDOWN_GRACE_MS: '50',
});

async function connect(): Promise<WsClient> {
  const ws = await WsClient.connect(server.wsUrl, admin.token as string);
  sockets.push(ws);
  return ws;
}

const kindOf = (event: ServerEvent) =>
  event.type === 'error' ? ('turnId' in event.payload ? 'error (turn)' : 'error (lone)') : event.type;

/** Parses every event a socket received; names each one that does not match, with zod's reasons. */
function expectAllValid(events: readonly unknown[]): void {
  expect(events.length).toBeGreaterThan(0);
  const failures: string[] = [];
  for (const event of events) {
    const parsed = ServerEventSchema.safeParse(event);
    if (parsed.success) validatedKinds.add(kindOf(parsed.data));
    else failures.push(`${JSON.stringify(event).slice(0, 300)}\n${z.prettifyError(parsed.error)}`);
  }
  expect(failures).toEqual([]);
}

beforeAll(async () => {
  double = await startOpenAIDouble();
  reasoner = await startReasoningServer();
  server = await startServer({ env: env() });
  admin = await setupAdmin(server.url);
  const bot = await admin.post('/api/bots', {
    name: 'Schema checker',
    models: { default: 'openai/gpt-4o' },
    fallbackModels: ['openai/gpt-4o-mini'],
  });
  botId = bot.body.id;
});
beforeEach(() => double.reset());
afterAll(async () => {
  for (const ws of sockets) await ws.close();
  await server.stop();
  await reasoner.close();
  await double.close();
  removeDir(server.dataDir);
});

describe('server events match the protocol schemas', () => {
  it('validates a streamed turn: turn_started, text_delta, usage and done', async () => {
    const ws = await connect();
    const turn = await sendAndWait(ws, { botId, message: 'Plain answer [[double tokens=5]]' });
    expect(turn.events.map((event) => event.type)).toEqual([
      'turn_started',
      ...Array(5).fill('text_delta'),
      'usage',
      'done',
    ]);
    expectAllValid(ws.events);
  });

  it('validates reasoning_delta from a model that streams its reasoning', async () => {
    const ws = await connect();
    const turn = await sendAndWait(ws, { botId, message: 'Think first', model: 'compatible/reasoner' });
    const reasoning = turn.events.filter((event) => event.type === 'reasoning_delta');
    expect(reasoning.map((event) => event.payload.delta).join('')).toBe('First, think.');
    expect(turn.done).toMatchObject({ status: 'complete', content: 'The answer.' });
    expectAllValid(ws.events);
  });

  it('validates model_fallback, whose reason is an attempt error code', async () => {
    const ws = await connect();
    double.configureModel('gpt-4o', { status: 429 });
    const turn = await sendAndWait(ws, { botId, message: 'Fall back [[double tokens=3]]' });
    const fallback = turn.events.find((event) => event.type === 'model_fallback');
    expect(fallback?.payload).toMatchObject({ from: 'openai/gpt-4o', to: 'openai/gpt-4o-mini' });
    expect(TurnErrorCodeSchema.options).toContain(fallback?.payload.reason);
    expectAllValid(ws.events);
  });

  it("validates a failed turn's error event, which carries a turn error code before done", async () => {
    const ws = await connect();
    const turn = await sendAndWait(ws, { botId, message: 'Fail [[double status=500]]' });
    const types = turn.events.map((event) => event.type);
    expect(types.slice(-3)).toEqual(['usage', 'error', 'done']);
    const error = turn.events.find((event) => event.type === 'error');
    expect(TurnErrorCodeSchema.options).toContain(error?.payload.code);
    expect(turn.done.metadata.error).toEqual({ code: error?.payload.code, message: error?.payload.message });
    expectAllValid(ws.events);
  });

  it('validates a cancelled turn and a regenerated answer', async () => {
    const ws = await connect();
    const { turnId, chatId } = await startTurn(ws, {
      botId,
      message: 'Long one [[double tokens=100 delay=10]]',
    });
    await ws.waitFor('text_delta', (event) => event.payload.turnId === turnId && event.payload.seq >= 3);
    ws.send('cancel', { turnId });
    const done = await ws.waitFor('done', (event) => event.payload.turnId === turnId);
    expect(done.payload.message.status).toBe('cancelled');

    const id = clientMessageId();
    ws.send('regenerate', {
      clientMessageId: id,
      messageId: done.payload.message.id,
      model: 'openai/gpt-4o-mini',
    });
    const started = await ws.waitFor(
      'turn_started',
      (event) => event.payload.chatId === chatId && event.payload.clientMessageId === id,
    );
    await ws.waitFor('done', (event) => event.payload.turnId === started.payload.turnId);
    expectAllValid(ws.events);
  });

  it('validates lone errors (a bad frame with details, a refused chat with its clientMessageId) and pong', async () => {
    const ws = await connect();
    ws.send('chat', { botId });
    const badFrame = await ws.waitFor('error', (event) => event.payload.code === 'bad_request');
    expect(badFrame.payload).toHaveProperty('details');
    const id = clientMessageId();
    ws.send('chat', { clientMessageId: id, botId: 'no-such-bot', message: 'Hello?' });
    const refused = await ws.waitFor('error', (event) => 'clientMessageId' in event.payload);
    expect(refused.payload).toMatchObject({ code: 'not_found', clientMessageId: id });
    ws.send('cancel', { turnId: 'no-such-turn' });
    await ws.waitFor('error', (event) => event.payload.message === 'Turn not found');
    ws.send('ping', { ts: 42 });
    const pong = await ws.waitFor('pong');
    expect(pong.payload).toEqual({ ts: 42 });
    ws.send('ping');
    await ws.waitFor('pong', (event) => event.payload.ts === undefined);
    expectAllValid(ws.events);
  });

  it('validates the replay of a turn interrupted by a shutdown, and a resync snapshot', async () => {
    const first = await connect();
    const finished = await sendAndWait(first, { botId, message: 'Finish me [[double tokens=6]]' });
    const running = await startTurn(first, {
      botId,
      message: 'Interrupt me [[double tokens=2000 delay=10]]',
    });
    await first.waitFor(
      'text_delta',
      (event) => event.payload.turnId === running.turnId && event.payload.seq >= 3,
    );
    await server.stop();
    expectAllValid(first.events);

    server = await startServer({ env: env(), dataDir: server.dataDir });
    Object.assign(admin, { baseUrl: server.url });
    const back = await connect();
    back.send('resume', { chatId: running.chatId, turnId: running.turnId, afterSeq: 0 });
    const done = await back.waitFor('done', (event) => event.payload.turnId === running.turnId);
    expect(done.payload.message.metadata.error?.code).toBe('interrupted');
    const replayed = back.turnEvents(running.turnId).map((event) => event.type);
    expect(replayed).toEqual(expect.arrayContaining(['turn_started', 'text_delta', 'error', 'done']));

    await server.cachibot.database.db
      .deleteFrom('turn_events')
      .where('turn_id', '=', finished.turnId)
      .execute();
    back.send('resume', { chatId: finished.chatId, turnId: finished.turnId, afterSeq: 2 });
    const resync = await back.waitFor('resync');
    expect(resync.payload.message).toEqual(finished.done);
    expectAllValid(back.events);
  });

  it('has validated every kind of server event the protocol defines', () => {
    const kinds = [...TURN_EVENT_TYPES.filter((type) => type !== 'error'), 'error (turn)', 'error (lone)'];
    expect([...validatedKinds].sort()).toEqual([...kinds, 'resync', 'pong'].sort());
  });
});

const SERVER_SRC = fileURLToPath(new URL('../../src', import.meta.url));

/** `[file, code]` for every literal `new AppError('code'` and (in turns/ and models/) `code: 'code'`. */
function codesInServerSource(): { requestCodes: [string, string][]; turnCodes: [string, string][] } {
  const requestCodes: [string, string][] = [];
  const turnCodes: [string, string][] = [];
  for (const file of readdirSync(SERVER_SRC, { recursive: true }) as string[]) {
    if (!file.endsWith('.ts')) continue;
    const source = readFileSync(path.join(SERVER_SRC, file), 'utf8');
    for (const match of source.matchAll(/new AppError\(\s*'([a-z_]+)'/g))
      requestCodes.push([file, match[1] ?? '']);
    if (!/^(turns|models)\//.test(file)) continue;
    for (const match of source.matchAll(/\bcode: '([a-z_]+)'/g)) turnCodes.push([file, match[1] ?? '']);
  }
  return { requestCodes, turnCodes };
}

describe('error codes', () => {
  it('are answered with the HTTP status the protocol documents', () => {
    for (const code of ErrorCodeSchema.options) {
      expect(new AppError(code, 'x').status, code).toBe(ERROR_CODES[code].status);
    }
    // Every code an AppError may carry is a documented one (else this does not compile).
    const everyAppErrorCodeIsDocumented: AppErrorCode extends ErrorCode ? true : never = true;
    expect(everyAppErrorCodeIsDocumented).toBe(true);
  });

  it('that the server source emits are all documented in the protocol', () => {
    const { requestCodes, turnCodes } = codesInServerSource();
    expect(requestCodes.map(([, code]) => code)).toContain('unavailable');
    expect(turnCodes.map(([, code]) => code)).toEqual(expect.arrayContaining(['interrupted', 'timeout']));
    const undocumented = [
      ...requestCodes.filter(([, code]) => !ErrorCodeSchema.safeParse(code).success),
      ...turnCodes.filter(
        ([, code]) =>
          !TurnErrorCodeSchema.safeParse(code).success && !ErrorCodeSchema.safeParse(code).success,
      ),
    ].map(([file, code]) => `${code} (${file})`);
    expect(undocumented, 'add these to packages/protocol/src/common.ts, then npm run docs:api').toEqual([]);
  });
});
