import path from 'node:path';
import Database from 'better-sqlite3';
import { v7 } from 'uuid';

const WORDS =
  'the model answer chat message token server stream history page cursor latency bot user system prompt database index sqlite request response context window budget persist event socket client turn reply code example function value'.split(
    ' ',
  );

/** Deterministic text so every run inserts the same data. */
function textGenerator(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
    return state / 2 ** 32;
  };
  return {
    between: (min: number, max: number) => Math.floor(min + next() * (max - min)),
    text(chars: number): string {
      const words: string[] = [];
      let length = 0;
      while (length < chars) {
        const word = WORDS[Math.floor(next() * WORDS.length)] as string;
        words.push(word);
        length += word.length + 1;
      }
      return words.join(' ');
    },
  };
}

export interface InsertedHistory {
  /** Message ids, oldest first. */
  ids: string[];
  seconds: number;
}

function assistantMetadata(at: number, outputTokens: number): string {
  return JSON.stringify({
    model: 'openai/gpt-4o-mini',
    modelRequested: 'openai/gpt-4o-mini',
    providerModelId: 'gpt-4o-mini-2024-07-18',
    catalogueVersion: 'bench',
    perModel: {
      'openai/gpt-4o-mini': { inputTokens: 812, outputTokens, calls: 1, durationMs: 2140, costUsd: 0.000311 },
    },
    usage: { inputTokens: 812, outputTokens, totalTokens: 812 + outputTokens },
    costUsd: 0.000311,
    ttftMs: 412,
    durationMs: 2140,
    tokensPerSecond: 96.4,
    finishReason: 'stop',
    attempts: [{ model: 'openai/gpt-4o-mini', startedAt: new Date(at).toISOString(), durationMs: 2140 }],
  });
}

/**
 * Writes `count` messages (user and assistant alternating, realistic sizes and metadata) straight into
 * the SQLite file of a stopped server, with time-sortable UUID v7 ids one minute apart in the past,
 * exactly as the server would have stored them.
 */
export function insertHistory(dataDir: string, chatId: string, count: number, seed = 1): InsertedHistory {
  const started = performance.now();
  const db = new Database(path.join(dataDir, 'cachibot.db'));
  db.pragma('journal_mode = WAL');
  const chat = db.prepare('select user_id from chats where id = ?').get(chatId) as
    | { user_id: string }
    | undefined;
  if (!chat) throw new Error(`chat ${chatId} not found`);
  const insert = db.prepare(
    `insert into messages (id, chat_id, user_id, role, content, status, parent_id, client_message_id, turn_id, metadata, created_at, updated_at)
     values (?, ?, ?, ?, ?, 'complete', ?, ?, null, ?, ?, ?)`,
  );
  const random = textGenerator(seed);
  const ids: string[] = [];
  const firstAt = Date.now() - (count + 10) * 60_000;
  db.transaction(() => {
    let parent: string | null = null;
    for (let i = 0; i < count; i++) {
      const at = firstAt + i * 60_000;
      const id = v7({ msecs: at });
      const iso = new Date(at).toISOString();
      if (i % 2 === 0) {
        insert.run(
          id,
          chatId,
          chat.user_id,
          'user',
          random.text(random.between(40, 300)),
          null,
          `history-${seed}-${i}`,
          '{}',
          iso,
          iso,
        );
        parent = id;
      } else {
        const chars = random.between(200, 2000);
        insert.run(
          id,
          chatId,
          chat.user_id,
          'assistant',
          random.text(chars),
          parent,
          null,
          assistantMetadata(at, Math.ceil(chars / 4)),
          iso,
          iso,
        );
      }
      ids.push(id);
    }
    db.prepare('update chats set updated_at = ? where id = ?').run(new Date().toISOString(), chatId);
  })();
  db.close();
  return { ids, seconds: (performance.now() - started) / 1000 };
}
