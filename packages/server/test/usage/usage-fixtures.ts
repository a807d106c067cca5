import type { MessageMetadata, UsageRow } from '@cachibot/protocol';
import { newChatRow } from '../../src/chats/chat-service.ts';
import type { Db } from '../../src/db/database.ts';
import type { MessageTable } from '../../src/db/schema.ts';
import { newId } from '../../src/ids.ts';
import { TurnRepository } from '../../src/turns/turn-repository.ts';

/** A small deterministic generator, so that a failing case can be replayed. */
export function seeded(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
    return state / 2 ** 32;
  };
  return {
    next,
    int: (min: number, max: number) => min + Math.floor(next() * (max - min + 1)),
    pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T,
  };
}

export interface Owner {
  userId: string;
  botIds: string[];
}

const MODELS = [
  { id: 'openai/gpt-4o-mini', priced: true },
  { id: 'openai/gpt-4o', priced: true },
  { id: 'openai/double-fast', priced: false },
] as const;
const STATUSES = ['complete', 'complete', 'complete', 'cancelled', 'error'] as const;

/** One stored answer's record as a turn would have written it. */
function craftedMetadata(random: ReturnType<typeof seeded>, status: string): MessageMetadata {
  const model = random.pick(MODELS);
  const metadata: MessageMetadata = { model: model.id, modelRequested: model.id, catalogueVersion: 'test' };
  // A failed answer may have used nothing; the others have tokens, timings and (if priced) a cost.
  if (status === 'error' && random.next() < 0.5) return { ...metadata, finishReason: 'error' };
  const inputTokens = random.int(1, 5_000);
  const outputTokens = random.int(0, 2_000);
  const cachedInputTokens = random.next() < 0.3 ? random.int(0, inputTokens) : undefined;
  const reasoningTokens = random.next() < 0.3 ? random.int(0, 500) : undefined;
  metadata.usage = {
    inputTokens,
    outputTokens,
    totalTokens: inputTokens + outputTokens,
    ...(cachedInputTokens !== undefined ? { cachedInputTokens } : {}),
    ...(reasoningTokens !== undefined ? { reasoningTokens } : {}),
  };
  if (model.priced) metadata.costUsd = random.int(0, 90_000) / 1e6;
  metadata.ttftMs = random.int(0, 4_000);
  if (outputTokens > 0) metadata.tokensPerSecond = random.int(5, 3_000) / 10;
  metadata.finishReason = status === 'complete' ? 'stop' : status === 'cancelled' ? 'cancelled' : 'error';
  return metadata;
}

/**
 * Stores questions with 1–3 answers each (siblings), over the given days, for each owner's bots,
 * through the same repository calls a turn makes (createTurn, then finishTurn).
 */
export async function storeGeneratedAnswers(
  db: Db,
  owners: Owner[],
  days: string[],
  questions: number,
  seed = 14,
): Promise<void> {
  const random = seeded(seed);
  const turns = new TurnRepository(db);
  for (let q = 0; q < questions; q++) {
    const owner = random.pick(owners);
    const botId = random.pick(owner.botIds);
    const day = random.pick(days);
    const chat = newChatRow(owner.userId, botId, `generated ${q}`, null);
    const at = (minute: number) =>
      `${day}T${String(10 + (q % 12)).padStart(2, '0')}:${String(minute).padStart(2, '0')}:00.000Z`;
    const question: MessageTable = {
      id: newId(),
      chat_id: chat.id,
      user_id: owner.userId,
      role: 'user',
      content: `question ${q}`,
      status: 'complete',
      parent_id: null,
      client_message_id: `generated-${q}-${seed}`,
      turn_id: null,
      metadata: '{}',
      created_at: at(0),
      updated_at: at(0),
    };
    const siblings = random.int(1, 3);
    for (let s = 0; s < siblings; s++) {
      const turnId = newId();
      const answer: MessageTable = {
        ...question,
        id: newId(),
        role: 'assistant',
        content: '',
        status: 'streaming',
        parent_id: question.id,
        client_message_id: null,
        turn_id: turnId,
        metadata: '{}',
        created_at: at(s + 1),
        updated_at: at(s + 1),
      };
      await turns.createTurn({
        chat,
        createChat: s === 0,
        chatChanges: { updated_at: answer.created_at },
        userMessage: s === 0 ? question : undefined,
        assistantMessage: answer,
        turn: {
          id: turnId,
          user_id: owner.userId,
          chat_id: chat.id,
          bot_id: botId,
          user_message_id: question.id,
          assistant_message_id: answer.id,
          status: 'running',
          last_seq: 0,
          owner: null,
          lease_until: null,
          created_at: answer.created_at,
          updated_at: answer.created_at,
        },
      });
      const status = random.pick(STATUSES);
      await turns.finishTurn(turnId, chat.id, answer.id, [], {
        content: 'generated',
        status,
        metadata: craftedMetadata(random, status),
        updatedAt: answer.created_at,
      });
    }
  }
}

