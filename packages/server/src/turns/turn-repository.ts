import type { Message, MessageMetadata, TurnEvent } from '@cachibot/protocol';
import { answerTotals } from '../db/answer-totals.ts';
import { recordAnswerUsage } from '../db/answer-usage.ts';
import type { Db } from '../db/database.ts';
import type { ChatTable, MessageTable, TurnTable } from '../db/schema.ts';
import { nowIso } from '../ids.ts';
import { TEXT_RUN, type TextRun, toEventRows } from './turn-event-rows.ts';

const INSERT_CHUNK = 500;

export interface NewTurnRows {
  chat: ChatTable;
  createChat: boolean;
  chatChanges: Partial<ChatTable>;
  /** Absent when regenerating: the user message exists already. */
  userMessage?: MessageTable;
  assistantMessage: MessageTable;
  turn: TurnTable;
}

export interface FinalAnswer {
  content: string;
  status: Message['status'];
  metadata: MessageMetadata;
  updatedAt: string;
}

/** The turn's durable side: rows created atomically at start, the event log appended in batches. */
export class TurnRepository {
  constructor(private readonly db: Db) {}

  /** Chat (when new), user message, assistant placeholder and turn row: all or nothing. */
  createTurn(rows: NewTurnRows): Promise<void> {
    return this.createTurns(rows, [rows]);
  }

