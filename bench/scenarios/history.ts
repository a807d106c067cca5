// Scenario 4 — history: a chat with N messages written straight into SQLite before the server starts;
// latency of the first page, of paging back with the `before` cursor, of random deep pages, and of
// starting a turn in that chat vs in an empty one.
import { type BenchUser, createUsers } from '../lib/accounts.ts';
import type { BenchContext, ScenarioResult } from '../lib/context.ts';
import { ttftOf } from '../lib/direct-client.ts';
import { insertHistory } from '../lib/history-fixture.ts';
import { HttpClient } from '../lib/http-client.ts';
import type { HistoryOptions } from '../lib/options.ts';
import { tempDir } from '../lib/server-process.ts';
import { ratio, round, roundSummary, summarize } from '../lib/stats.ts';
import { BenchSocket, type TurnTiming } from '../lib/ws-client.ts';

const SMALL_CHAT_MESSAGES = 50;

interface Page {
  messages: { id: string }[];
  nextCursor: string | null;
}

async function createChat(http: HttpClient, botId: string, title: string): Promise<string> {
  const chat = await http.post<{ id: string }>(`/api/bots/${botId}/chats`, { title });
  if (chat.status !== 201) throw new Error(`chat creation failed: ${chat.status}`);
  return chat.body.id;
}

async function timedPage(
  http: HttpClient,
  chatId: string,
  before?: string,
): Promise<{ ms: number; page: Page }> {
  const query = before ? `?limit=50&before=${before}` : '?limit=50';
  const result = await http.get<Page>(`/api/chats/${chatId}/messages${query}`);
  if (result.status !== 200 || result.body.messages.length === 0)
    throw new Error(`page failed: ${result.status}`);
  return { ms: result.ms, page: result.body };
}

export async function runHistory(ctx: BenchContext, options: HistoryOptions): Promise<ScenarioResult> {
  const dataDir = tempDir('cachibot-bench-history-');
  // First start: accounts, a bot and the chats, through the API like a user would make them.
  const first = await ctx.startServer({ dataDir });
  const user = (await createUsers(first.url, 1))[0] as BenchUser;
  const setupHttp = new HttpClient(first.url, user.token);
  const bigChat = await createChat(setupHttp, user.botId, 'long history');
  const smallChat = await createChat(setupHttp, user.botId, 'short history');
  const emptyChat = await createChat(setupHttp, user.botId, 'empty');
  setupHttp.close();
  await first.stop();

  ctx.log(`  inserting ${options.messages} messages into SQLite`);
  const inserted = insertHistory(dataDir, bigChat, options.messages, 1);
  insertHistory(dataDir, smallChat, SMALL_CHAT_MESSAGES, 2);

  const server = await ctx.startServer({ dataDir });
  const http = new HttpClient(server.url, user.token, 1);
  for (let i = 0; i < 20; i++) {
    await timedPage(http, bigChat);
    await timedPage(http, smallChat);
  }

  ctx.log(
    `  first page × ${options.firstPageSamples}, interleaved with a ${SMALL_CHAT_MESSAGES}-message chat`,
  );
  ctx.measured.begin();
  const firstBig: number[] = [];
  const firstSmall: number[] = [];
  for (let i = 0; i < options.firstPageSamples; i++) {
    firstBig.push((await timedPage(http, bigChat)).ms);
    firstSmall.push((await timedPage(http, smallChat)).ms);
  }

  ctx.log(`  paging back ${options.pages} pages with the before cursor`);
  const back: number[] = [];
  let cursor = (await timedPage(http, bigChat)).page.nextCursor;
  for (let i = 0; i < options.pages && cursor; i++) {
    const { ms, page } = await timedPage(http, bigChat, cursor);
    back.push(ms);
    cursor = page.nextCursor;
  }

  const deep: number[] = [];
  for (let i = 0; i < options.pages; i++) {
    // Spread over the whole chat, oldest end included (index 0 would be an empty page).
    const index = 50 + Math.floor(((i + 0.5) / options.pages) * (inserted.ids.length - 50));
    deep.push((await timedPage(http, bigChat, inserted.ids[index])).ms);
  }
  http.close();

  ctx.log(`  turn start: ${options.turns} turns in the long chat and in an empty chat, interleaved`);
  const socket = await BenchSocket.connect(server.wsUrl, user.token);
  const big: TurnTiming[] = [];
  const empty: TurnTiming[] = [];
  const directive = '[[double tokens=5 delay=0]]';
  for (let i = 0; i < 3; i++)
    await socket.runTurn({ botId: user.botId, chatId: emptyChat, message: `warm ${directive}` });
  for (let i = 0; i < options.turns; i++) {
    big.push(
      await socket.runTurn({
        botId: user.botId,
        chatId: bigChat,
        message: `long chat turn ${i} ${directive}`,
      }),
    );
    empty.push(
      await socket.runTurn({
        botId: user.botId,
        chatId: emptyChat,
        message: `empty chat turn ${i} ${directive}`,
      }),
    );
  }
  await socket.close();
  ctx.measured.end();

  const started = (timings: TurnTiming[]) =>
    summarize(timings.filter((t) => !t.error).map((t) => (t.startedAt ?? Number.NaN) - t.sentAt));
  const ttft = (timings: TurnTiming[]) => summarize(timings.filter((t) => !t.error).map(ttftOf));
  const firstBigSummary = summarize(firstBig);
  const firstSmallSummary = summarize(firstSmall);
  const startBig = started(big);
  const startEmpty = started(empty);
  return {
    config: { ...options, smallChatMessages: SMALL_CHAT_MESSAGES, pageSize: 50 },
    results: {
      insertSeconds: round(inserted.seconds, 2),
      firstPageMs: { long: roundSummary(firstBigSummary), short: roundSummary(firstSmallSummary) },
      firstPageRatioP99: round(ratio(firstBigSummary.p99, firstSmallSummary.p99), 2),
      pagingBackMs: roundSummary(summarize(back)),
      randomDeepPageMs: roundSummary(summarize(deep)),
      turnStartedMs: { long: roundSummary(startBig), empty: roundSummary(startEmpty) },
      ttftMs: { long: roundSummary(ttft(big)), empty: roundSummary(ttft(empty)) },
      failures: [...big, ...empty].filter((t) => t.error).length,
    },
    targets: [
      {
        name: `first history page p99 at ${options.messages.toLocaleString('en-US')} messages`,
        target: '< 20 ms',
        measured: `${round(firstBigSummary.p99, 2)} ms (a ${SMALL_CHAT_MESSAGES}-message chat: ${round(firstSmallSummary.p99, 2)} ms)`,
        pass: firstBigSummary.p99 < 20,
      },
    ],
    notes: [
      'Messages alternate user (40–300 characters) and assistant (200–2 000 characters, full metadata JSON), ids are UUID v7 one minute apart, inserted with better-sqlite3 into the stopped server’s database; turns and turn_events rows are not generated.',
      'Page latency: request sent → response body read, one request at a time on a keep-alive connection, 50 messages per page.',
      'Turn start: `chat` frame sent → `turn_started` received. TTFT in the long chat includes the larger request the server sends (the newest 400 messages, cut to the model’s context window).',
    ],
  };
}
