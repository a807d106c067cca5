// RELIABILITY target 11 / SEC-02: every object behind its owner. The REST matrix is generated from the
// routes registered on the real app and the WebSocket matrix from the client frame schemas, so a new
// route or frame field that takes an id is exercised (or fails the coverage test) without editing this file.
import { CLIENT_FRAME_TYPES, ClientFrameSchema, IdSchema, type ServerEvent } from '@cachibot/protocol';
import { expectedText, type OpenAIDouble, startOpenAIDouble } from '@cachibot/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { type ApiClient, createUser, setupAdmin } from '../support/api-client.ts';
import { scaled } from '../support/deadlines.ts';
import { removeDir, startServer, type TestServer } from '../support/server.ts';
import { clientMessageId, sendAndWait, startTurn } from '../support/turns.ts';
import { WsClient } from '../support/ws-client.ts';
import {
  type DbDump,
  type DiscoveredRoute,
  discoverRoutes,
  dumpDatabase,
  dumpDiff,
  errorBodyProblems,
  withoutRowsMentioning,
} from './support.ts';

// ---- the server and its route table (discovered before the tests are declared) -------------------

const double: OpenAIDouble = await startOpenAIDouble();
const server: TestServer = await startServer({
  env: { OPENAI_API_KEY: 'matrix-key', OPENAI_BASE_URL: double.url, CACHIBOT_FIRST_TOKEN_TIMEOUT_MS: '5000' },
});
const ROUTES = discoverRoutes(server.cachibot.app);
/**
 * Ids that name what every user of the instance may use by design: the marketplace's templates (a
 * team template is published for all to install). templates.test.ts covers them.
 */
const SHARED_ROUTES = new Set(['POST /api/templates/:templateId/install']);
/** Route-methods that address an object by id in their path. */
const ID_ROUTES = ROUTES.filter(
  (route) => route.params.length > 0 && !SHARED_ROUTES.has(`${route.method} ${route.path}`),
);
/** Contract (API.md): user management is for admins; everything else is scoped to the owner. */
const isAdminOnly = (route: DiscoveredRoute) =>
  route.path === '/api/users' || route.path.startsWith('/api/users/');
const ADMIN_ROUTES = ROUTES.filter(isAdminOnly);
const key = (route: { method: string; path: string }) => `${route.method} ${route.path}`;

/**
 * A plausible, valid body per route-method that takes one. Validity is proven by the positive control
 * (the same call on the caller's own object succeeds), so a 404 below can only come from ownership.
 */
const BODIES: Record<string, unknown | (() => unknown)> = {
  'PATCH /api/bots/:botId': {
    name: 'Taken over',
    systemPrompt: 'Reveal every secret',
    models: { default: 'openai/gpt-4o' },
    fallbackModels: ['openai/gpt-4o-mini'],
    settings: { temperature: 1 },
  },
  'POST /api/bots/:botId/chats': { title: 'Intruder chat' },
  'PATCH /api/chats/:chatId': {
    title: 'Intruder title',
    pinned: true,
    archived: true,
    model: 'openai/gpt-4o',
  },
  'POST /api/users': { username: 'intruder-made', password: 'intruder password 1' },
  'PUT /api/bots/:botId/providers/:provider': { apiKey: 'sk-intruder-0000000000' },
  // The caller's own answer: valid in the control (on the caller's chat), foreign to the victim's chats.
  'POST /api/chats/:chatId/fork': () => ({ messageId: bob.messages.at(-1) }),
  'POST /api/messages/:messageId/vote': { value: 1 },
  'PUT /api/bots/:botId/publication': { tags: ['intruder'] },
  'PUT /api/bots/:botId/budget': { monthlyUsd: 5, action: 'block' },
  'PUT /api/users/:userId/budget': { monthlyUsd: 5, action: 'warn' },
};
const bodyFor = (route: { method: string; path: string }) => {
  const body = BODIES[key(route)];
  return typeof body === 'function' ? body() : body;
};
/** Routes whose control needs a chat with messages: the caller's chat with a turn, not a fresh one. */
const NEEDS_MESSAGES = new Set(['POST /api/chats/:chatId/fork']);
/** Path parameters that name no object (a provider slug): the same plausible value for everyone. */
const PLAIN_PARAMS: Record<string, string[]> = { provider: ['openai'] };
const TAKES_BODY = new Set(['POST', 'PUT', 'PATCH']);

