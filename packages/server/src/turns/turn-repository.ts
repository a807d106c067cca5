import type { Message, MessageMetadata, TurnEvent } from '@cachibot/protocol';
import type { Db } from '../db/database.ts';
import type { ChatTable, MessageTable, TurnTable } from '../db/schema.ts';
import { nowIso } from '../ids.ts';

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
  async createTurn(rows: NewTurnRows): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      if (rows.createChat) await trx.insertInto('chats').values(rows.chat).execute();
      else await trx.updateTable('chats').set(rows.chatChanges).where('id', '=', rows.chat.id).execute();
      const messages = rows.userMessage ? [rows.userMessage, rows.assistantMessage] : [rows.assistantMessage];
      await trx.insertInto('messages').values(messages).execute();
      await trx.insertInto('turns').values(rows.turn).execute();
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
    messageId: string,
    events: TurnEvent[],
    answer: FinalAnswer,
  ): Promise<void> {
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
      const turnStatus = answer.status === 'streaming' ? 'error' : answer.status;
      await trx
        .updateTable('turns')
        .set({ status: turnStatus, updated_at: now, ...(lastSeq ? { last_seq: lastSeq } : {}) })
        .where('id', '=', turnId)
        .execute();
    });
  }

  findTurn(turnId: string): Promise<TurnTable | undefined> {
    return this.db.selectFrom('turns').selectAll().where('id', '=', turnId).executeTakeFirst();
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
      .select(['type', 'payload'])
      .where('turn_id', '=', turnId)
      .where('seq', '>', afterSeq)
      .orderBy('seq')
      .execute();
    return rows.map((row) => ({ type: row.type, payload: JSON.parse(row.payload) }) as TurnEvent);
  }

  runningTurns(): Promise<TurnTable[]> {
    return this.db.selectFrom('turns').selectAll().where('status', '=', 'running').execute();
  }

  findMessage(id: string): Promise<MessageTable | undefined> {
    return this.db.selectFrom('messages').selectAll().where('id', '=', id).executeTakeFirst();
  }

  private async insertEvents(trx: Db, turnId: string, events: TurnEvent[], now: string): Promise<void> {
    for (let i = 0; i < events.length; i += INSERT_CHUNK) {
      const rows = events.slice(i, i + INSERT_CHUNK).map((event) => ({
        turn_id: turnId,
        seq: event.payload.seq,
        type: event.type,
        payload: JSON.stringify(event.payload),
        created_at: now,
      }));
      await trx.insertInto('turn_events').values(rows).execute();
    }
  }
}
