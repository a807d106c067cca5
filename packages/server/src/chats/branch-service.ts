import type { Chat, LeaderboardRow, MessageMetadata } from '@cachibot/protocol';
import { answerTotals } from '../db/answer-totals.ts';
import type { Db } from '../db/database.ts';
import type { MessageTable } from '../db/schema.ts';
import { AppError, notFound } from '../errors.ts';
import { newId, nowIso } from '../ids.ts';
import { toChat } from './chat-repository.ts';
import type { ChatService } from './chat-service.ts';
import { newChatRow } from './chat-service.ts';
import type { MessageRepository } from './message-repository.ts';

/** A fork copies at most this many messages (the path to the root is usually far shorter). */
const MAX_FORK_MESSAGES = 10_000;
/** The leaderboard reads at most the newest this many answers of the caller. */
const LEADERBOARD_ANSWERS = 50_000;
const IN_CHUNK = 500;

const median = (values: number[]): number | null => {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
};

/** Branches of a chat beyond sending: fork a path into a new chat, vote on answers, the leaderboard. */
export class BranchService {
  constructor(
    private readonly db: Db,
    private readonly chats: ChatService,
    private readonly messages: MessageRepository,
  ) {}

  /** A new chat holding copies of the path from the root to `messageId`, records included. */
  async fork(userId: string, chatId: string, messageId: string): Promise<Chat> {
    const chat = await this.chats.getOwnedRow(userId, chatId);
    const leaf = await this.messages.findById(messageId);
    if (leaf?.chat_id !== chat.id) throw notFound('Message');
    const path = (await this.messages.branchRows(leaf.id, MAX_FORK_MESSAGES)).reverse();
    const rows = await this.loadRows(path.map((row) => row.id));
    const copyId = new Map<string, string>();
    const now = nowIso();
    const fork = newChatRow(userId, chat.bot_id, `${chat.title} (fork)`.slice(0, 200), chat.model);
    const copies: MessageTable[] = path.map(({ id }) => {
      const row = rows.get(id) as MessageTable;
      const copy: MessageTable = {
        ...row,
        id: newId(),
        chat_id: fork.id,
        parent_id: row.parent_id ? (copyId.get(row.parent_id) ?? null) : null,
        client_message_id: null,
        turn_id: null,
        // An answer still streaming in the original never finishes in the copy.
        status: row.status === 'streaming' ? 'cancelled' : row.status,
        vote: null,
        updated_at: now,
      };
      copyId.set(row.id, copy.id);
      return copy;
    });
    const totals = copies
      .filter((copy) => copy.role === 'assistant')
      .map((copy) => answerTotals(JSON.parse(copy.metadata) as MessageMetadata))
      .reduce(
        (sum, add) => ({
          input_tokens: sum.input_tokens + add.input_tokens,
          output_tokens: sum.output_tokens + add.output_tokens,
          cost_micros: sum.cost_micros + add.cost_micros,
          unpriced_answers: sum.unpriced_answers + add.unpriced_answers,
        }),
        answerTotals({}),
      );
    const chatRow = {
      ...fork,
      ...totals,
      message_count: copies.length,
      current_message_id: copies.at(-1)?.id ?? null,
    };
    await this.db.transaction().execute(async (trx) => {
      await trx.insertInto('chats').values(chatRow).execute();
      for (let i = 0; i < copies.length; i += IN_CHUNK)
        await trx
          .insertInto('messages')
          .values(copies.slice(i, i + IN_CHUNK))
          .execute();
    });
    return toChat(chatRow);
  }

  /** 1 up, -1 down, 0 takes it back; only the owner votes, and only on answers. */
  async vote(userId: string, messageId: string, value: 1 | 0 | -1): Promise<void> {
    const message = await this.messages.findById(messageId);
    if (!message || message.user_id !== userId) throw notFound('Message');
    if (message.role !== 'assistant') throw new AppError('bad_request', 'Only answers can be voted on');
    await this.db
      .updateTable('messages')
      .set({ vote: value === 0 ? null : value })
      .where('id', '=', messageId)
      .execute();
  }

  /**
   * Per model, from the caller's own records: a 1 on one answer of a compare is a win over each of its
   * siblings (and a loss for each of them); medians of cost, TTFT and tokens/s over the model's answers.
   */
  async leaderboard(userId: string): Promise<LeaderboardRow[]> {
    const answers = await this.db
      .selectFrom('messages')
      .select(['id', 'metadata', 'vote'])
      .where('user_id', '=', userId)
      .where('role', '=', 'assistant')
      .orderBy('id', 'desc')
      .limit(LEADERBOARD_ANSWERS)
      .execute();
    const stats = new Map<
      string,
      { wins: number; losses: number; cost: number[]; ttft: number[]; speed: number[]; answers: number }
    >();
    const entry = (model: string) => {
      let found = stats.get(model);
      if (!found) {
        found = { wins: 0, losses: 0, cost: [], ttft: [], speed: [], answers: 0 };
        stats.set(model, found);
      }
      return found;
    };
    const compares = new Map<string, { model: string; vote: number | null }[]>();
    for (const answer of answers) {
      const metadata = JSON.parse(answer.metadata) as MessageMetadata;
      if (!metadata.model) continue;
      const stat = entry(metadata.model);
      stat.answers++;
      if (metadata.costUsd !== undefined) stat.cost.push(metadata.costUsd);
      if (metadata.ttftMs !== undefined) stat.ttft.push(metadata.ttftMs);
      if (metadata.tokensPerSecond !== undefined) stat.speed.push(metadata.tokensPerSecond);
      if (metadata.compareId) {
        const group = compares.get(metadata.compareId) ?? [];
        group.push({ model: metadata.model, vote: answer.vote ?? null });
        compares.set(metadata.compareId, group);
      }
    }
    for (const group of compares.values()) {
      for (const winner of group.filter((answer) => answer.vote === 1)) {
        for (const other of group) {
          if (other === winner) continue;
          entry(winner.model).wins++;
          entry(other.model).losses++;
        }
      }
    }
    return [...stats.entries()]
      .map(([model, stat]) => ({
        model,
        wins: stat.wins,
        losses: stat.losses,
        answers: stat.answers,
        medianCostUsd: median(stat.cost),
        medianTtftMs: median(stat.ttft),
        medianTokensPerSecond: median(stat.speed),
      }))
      .sort(
        (a, b) =>
          b.wins - a.wins || a.losses - b.losses || b.answers - a.answers || a.model.localeCompare(b.model),
      );
  }

  private async loadRows(ids: string[]): Promise<Map<string, MessageTable>> {
    const rows = new Map<string, MessageTable>();
    for (let i = 0; i < ids.length; i += IN_CHUNK) {
      const chunk = await this.db
        .selectFrom('messages')
        .selectAll()
        .where('id', 'in', ids.slice(i, i + IN_CHUNK))
        .execute();
      for (const row of chunk) rows.set(row.id, row);
    }
    return rows;
  }
}