// ---- the actors and the victim's objects ------------------------------------------------------------

const suffix = Math.random().toString(36).slice(2, 8);
/** Strings only the victim's objects contain: none of them may reach another user. */
const SECRET = {
  username: `alice-${suffix}`,
  botName: `Alice private bot ${suffix}`,
  description: `alice-description-${suffix}`,
  prompt: `alice-system-prompt-${suffix}`,
  title: `alice-chat-title-${suffix}`,
  title2: `alice-second-title-${suffix}`,
  message: `alice-message-${suffix}`,
  answer: `alice-answer-${suffix}`,
  liveMessage: `alice-live-${suffix}`,
  apiKey: `sk-alice-${suffix}-0123456789abcdef`,
};

interface Owner {
  client: ApiClient;
  userId: string;
  bots: string[];
  chats: string[];
  messages: string[];
  turns: string[];
  /** Personal API keys (`/api/keys`), by id. */
  keys: string[];
}

const createApiKey = async (client: ApiClient, name: string) =>
  (await client.post('/api/keys', { name })).body.id as string;

let admin: ApiClient;
let alice: Owner;
let bob: Owner;

async function userIdOf(client: ApiClient): Promise<string> {
  return (await client.get('/api/auth/status')).body.user.id;
}

beforeAll(async () => {
  admin = await setupAdmin(server.url, `admin-${suffix}`);
  const aliceClient = await createUser(admin, SECRET.username);
  const bobClient = await createUser(admin, `bob-${suffix}`);

  const bot = await aliceClient.post('/api/bots', {
    name: SECRET.botName,
    description: SECRET.description,
    systemPrompt: SECRET.prompt,
    models: { default: 'openai/gpt-4o-mini' },
    fallbackModels: ['openai/gpt-4o'],
    settings: { temperature: 0.3 },
  });
  expect(bot.status).toBe(201);
  const defaultBot = ((await aliceClient.get('/api/bots')).body.bots as { id: string }[]).find(
    (b) => b.id !== bot.body.id,
  )?.id as string;
  // A per-bot provider key (SEC-04) on the default bot: something for the provider routes to protect.
  const sealed = await aliceClient.request('PUT', `/api/bots/${defaultBot}/providers/openai`, {
    apiKey: SECRET.apiKey,
  });
  expect(sealed.status, JSON.stringify(sealed.body)).toBeLessThan(300);
  const aliceBots = [bot.body.id as string, defaultBot];
  const aws = await WsClient.connect(server.wsUrl, aliceClient.token as string);
  const turn = await sendAndWait(aws, {
    botId: bot.body.id,
    message: `${SECRET.message} [[double text="${SECRET.answer} done"]]`,
  });
  await aws.close();
  expect(turn.done.content).toBe(`${SECRET.answer} done`);
  expect((await aliceClient.patch(`/api/chats/${turn.chatId}`, { title: SECRET.title })).status).toBe(200);
  const second = await aliceClient.post(`/api/bots/${bot.body.id}/chats`, { title: SECRET.title2 });
  const messages = (await aliceClient.get(`/api/chats/${turn.chatId}/messages`)).body.messages.map(
    (m: { id: string }) => m.id,
  );
  alice = {
    client: aliceClient,
    userId: await userIdOf(aliceClient),
    bots: aliceBots,
    chats: [turn.chatId, second.body.id],
    messages,
    turns: [turn.turnId],
    keys: [await createApiKey(aliceClient, SECRET.title)],
  };

  const bobBot = (await bobClient.get('/api/bots')).body.bots[0].id as string;
  const bws = await WsClient.connect(server.wsUrl, bobClient.token as string);
  const bobTurn = await sendAndWait(bws, { botId: bobBot, message: 'bob own message [[double tokens=3]]' });
  await bws.close();
  const bobMessages = (await bobClient.get(`/api/chats/${bobTurn.chatId}/messages`)).body.messages.map(
    (m: { id: string }) => m.id,
  );
  bob = {
    client: bobClient,
    userId: await userIdOf(bobClient),
    bots: [bobBot],
    chats: [bobTurn.chatId],
    messages: bobMessages,
    turns: [bobTurn.turnId],
    keys: [],
  };
});

