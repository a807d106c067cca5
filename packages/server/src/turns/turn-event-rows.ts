import type { TurnEvent } from '@cachibot/protocol';
import type { TurnEventTable } from '../db/schema.ts';

/** Row type of consecutive text_delta events stored together (one row per batch, not per token). */
export const TEXT_RUN = 'text_run';

export interface TextRun {
  turnId: string;
  chatId: string;
  botId: string;
  messageId: string;
  deltas: string[];
}

/** One row per event, except that consecutive text_delta events of one message share a row. */
export function toEventRows(turnId: string, events: TurnEvent[], now: string): TurnEventTable[] {
  const rows: TurnEventTable[] = [];
  let run: { row: TurnEventTable; text: TextRun } | undefined;
  const closeRun = () => {
    if (run) run.row.payload = JSON.stringify(run.text);
    run = undefined;
  };
  for (const event of events) {
    const { seq } = event.payload;
    if (event.type === 'text_delta') {
      const { turnId: id, chatId, botId, messageId, delta } = event.payload;
      if (run && run.row.end_seq === seq - 1 && run.text.messageId === messageId) {
        run.row.end_seq = seq;
        run.text.deltas.push(delta);
        continue;
      }
      closeRun();
      run = {
        row: { turn_id: turnId, seq, end_seq: seq, type: TEXT_RUN, payload: '', created_at: now },
        text: { turnId: id, chatId, botId, messageId, deltas: [delta] },
      };
      rows.push(run.row);
      continue;
    }
    closeRun();
    rows.push({
      turn_id: turnId,
      seq,
      end_seq: seq,
      type: event.type,
      payload: JSON.stringify(event.payload),
      created_at: now,
    });
  }
  closeRun();
  return rows;
}
