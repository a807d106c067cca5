import type { ProviderSettings } from '../config.ts';
import type { BotTable, ChatTable, MessageTable } from '../db/schema.ts';
import type { TurnBudgetNote } from './turn-budget.ts';
import type { Reservation } from './turn-capacity.ts';
import type { NewTurnRows } from './turn-repository.ts';

/** Everything admission decided about a turn, before anything is stored. */
export interface TurnPlan {
  turnId: string;
  userId: string;
  bot: BotTable;
  chat: ChatTable;
  createChat: boolean;
  chatChanges: Partial<ChatTable>;
  /** The question; already stored when regenerating (`newUserMessage` false). */
  userMessage: MessageTable;
  newUserMessage: boolean;
  assistantClientMessageId: string | null;
  clientMessageId: string;
  /** The message text, to detect a clientMessageId reused for other text; null for regenerate. */
  text: string | null;
  modelRequested: string;
  providerSettings: Record<string, ProviderSettings>;
  /** When the transport got the user's message: the start of the TTFT clock. */
  receivedAt: number;
  /** The capacity slot taken at admission: released when the turn ends or fails to start. */
  reservation: Reservation;
  /** Set on the turns of a compare: the id of the user message they all answer. */
  compareId?: string;
  /** Set when a budget applies: a downgrade, and the budgets the answer reports on (turn-budget.ts). */
  budget?: TurnBudgetNote;
}

/** The rows a plan stores at start: chat (new or touched), question, answer placeholder, turn. */
export function buildTurnRows(plan: TurnPlan, assistantMessageId: string, now: string): NewTurnRows {
  const { chat, userMessage, turnId } = plan;
  const assistantMessage: MessageTable = {
    ...userMessage,
    id: assistantMessageId,
    role: 'assistant',
    content: '',
    status: 'streaming',
    parent_id: userMessage.id,
    client_message_id: plan.assistantClientMessageId,
    turn_id: turnId,
    metadata: JSON.stringify({
      model: plan.modelRequested,
      modelRequested: plan.modelRequested,
      ...(plan.compareId ? { compareId: plan.compareId } : {}),
    }),
    created_at: now,
    updated_at: now,
  };
  return {
    chat,
    createChat: plan.createChat,
    // The chat now shows the branch ending in this answer.
    chatChanges: { ...plan.chatChanges, current_message_id: assistantMessage.id },
    userMessage: plan.newUserMessage ? userMessage : undefined,
    assistantMessage,
    turn: {
      id: turnId,
      user_id: plan.userId,
      chat_id: chat.id,
      bot_id: plan.bot.id,
      user_message_id: userMessage.id,
      assistant_message_id: assistantMessage.id,
      status: 'running',
      last_seq: 0,
      owner: null,
      lease_until: null,
      created_at: now,
      updated_at: now,
    },
  };
}
