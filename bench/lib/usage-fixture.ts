import path from 'node:path';
import Database from 'better-sqlite3';
import { v7 } from 'uuid';

const MODELS = [
  { id: 'openai/gpt-4o-mini', micros: (i: number, o: number) => Math.round(i * 0.15 + o * 0.6) },
  { id: 'openai/gpt-4o', micros: (i: number, o: number) => Math.round(i * 2.5 + o * 10) },
  { id: 'openai/double-fast', micros: () => null },
];

/** Deterministic numbers so every run inserts the same answers. */
function generator(seed: number) {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
    return state / 2 ** 32;
  };
}

const bucketOf = (value: number) => (value === 0 ? -10_000 : Math.floor(Math.log(value) / Math.log(1.1)));

/**
 * `answers` finished answers of one user in `answer_usage` and its rollups (what finishTurn writes, see
 * packages/server/src/db/answer-usage.ts), spread over the current UTC month up to today, three
 * models, the given bots. Written straight into the stopped server's SQLite database.
 */
export function insertAnswerUsage(
  dataDir: string,
  userId: string,
  botIds: string[],
  answers: number,
  seed: number,
): { seconds: number } {
  const started = performance.now();
  const db = new Database(path.join(dataDir, 'cachibot.db'));
  db.pragma('journal_mode = WAL');
  const insert = db.prepare(`insert into answer_usage (message_id, user_id, bot_id, chat_id, model, day,
    created_at, status, input_tokens, output_tokens, cached_input_tokens, reasoning_tokens, cost_micros,
    unpriced, ttft_ms, tokens_per_second, ttft_bucket, tps_bucket)
    values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  const random = generator(seed);
  const today = new Date();
  const monthStart = Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), 1);
  const span = Math.max(1, today.getTime() - monthStart);
  db.transaction(() => {
    for (let i = 0; i < answers; i++) {
      const model = MODELS[Math.floor(random() * MODELS.length)] as (typeof MODELS)[number];
      const at = new Date(monthStart + Math.floor(random() * span)).toISOString();
      const input = 50 + Math.floor(random() * 4000);
      const output = Math.floor(random() * 1500);
      const cost = model.micros(input, output);
      const ttft = Math.floor(80 + random() * 2000);
      const tps = output > 0 ? Math.round((20 + random() * 180) * 10) / 10 : null;
      insert.run(
        v7(),
        userId,
        botIds[i % botIds.length],
        `bench-chat-${i % 500}`,
        model.id,
        at.slice(0, 10),
        at,
        random() < 0.05 ? 'cancelled' : 'complete',
        input,
        output,
        random() < 0.3 ? Math.floor(input / 2) : 0,
        0,
        cost,
        cost === null && input + output > 0 ? 1 : 0,
        ttft,
        tps,
        bucketOf(ttft),
        tps === null ? null : bucketOf(tps),
      );
    }
    // The rollups finishTurn keeps in step (see migration 0031), for this user's answers.
    db.prepare(`insert into usage_daily (user_id, day, bot_id, model, answers, input_tokens, output_tokens,
        cached_input_tokens, reasoning_tokens, cost_micros, unpriced_answers, max_cost_micros)
      select user_id, day, bot_id, model, count(*), sum(input_tokens), sum(output_tokens),
        sum(cached_input_tokens), sum(reasoning_tokens), coalesce(sum(cost_micros), 0), sum(unpriced),
        coalesce(max(cost_micros), 0)
      from answer_usage where user_id = ? group by user_id, day, bot_id, model`).run(userId);
    for (const [figure, column] of [
      ['ttft', 'ttft_bucket'],
      ['tps', 'tps_bucket'],
    ])
      db.prepare(`insert into usage_buckets (user_id, day, bot_id, model, figure, bucket, answers)
        select user_id, day, bot_id, model, '${figure}', ${column}, count(*) from answer_usage
        where user_id = ? and ${column} is not null group by user_id, day, bot_id, model, ${column}`).run(
        userId,
      );
  })();
  db.close();
  return { seconds: (performance.now() - started) / 1000 };
}
