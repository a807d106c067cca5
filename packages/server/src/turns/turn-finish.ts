import type { Message, MessageMetadata, TurnEvent } from '@cachibot/protocol';
import type { Catalogue } from '../models/catalogue.ts';
import type { AnswerPersister } from './answer-persister.ts';
import type { LiveTurn } from './live-turn.ts';
import { applyBudgetNote, type TurnBudgetNote } from './turn-budget.ts';
import type { Logger } from './turn-lifecycle.ts';
import { buildMetadata, type TurnOutcome } from './turn-record.ts';

export const STORAGE_FAILED = {
  code: 'storage_failed',
  message: 'The answer could not be saved (the database refused the write); what was saved is shown',
};

/** How often, and how long, a final write that failed is tried again in the background. */
const BACKGROUND_RETRY_MS = 5_000;
const BACKGROUND_TRIES = 120;

/** The closing events of a turn, recorded (not yet published): usage, the error if any, done. */
function closingEvents(turn: LiveTurn, message: Message, error?: { code: string; message: string }) {
  const messageId = message.id;
  const { budget } = message.metadata;
  const events: TurnEvent[] = [
    turn.record('usage', { messageId, metadata: message.metadata, ...(budget ? { budget } : {}) }),
  ];
  if (error) events.push(turn.record('error', error));
  events.push(turn.record('done', { message }));
  return events;
}

const answerOf = (message: Message) => ({
  content: message.content,
  status: message.status,
  metadata: message.metadata,
  updatedAt: message.updatedAt,
});

/**
 * Stores the answer first, then tells the clients: `done` carries the message exactly as stored. If
 * the database refuses every try, the clients hear `storage_failed` and get what is really stored,
 * and the turn stays in memory, trying again, until the database takes that same record.
 */
export async function finishTurn(
  turn: LiveTurn,
  persister: AnswerPersister,
  placeholder: Message,
  content: string,
  outcome: TurnOutcome,
  deps: { catalogue: Catalogue; log: Logger; budget?: TurnBudgetNote; onLateStore?: () => void },
): Promise<'stored' | 'pending'> {
  const { compareId } = placeholder.metadata;
  const metadata: MessageMetadata = applyBudgetNote(
    { ...buildMetadata(outcome, deps.catalogue), ...(compareId ? { compareId } : {}) },
    deps.budget,
  );
  const message: Message = {
    ...placeholder,
    content,
    status: outcome.status,
    updatedAt: new Date().toISOString(),
    metadata,
  };
  const events = closingEvents(turn, message, outcome.error);
  try {
    await persister.finish(events, answerOf(message));
    for (const event of events) turn.publish(event);
    return 'stored';
  } catch (error) {
    deps.log.error({ err: error, turnId: turn.id }, 'persisting the final answer failed');
  }
  turn.unrecord(events.length);
  const stored: Message = {
    ...message,
    content: persister.storedContent,
    status: 'error',
    metadata: { ...metadata, finishReason: 'error', error: STORAGE_FAILED },
  };
  const fallback = closingEvents(turn, stored, STORAGE_FAILED);
  for (const event of fallback) turn.publish(event);
  void keepTrying(persister, fallback, stored, turn, deps.log).finally(() => deps.onLateStore?.());
  return 'pending';
}

async function keepTrying(
  persister: AnswerPersister,
  events: TurnEvent[],
  stored: Message,
  turn: LiveTurn,
  log: Logger,
): Promise<void> {
  for (let tries = 0; tries < BACKGROUND_TRIES; tries++) {
    await new Promise((resolve) => setTimeout(resolve, BACKGROUND_RETRY_MS).unref());
    try {
      await persister.finish(events, answerOf(stored), async () => {});
      return;
    } catch {
      // Still refused: the lease keeps the turn ours; recovery closes it if this process dies.
    }
  }
  log.error({ turnId: turn.id }, 'gave up storing the final answer; recovery will close the turn');
}
