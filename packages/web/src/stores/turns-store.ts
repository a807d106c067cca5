import type { ErrorInfo } from '@cachibot/protocol';
import { create } from 'zustand';

/** A turn this client follows, keyed by `turnId`: several chats may stream at once. */
export interface TurnState {
  turnId: string;
  chatId: string;
  botId: string;
  /** Highest `seq` applied; events at or below it are duplicates (replays after a reconnect). */
  lastSeq: number;
  status: 'running' | 'finished';
  assistantMessageId?: string;
  userMessageId?: string;
  model?: string;
  fallbacks: { from: string; to: string; reason: string }[];
  reasoning: string;
  error?: ErrorInfo;
  /** A gap was seen and a `resume` from `lastSeq` asked for; events past the gap wait for the replay. */
  awaitingReplay: boolean;
}

/** A message sent over the socket that has no `turn_started` yet. */
export interface PendingSend {
  clientMessageId: string;
  /**
   * `regenerate` answers an existing user message again and shows no bubble of its own; `compare` asks
   * one question of several models at once.
   */
  kind: 'chat' | 'regenerate' | 'compare';
  /** For `regenerate`: the answer being redone. */
  messageId?: string;
  botId: string;
  /** Absent for the first message of a new chat. */
  chatId?: string;
  text: string;
  model?: string;
  /** For `compare`: the 2–4 models that answer. */
  models?: string[];
  /**
   * For `chat` and `compare`: the message it continues (the leaf of the branch on screen, or an edited
   * question's parent); `null` starts a new first question (an edit of the first one).
   */
  replyToId?: string | null;
  createdAt: string;
  error?: ErrorInfo;
}

interface TurnsState {
  turns: Record<string, TurnState>;
  pending: Record<string, PendingSend>;
  /** Chats showing a streaming message whose turn this client does not know yet (after a reload). */
  watchedChats: Record<string, true>;
  upsertTurn(turn: TurnState): void;
  patchTurn(turnId: string, patch: Partial<TurnState>): void;
  addPending(send: PendingSend): void;
  failPending(clientMessageId: string, error: ErrorInfo): void;
  removePending(clientMessageId: string): void;
  watchChat(chatId: string): void;
  unwatchChat(chatId: string): void;
  reset(): void;
}

/**
 * Finished turns kept (their reasoning and fallbacks show under their answers, their `seq` drops late
 * duplicates). Beyond this the oldest go: their answers are in the messages store; a long session must
 * not grow without end.
 */
export const MAX_FINISHED_TURNS = 200;

/**
 * Stores a turn. One that finishes now moves to the end, so the map lists finished turns in the order
 * they finished, and the cap drops the ones that finished longest ago.
 */
function withTurn(turns: Record<string, TurnState>, turn: TurnState): Record<string, TurnState> {
  const before = turns[turn.turnId];
  if (turn.status !== 'finished') return { ...turns, [turn.turnId]: turn };
  if (before?.status === 'finished') return { ...turns, [turn.turnId]: turn };
  const { [turn.turnId]: _moved, ...rest } = turns;
  return boundFinished({ ...rest, [turn.turnId]: turn });
}

/** Drops the turns that finished longest ago beyond the cap; running turns always stay. */
function boundFinished(turns: Record<string, TurnState>): Record<string, TurnState> {
  let excess = -MAX_FINISHED_TURNS;
  for (const turn of Object.values(turns)) if (turn.status === 'finished') excess++;
  if (excess <= 0) return turns;
  const kept: Record<string, TurnState> = {};
  for (const [id, turn] of Object.entries(turns)) {
    if (turn.status === 'finished' && excess > 0) excess--;
    else kept[id] = turn;
  }
  return kept;
}

export function newTurn(fields: Pick<TurnState, 'turnId' | 'chatId' | 'botId'>): TurnState {
  return { ...fields, lastSeq: 0, status: 'running', fallbacks: [], reasoning: '', awaitingReplay: false };
}

export const useTurnsStore = create<TurnsState>()((set) => ({
  turns: {},
  pending: {},
  watchedChats: {},
  upsertTurn: (turn) => set((state) => ({ turns: withTurn(state.turns, turn) })),
  patchTurn: (turnId, patch) =>
    set((state) => {
      const turn = state.turns[turnId];
      return turn ? { turns: withTurn(state.turns, { ...turn, ...patch }) } : state;
    }),
  addPending: (send) => set((state) => ({ pending: { ...state.pending, [send.clientMessageId]: send } })),
  failPending: (clientMessageId, error) =>
    set((state) => {
      const send = state.pending[clientMessageId];
      return send ? { pending: { ...state.pending, [clientMessageId]: { ...send, error } } } : state;
    }),
  removePending: (clientMessageId) =>
    set((state) => {
      const { [clientMessageId]: _removed, ...rest } = state.pending;
      return { pending: rest };
    }),
  watchChat: (chatId) => set((state) => ({ watchedChats: { ...state.watchedChats, [chatId]: true } })),
  unwatchChat: (chatId) =>
    set((state) => {
      const { [chatId]: _removed, ...rest } = state.watchedChats;
      return { watchedChats: rest };
    }),
  reset: () => set({ turns: {}, pending: {}, watchedChats: {} }),
}));

/** Every running turn of a chat (a compare runs one per model). */
export function runningTurnsOf(
  turns: Record<string, TurnState>,
  chatId: string | null | undefined,
): TurnState[] {
  if (!chatId) return [];
  return Object.values(turns).filter((turn) => turn.chatId === chatId && turn.status === 'running');
}

/** The running turn of a chat, if any (the newest when several run, as in a compare). */
export function runningTurnOf(
  turns: Record<string, TurnState>,
  chatId: string | null | undefined,
): TurnState | undefined {
  if (!chatId) return undefined;
  let found: TurnState | undefined;
  for (const turn of Object.values(turns)) {
    if (turn.chatId === chatId && turn.status === 'running') found = turn;
  }
  return found;
}