export interface StoredAnswer {
  userId: string;
  botId: string;
  day: string;
  metadata: MessageMetadata;
}

/** Every finished answer, read from the messages themselves (not from the usage table). */
export async function storedAnswers(db: Db): Promise<StoredAnswer[]> {
  const rows = await db
    .selectFrom('messages')
    .innerJoin('chats', 'chats.id', 'messages.chat_id')
    .select(['messages.user_id', 'messages.created_at', 'messages.metadata', 'chats.bot_id'])
    .where('messages.role', '=', 'assistant')
    .where('messages.status', '!=', 'streaming')
    .execute();
  return rows.map((row) => ({
    userId: row.user_id,
    botId: row.bot_id,
    day: row.created_at.slice(0, 10),
    metadata: JSON.parse(row.metadata) as MessageMetadata,
  }));
}

/** Nearest-rank percentile of exact values. */
export function exactPercentile(values: number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(1, Math.ceil(p * sorted.length)) - 1] as number;
}

export interface ExpectedRow {
  key: string;
  answers: number;
  inputTokens: number;
  outputTokens: number;
  cachedInputTokens: number;
  reasoningTokens: number;
  costMicros: number;
  unpricedAnswers: number;
  ttft: number[];
  speed: number[];
}

/** The reference sums, straight from the answers' metadata, in integer micro-dollars. */
export function expectedRows(
  answers: StoredAnswer[],
  keyOf: (answer: StoredAnswer) => string,
): Map<string, ExpectedRow> {
  const rows = new Map<string, ExpectedRow>();
  for (const answer of answers) {
    const key = keyOf(answer);
    const row = rows.get(key) ?? {
      key,
      answers: 0,
      inputTokens: 0,
      outputTokens: 0,
      cachedInputTokens: 0,
      reasoningTokens: 0,
      costMicros: 0,
      unpricedAnswers: 0,
      ttft: [],
      speed: [],
    };
    const { usage, costUsd, ttftMs, tokensPerSecond } = answer.metadata;
    row.answers += 1;
    row.inputTokens += usage?.inputTokens ?? 0;
    row.outputTokens += usage?.outputTokens ?? 0;
    row.cachedInputTokens += usage?.cachedInputTokens ?? 0;
    row.reasoningTokens += usage?.reasoningTokens ?? 0;
    if (costUsd !== undefined) row.costMicros += Math.round(costUsd * 1e6);
    else if ((usage?.inputTokens ?? 0) + (usage?.outputTokens ?? 0) > 0) row.unpricedAnswers += 1;
    if (ttftMs !== undefined) row.ttft.push(ttftMs);
    if (tokensPerSecond !== undefined) row.speed.push(tokensPerSecond);
    rows.set(key, row);
  }
  return rows;
}

/** The API row holds exactly the reference sums, and percentiles within 5 % (plus rounding). */
export function expectRowMatches(actual: UsageRow | undefined, expected: ExpectedRow): string[] {
  if (!actual) return [`${expected.key}: missing`];
  const problems: string[] = [];
  const sums = [
    'answers',
    'inputTokens',
    'outputTokens',
    'cachedInputTokens',
    'reasoningTokens',
    'unpricedAnswers',
  ] as const;
  for (const field of sums)
    if (actual[field] !== expected[field])
      problems.push(`${expected.key}.${field}: ${actual[field]} ≠ ${expected[field]}`);
  if (
    Math.round(actual.costUsd * 1e6) !== expected.costMicros ||
    actual.costUsd !== expected.costMicros / 1e6
  )
    problems.push(`${expected.key}.costUsd: ${actual.costUsd} ≠ ${expected.costMicros / 1e6}`);
  const near = (field: string, got: number | null, exact: number | null, slack: number) => {
    if (exact === null || got === null) {
      if (exact !== got) problems.push(`${expected.key}.${field}: ${got} ≠ ${exact}`);
      return;
    }
    if (Math.abs(got - exact) > exact * 0.05 + slack)
      problems.push(`${expected.key}.${field}: ${got} vs exact ${exact}`);
  };
  near('ttftMsP50', actual.ttftMsP50, exactPercentile(expected.ttft, 0.5), 0.5);
  near('ttftMsP95', actual.ttftMsP95, exactPercentile(expected.ttft, 0.95), 0.5);
  near('tokensPerSecondP50', actual.tokensPerSecondP50, exactPercentile(expected.speed, 0.5), 0.05);
  return problems;
}