afterAll(async () => {
  await server.stop();
  await double.close();
  removeDir(server.dataDir);
});

const secretsIn = (text: string) => Object.values(SECRET).filter((secret) => text.includes(secret));
const victimIds = () => [
  alice.userId,
  ...alice.bots,
  ...alice.chats,
  ...alice.messages,
  ...alice.turns,
  ...alice.keys,
];

/** The victim's ids to put in a path parameter; an unknown parameter name fails the coverage test. */
function victimIdsFor(param: string): string[] | undefined {
  const table: Record<string, string[]> = {
    botId: alice.bots,
    chatId: alice.chats,
    userId: [alice.userId],
    messageId: alice.messages,
    turnId: alice.turns,
    keyId: alice.keys,
  };
  return table[param] ?? PLAIN_PARAMS[param];
}

/** Fills a path's parameters with every combination of the given ids. */
function concretePaths(path: string, params: string[], idsFor: (param: string) => string[]): string[] {
  let paths = [path];
  for (const param of params) {
    const ids = idsFor(param);
    paths = paths.flatMap((p) => ids.map((id) => p.replace(`:${param}`, encodeURIComponent(id))));
  }
  return paths;
}

async function rawRequest(client: ApiClient | undefined, method: string, path: string, body: unknown) {
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: {
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(client?.token ? { authorization: `Bearer ${client.token}` } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, text: await response.text() };
}

// ---- REST ------------------------------------------------------------------------------------------

const covered = new Set<string>();

describe(`REST: ${ID_ROUTES.length} id-taking route-methods of ${ROUTES.length} registered, generated from the route table`, () => {
  it.each(ID_ROUTES.map((route) => [key(route), route] as const))(
    '%s: other users get 404 (403 admin-only), anonymous 401, nothing leaks, nothing changes',
    async (_name, route) => {
      const missing = route.params.filter((param) => !victimIdsFor(param));
      expect(
        missing,
        `no victim fixture for path parameter(s) ${missing.join(', ')} of ${key(route)}: add one`,
      ).toEqual([]);
      const body = TAKES_BODY.has(route.method) ? bodyFor(route) : undefined;
      if (TAKES_BODY.has(route.method))
        expect(body, `no plausible body for ${key(route)}: add one to BODIES`).toBeDefined();

      // Positive control: the body and the call are valid; on the caller's own (throwaway) object it works.
      {
        const caller = isAdminOnly(route) ? admin : bob.client;
        const ownBot = (await caller.post('/api/bots', { name: 'control bot' })).body.id as string;
        const ownChat = (await caller.post(`/api/bots/${ownBot}/chats`, { title: 'control chat' })).body
          .id as string;
        const ownUser = isAdminOnly(route)
          ? ((
              await admin.post('/api/users', {
                username: `control-${Math.random().toString(36).slice(2, 10)}`,
                password: 'control password',
              })
            ).body.id as string)
          : bob.userId;
        const own: Record<string, string[]> = {
          botId: [ownBot],
          chatId: [NEEDS_MESSAGES.has(key(route)) ? (bob.chats[0] as string) : ownChat],
          userId: [ownUser],
          // The answer first: routes on a message (a vote) take answers.
          messageId: [...bob.messages].reverse(),
          turnId: bob.turns,
          // A throwaway key of the caller's: the control may revoke it.
          keyId: key(route) === 'DELETE /api/keys/:keyId' ? [await createApiKey(caller, 'control key')] : [],
        };
        const [ownPath] = concretePaths(
          route.path,
          route.params,
          (param) => own[param] ?? PLAIN_PARAMS[param] ?? [],
        );
        // Create before delete: a DELETE whose path also takes a PUT gets something to delete.
        const creator = ROUTES.find((r) => r.path === route.path && r.method === 'PUT');
        if (route.method === 'DELETE' && creator) {
          const created = await rawRequest(caller, 'PUT', ownPath as string, bodyFor(creator));
          expect(created.status, `control PUT before DELETE: ${created.text.slice(0, 200)}`).toBeLessThan(
            300,
          );
        }
        const control = await rawRequest(caller, route.method, ownPath as string, body);
        expect(
          control.status,
          `control ${route.method} ${ownPath} on the caller's own object: ${control.text.slice(0, 200)}`,
        ).toBeLessThan(300);
      }

      const before: DbDump = await dumpDatabase(server.cachibot.database.db);
      const actors: { name: string; client: ApiClient | undefined; status: number; code: string }[] = [
        { name: 'anonymous', client: undefined, status: 401, code: 'unauthorized' },
        isAdminOnly(route)
          ? { name: 'non-admin user', client: bob.client, status: 403, code: 'forbidden' }
          : { name: 'other user', client: bob.client, status: 404, code: 'not_found' },
        // The admin is just another user for bots, chats and messages.
        ...(isAdminOnly(route) ? [] : [{ name: 'admin', client: admin, status: 404, code: 'not_found' }]),
      ];
      let requests = 0;
      for (const path of concretePaths(route.path, route.params, (param) => victimIdsFor(param) ?? [])) {
        const inPath = victimIds().filter((id) => path.includes(encodeURIComponent(id)));
        for (const actor of actors) {
          const response = await rawRequest(actor.client, route.method, path, body);
          requests++;
          const where = `${actor.name} ${route.method} ${path}`;
          expect.soft(response.status, `${where}: ${response.text.slice(0, 200)}`).toBe(actor.status);
          if (route.method !== 'HEAD') {
            expect.soft(errorBodyProblems(response.status, response.text), where).toEqual([]);
            expect.soft(JSON.parse(response.text || '{}')?.error?.code, where).toBe(actor.code);
          } else {
            expect.soft(response.text, `${where}: HEAD has no body`).toBe('');
          }
          expect.soft(secretsIn(response.text), `${where} leaked the victim's content`).toEqual([]);
          const foreignIds = victimIds().filter((id) => !inPath.includes(id) && response.text.includes(id));
          expect.soft(foreignIds, `${where} leaked ids of the victim`).toEqual([]);
        }
      }
      expect(requests).toBeGreaterThan(0);
      covered.add(key(route));
      expect(
        dumpDiff(before, await dumpDatabase(server.cachibot.database.db)),
        `database changed after ${key(route)}`,
      ).toEqual({});
    },
  );

  it.each(
    ADMIN_ROUTES.filter((route) => route.params.length === 0).map((route) => [key(route), route] as const),
  )(
    '%s (admin-only, no id): a non-admin gets 403 and learns no usernames, nothing changes',
    async (_name, route) => {
      const body = TAKES_BODY.has(route.method) ? bodyFor(route) : undefined;
      if (TAKES_BODY.has(route.method)) expect(body, `no plausible body for ${key(route)}`).toBeDefined();
      const before = await dumpDatabase(server.cachibot.database.db);
      const response = await rawRequest(bob.client, route.method, route.path, body);
      expect(response.status).toBe(403);
      if (route.method !== 'HEAD') expect(errorBodyProblems(response.status, response.text)).toEqual([]);
      expect(secretsIn(response.text)).toEqual([]);
      expect(dumpDiff(before, await dumpDatabase(server.cachibot.database.db))).toEqual({});
    },
  );

  it('covered 100 % of the id-taking route-methods of the route table', () => {
    expect(ID_ROUTES.length, 'route discovery found the contract routes').toBeGreaterThanOrEqual(14);
    expect(
      ID_ROUTES.map(key).filter((name) => !covered.has(name)),
      `covered ${covered.size}/${ID_ROUTES.length}`,
    ).toEqual([]);
  });
});

// ---- WebSocket -------------------------------------------------------------------------------------

type AnySchema = z.ZodType & {
  _zod: { def: { innerType?: AnySchema; shape?: Record<string, AnySchema>; type: string } };
};
const unwrap = (schema: AnySchema): AnySchema => {
  let current = schema;
  while (current._zod.def.innerType) current = current._zod.def.innerType;
  return current;
};
const shapeOf = (schema: AnySchema) => unwrap(schema)._zod.def.shape ?? {};

/** Every (frame type, payload field) whose field is an object id, read from the protocol schemas. */
const WS_ID_FIELDS: { type: string; field: string }[] = (
  ClientFrameSchema.options as unknown as AnySchema[]
).flatMap((option) => {
  const shape = shapeOf(option);
  const type = (unwrap(shape.type as AnySchema)._zod.def as unknown as { values: string[] })
    .values[0] as string;
  return Object.entries(shapeOf(shape.payload as AnySchema))
    .filter(([, field]) => unwrap(field) === (IdSchema as unknown as AnySchema))
    .map(([field]) => ({ type, field }));
});

describe(`WebSocket: ${WS_ID_FIELDS.length} id fields across ${CLIENT_FRAME_TYPES.length} client frame types, generated from the schemas`, () => {
  let aws: WsClient;
  let bws: WsClient;
  let live: { turnId: string; chatId: string };
  let beforeLive: DbDump;
  const LIVE_TOKENS = 300;
  /** How long a probe may wait for its one answer (a refusal, or wrongly a turn) before it counts as none. */
  const ANSWER_MS = scaled(1500);
  const wsCovered = new Set<string>();
  /** Every frame the intruder sent and the answer it got. */
  const probes: {
    frame: { type: string; payload: Record<string, unknown> };
    answer?: ServerEvent;
    aliveAtSend: boolean;
  }[] = [];

  beforeAll(async () => {
    aws = await WsClient.connect(server.wsUrl, alice.client.token as string);
    bws = await WsClient.connect(server.wsUrl, bob.client.token as string);
    beforeLive = await dumpDatabase(server.cachibot.database.db);
    live = await startTurn(aws, {
      botId: alice.bots[0] as string,
      model: 'openai/gpt-4o-mini',
      message: `${SECRET.liveMessage} [[double tokens=${LIVE_TOKENS} delay=10]]`,
    });
  });
  afterAll(async () => {
    await aws?.close();
    await bws?.close();
  });

  const victimFrameIds = (field: string): string[] | undefined => {
    const table: Record<string, string[]> = {
      botId: alice.bots,
      chatId: [live.chatId, ...alice.chats],
      replyToId: alice.messages,
      messageId: alice.messages,
      turnId: [live.turnId, ...alice.turns],
    };
    return table[field];
  };
  /** The intruder's own, valid payload for each frame type; the probed field is then swapped for a victim id. */
  const baseline = (type: string): Record<string, unknown> | undefined => {
    const table: Record<string, () => Record<string, unknown>> = {
      chat: () => ({
        clientMessageId: clientMessageId(),
        botId: bob.bots[0],
        message: 'intruder probe [[double tokens=2]]',
      }),
      compare: () => ({
        clientMessageId: clientMessageId(),
        botId: bob.bots[0],
        message: 'intruder compare [[double tokens=2]]',
        models: ['openai/gpt-4o-mini', 'openai/gpt-4o'],
      }),
      regenerate: () => ({ clientMessageId: clientMessageId(), messageId: bob.messages[0] }),
      cancel: () => ({ turnId: bob.turns[0] }),
      resume: () => ({ chatId: bob.chats[0] }),
    };
    return table[type]?.();
  };

  /** The lone answer to the frame just sent: an error without turn fields, or (wrongly) a turn starting. */
  async function answerAfter(mark: number, timeoutMs = ANSWER_MS): Promise<ServerEvent | undefined> {
    const find = (events: ServerEvent[]) =>
      events
        .slice(mark)
        .find(
          (event) =>
            (event.type === 'error' && !('turnId' in event.payload)) ||
            event.type === 'turn_started' ||
            event.type === 'resync',
        );
    await bws.until((events) => find(events) !== undefined, 'an answer', timeoutMs).catch(() => undefined);
    return find(bws.events);
  }

  it.each(WS_ID_FIELDS.map(({ type, field }) => [`${type}.${field}`, type, field] as const))(
    "%s with the victim's id → error not_found, none of the victim's events",
    async (name, type, field) => {
      const ids = victimFrameIds(field);
      expect(ids, `no victim fixture for frame field ${name}: add one`).toBeDefined();
      const base = baseline(type);
      expect(base, `no intruder baseline payload for frame type ${type}: add one`).toBeDefined();
      wsCovered.add(name);
      for (const id of ids ?? []) {
        const frame = { type, payload: { ...baseline(type), [field]: id } };
        expect(
          ClientFrameSchema.safeParse(frame).success,
          `probe frame ${JSON.stringify(frame)} is schema-valid`,
        ).toBe(true);
        const mark = bws.events.length;
        const aliveAtSend = !aws.events.some(
          (event) => event.type === 'done' && event.payload.turnId === live.turnId,
        );
        bws.send(type, frame.payload);
        const answer = await answerAfter(mark);
        probes.push({ frame, answer, aliveAtSend });
        const where = `${name}=${id === live.turnId || id === live.chatId ? 'live ' : ''}${id}`;
        expect
          .soft(
            answer?.type,
            `${where}: answered ${JSON.stringify(answer ?? `nothing within ${ANSWER_MS} ms`)}`,
          )
          .toBe('error');
        expect.soft((answer?.payload as { code?: string } | undefined)?.code, where).toBe('not_found');
        if (answer?.type === 'turn_started') {
          // A wrongly started turn: let it end so it does not disturb the next probe.
          await bws
            .waitFor('done', (event) => event.payload.turnId === answer.payload.turnId, scaled(10_000))
            .catch(() => undefined);
        }
      }
    },
  );

  it("cancelled the victim's turn while it was running, and the victim's turn still streamed to a complete done", async () => {
    const cancelProbes = probes.filter(
      (probe) => probe.frame.type === 'cancel' && probe.frame.payload.turnId === live.turnId,
    );
    expect(cancelProbes.length).toBeGreaterThan(0);
    expect(
      cancelProbes.every((probe) => probe.aliveAtSend),
      'the live turn was still running when the intruder cancelled it',
    ).toBe(true);
    const done = await aws.waitFor('done', (event) => event.payload.turnId === live.turnId, scaled(20_000));
    expect(done.payload.message.status).toBe('complete');
    expect(done.payload.message.content).toBe(expectedText(LIVE_TOKENS));
    const seqs = aws.turnEvents(live.turnId).map((event) => event.payload.seq);
    expect(seqs).toEqual(seqs.map((_, index) => index + 1));
  });

  it('the intruder received nothing of the victim: no foreign turn event, no foreign content, no foreign id it did not send', async () => {
    // Everything the victim's turn could have leaked has been sent once it is done; a ping round trip
    // on the intruder's socket then lets anything still on its way arrive.
    await aws.waitFor('done', (event) => event.payload.turnId === live.turnId, scaled(20_000));
    bws.send('ping', { ts: 4711 });
    await bws.waitFor('pong', (event) => event.payload.ts === 4711);
    const victimChats = [live.chatId, ...alice.chats];
    const victimTurns = [live.turnId, ...alice.turns];
    for (const event of bws.events) {
      const payload = event.payload as { chatId?: string; turnId?: string };
      const foreign =
        victimChats.includes(payload.chatId as string) || victimTurns.includes(payload.turnId as string);
      expect.soft(foreign, `foreign turn event ${JSON.stringify(event).slice(0, 300)}`).toBe(false);
      expect
        .soft(
          secretsIn(JSON.stringify(event)),
          `event leaked content: ${JSON.stringify(event).slice(0, 300)}`,
        )
        .toEqual([]);
    }
    for (const probe of probes) {
      const sent = JSON.stringify(probe.frame);
      const text = JSON.stringify(probe.answer ?? {});
      const foreign = [...victimIds(), live.turnId, live.chatId].filter(
        (id) => !sent.includes(id) && text.includes(id),
      );
      expect.soft(foreign, `answer to ${sent} carries foreign ids`).toEqual([]);
    }
  });

  it("the database is unchanged apart from the victim's own live turn", async () => {
    await aws.waitFor('done', (event) => event.payload.turnId === live.turnId, scaled(20_000));
    const after = withoutRowsMentioning(await dumpDatabase(server.cachibot.database.db), [
      live.chatId,
      live.turnId,
    ]);
    // The live answer is also summed into its bot's usage rollups (rows per user, day, bot and model).
    const withoutLiveRollups = (dump: DbDump): DbDump => {
      const kept = { ...dump };
      for (const table of ['usage_daily', 'usage_buckets'])
        kept[table] =
          withoutRowsMentioning({ [table]: dump[table] ?? [] }, [alice.bots[0] as string])[table] ?? [];
      return kept;
    };
    expect(dumpDiff(withoutLiveRollups(beforeLive), withoutLiveRollups(after))).toEqual({});
  });

  it('covered 100 % of the id fields of the client frame schemas', () => {
    expect(WS_ID_FIELDS.length, 'the schemas were read').toBeGreaterThanOrEqual(5);
    expect(
      WS_ID_FIELDS.map(({ type, field }) => `${type}.${field}`).filter((name) => !wsCovered.has(name)),
    ).toEqual([]);
  });
});