  /**
   * Several turns answering one question (a compare), all or nothing: the chat and the question come
   * from `shared`, each element of `turns` adds its answer placeholder and turn row.
   */
  async createTurns(shared: NewTurnRows, turns: NewTurnRows[]): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      const messages = [
        ...(shared.userMessage ? [shared.userMessage] : []),
        ...turns.map((rows) => rows.assistantMessage),
      ];
      if (shared.createChat)
        await trx
          .insertInto('chats')
          .values({ ...shared.chat, ...shared.chatChanges, message_count: messages.length })
          .execute();
      else
        await trx
          .updateTable('chats')
          .set((eb) => ({ ...shared.chatChanges, message_count: eb('message_count', '+', messages.length) }))
          .where('id', '=', shared.chat.id)
          .execute();
      await trx.insertInto('messages').values(messages).execute();
      await trx
        .insertInto('turns')
        .values(turns.map((rows) => rows.turn))
        .execute();
    });
  }

  /** One batch: the new events and the partial answer so far, in one short transaction. */
  async appendBatch(turnId: string, messageId: string, events: TurnEvent[], content: string): Promise<void> {
    if (events.length === 0) return;
    const lastSeq = events[events.length - 1]?.payload.seq ?? 0;
    const now = nowIso();
    await this.db.transaction().execute(async (trx) => {
      await this.insertEvents(trx, turnId, events, now);
      await trx
        .updateTable('messages')
        .set({ content, updated_at: now })
        .where('id', '=', messageId)
        .execute();
      await trx
        .updateTable('turns')
        .set({ last_seq: lastSeq, updated_at: now })
        .where('id', '=', turnId)
        .execute();
    });
  }

  async finishTurn(
    turnId: string,
    chatId: string,
    messageId: string,
    events: TurnEvent[],
    answer: FinalAnswer,
  ): Promise<void> {
    const add = answerTotals(answer.metadata);
    const now = answer.updatedAt;
    const lastSeq = events[events.length - 1]?.payload.seq;
    await this.db.transaction().execute(async (trx) => {
      await this.insertEvents(trx, turnId, events, now);
      await trx
        .updateTable('messages')
        .set({
          content: answer.content,
          status: answer.status,
          metadata: JSON.stringify(answer.metadata),
          updated_at: now,
        })
        .where('id', '=', messageId)
        .execute();
      await recordAnswerUsage(trx, messageId, answer.metadata, answer.status);
      const turnStatus = answer.status === 'streaming' ? 'error' : answer.status;
      await trx
        .updateTable('turns')
        .set({ status: turnStatus, updated_at: now, ...(lastSeq ? { last_seq: lastSeq } : {}) })
        .where('id', '=', turnId)
        .execute();
      if (add.input_tokens + add.output_tokens + add.cost_micros + add.unpriced_answers > 0)
        await trx
          .updateTable('chats')
          .set((eb) => ({
            input_tokens: eb('input_tokens', '+', add.input_tokens),
            output_tokens: eb('output_tokens', '+', add.output_tokens),
            cost_micros: eb('cost_micros', '+', add.cost_micros),
            unpriced_answers: eb('unpriced_answers', '+', add.unpriced_answers),
          }))
          .where('id', '=', chatId)
          .execute();
    });
  }

  findTurn(turnId: string): Promise<TurnTable | undefined> {
    return this.db.selectFrom('turns').selectAll().where('id', '=', turnId).executeTakeFirst();
  }

  /** Every turn answering one question (a compare has several), oldest first. */
  findTurnsByUserMessage(userMessageId: string): Promise<TurnTable[]> {
    return this.db
      .selectFrom('turns')
      .selectAll()
      .where('user_message_id', '=', userMessageId)
      .orderBy('id')
      .execute();
  }

  findTurnByUserMessage(userMessageId: string): Promise<TurnTable | undefined> {
    return this.db
      .selectFrom('turns')
      .selectAll()
      .where('user_message_id', '=', userMessageId)
      .orderBy('id', 'desc')
      .executeTakeFirst();
  }

  findTurnByAssistantMessage(assistantMessageId: string): Promise<TurnTable | undefined> {
    return this.db
      .selectFrom('turns')
      .selectAll()
      .where('assistant_message_id', '=', assistantMessageId)
      .executeTakeFirst();
  }

  latestTurnOfChat(chatId: string): Promise<TurnTable | undefined> {
    return this.db
      .selectFrom('turns')
      .selectAll()
      .where('chat_id', '=', chatId)
      .orderBy('id', 'desc')
      .executeTakeFirst();
  }

  async loadEvents(turnId: string, afterSeq: number): Promise<TurnEvent[]> {
    const rows = await this.db
      .selectFrom('turn_events')
      .select(['seq', 'type', 'payload'])
      .where('turn_id', '=', turnId)
      .where('end_seq', '>', afterSeq)
      .orderBy('seq')
      .execute();
    const events: TurnEvent[] = [];
    for (const row of rows) {
      if (row.type !== TEXT_RUN) {
        events.push({ type: row.type, payload: JSON.parse(row.payload) } as TurnEvent);
        continue;
      }
      const { deltas, ...fields } = JSON.parse(row.payload) as TextRun;
      deltas.forEach((delta, index) => {
        const seq = row.seq + index;
        if (seq > afterSeq) events.push({ type: 'text_delta', payload: { ...fields, seq, delta } });
      });
    }
    return events;
  }

  runningTurns(): Promise<TurnTable[]> {
    return this.db.selectFrom('turns').selectAll().where('status', '=', 'running').execute();
  }

  /** Extends the leases of the running turns this process owns. */
  async renewLeases(owner: string, until: number): Promise<void> {
    await this.db
      .updateTable('turns')
      .set({ lease_until: until })
      .where('owner', '=', owner)
      .where('status', '=', 'running')
      .execute();
  }

  /** Takes over a running turn as last seen (same owner and lease): true for exactly one claimant. */
  async claimTurn(seen: TurnTable, owner: string, until: number): Promise<boolean> {
    const result = await this.db
      .updateTable('turns')
      .set({ owner, lease_until: until })
      .where('id', '=', seen.id)
      .where('status', '=', 'running')
      .where((eb) => (seen.owner === null ? eb('owner', 'is', null) : eb('owner', '=', seen.owner)))
      .where((eb) =>
        seen.lease_until === null ? eb('lease_until', 'is', null) : eb('lease_until', '=', seen.lease_until),
      )
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /** Drops the event logs of turns finished before `before` (ISO time); resume then answers `resync`. */
  async pruneEvents(before: string): Promise<number> {
    const result = await this.db
      .deleteFrom('turn_events')
      .where('turn_id', 'in', (eb) =>
        eb.selectFrom('turns').select('id').where('status', '!=', 'running').where('updated_at', '<', before),
      )
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  findMessage(id: string): Promise<MessageTable | undefined> {
    return this.db.selectFrom('messages').selectAll().where('id', '=', id).executeTakeFirst();
  }

  private async insertEvents(trx: Db, turnId: string, events: TurnEvent[], now: string): Promise<void> {
    const rows = toEventRows(turnId, events, now);
    for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
      await trx
        .insertInto('turn_events')
        .values(rows.slice(i, i + INSERT_CHUNK))
        .execute();
    }
  }
}
