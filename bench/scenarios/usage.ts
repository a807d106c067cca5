// Scenario 6 — usage: GET /api/usage for a user with N stored answers (this month), by model, by day
// (split by model) and by bot, the three requests the usage page makes; another user's answers are in
// the same table.
import { type BenchUser, createUsers } from '../lib/accounts.ts';
import type { BenchContext, ScenarioResult } from '../lib/context.ts';
import { HttpClient } from '../lib/http-client.ts';
import type { UsageOptions } from '../lib/options.ts';
import { tempDir } from '../lib/server-process.ts';
import { round, roundSummary, summarize } from '../lib/stats.ts';
import { insertAnswerUsage } from '../lib/usage-fixture.ts';

const GROUPS = ['model', 'day', 'bot'] as const;

async function userIdOf(http: HttpClient): Promise<string> {
  const status = await http.get<{ user: { id: string } }>('/api/auth/status');
  return status.body.user.id;
}

export async function runUsage(ctx: BenchContext, options: UsageOptions): Promise<ScenarioResult> {
  const dataDir = tempDir('cachibot-bench-usage-');
  const first = await ctx.startServer({ dataDir });
  const [user, other] = (await createUsers(first.url, 2)) as [BenchUser, BenchUser];
  const http = new HttpClient(first.url, user.token);
  const second = await http.post<{ id: string }>('/api/bots', {
    name: 'Second',
    models: { default: 'openai/gpt-4o-mini' },
  });
  const userId = await userIdOf(http);
  const otherId = await userIdOf(new HttpClient(first.url, other.token));
  http.close();
  await first.stop();

  ctx.log(
    `  inserting ${options.answers} answers (and ${options.answers / 5} of another user) into answer_usage`,
  );
  const inserted = insertAnswerUsage(dataDir, userId, [user.botId, second.body.id], options.answers, 14);
  insertAnswerUsage(dataDir, otherId, [other.botId], options.answers / 5, 15);

  const server = await ctx.startServer({ dataDir });
  const client = new HttpClient(server.url, user.token, 1);
  const timed = async (groupBy: string) => {
    const result = await client.get<{ totals: { answers: number } }>(`/api/usage?groupBy=${groupBy}`);
    if (result.status !== 200) throw new Error(`usage failed: ${result.status}`);
    return result;
  };
  for (let i = 0; i < 5; i++) for (const group of GROUPS) await timed(group);
  const answered = (await timed('model')).body.totals.answers;
  if (answered !== options.answers)
    throw new Error(`usage counted ${answered} answers, not ${options.answers}`);

  ctx.log(`  GET /api/usage × ${options.samples} per grouping, interleaved`);
  ctx.measured.begin();
  const samples: Record<string, number[]> = { model: [], day: [], bot: [], page: [] };
  for (let i = 0; i < options.samples; i++) {
    for (const group of GROUPS) samples[group]?.push((await timed(group)).ms);
  }
  // The page: its three requests at once, on three connections.
  const page = new HttpClient(server.url, user.token, 3);
  for (let i = 0; i < Math.ceil(options.samples / 2); i++) {
    const started = performance.now();
    await Promise.all(GROUPS.map((group) => page.get(`/api/usage?groupBy=${group}`)));
    samples.page?.push(performance.now() - started);
  }
  ctx.measured.end();
  client.close();
  page.close();

  const summaries = Object.fromEntries(
    Object.entries(samples).map(([name, values]) => [name, roundSummary(summarize(values))]),
  );
  const worst = Math.max(...GROUPS.map((group) => summaries[group]?.p99 ?? Number.POSITIVE_INFINITY));
  return {
    config: { ...options, groupings: GROUPS },
    results: { insertSeconds: round(inserted.seconds, 2), usageMs: summaries },
    targets: [
      {
        name: `GET /api/usage p99 for a user with ${options.answers.toLocaleString('en-US')} answers`,
        target: '< 200 ms',
        measured: `${round(worst, 1)} ms (worst of by model, by day, by bot; the page's three at once: ${round(summaries.page?.p99 ?? 0, 1)} ms)`,
        pass: worst < 200,
      },
    ],
    notes: [
      `Answers are rows of \`answer_usage\` and its rollups (what finishTurn writes for every finished answer), spread over the current UTC month, 3 models (one unpriced), 2 bots; another user has ${(options.answers / 5).toLocaleString('en-US')} more in the same table. Inserted with better-sqlite3 into the stopped server's database (SQLite).`,
      'Latency: request sent → response body read, one request at a time on a keep-alive connection; "page" is the usage page’s three requests sent together.',
      'Each request aggregates in SQL over the rollups finishTurn keeps (`usage_daily`: sums per user, day, bot and model; `usage_buckets`: their TTFT and tokens/s histograms), so its cost follows days × bots × models, not answers.',
    ],
  };
}
