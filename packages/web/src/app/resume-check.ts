import type { ClientFrame, Message } from '@cachibot/protocol';
import { ApiError } from '../api/api-error.ts';
import { chatsApi } from '../api/endpoints.ts';
import { globalTimers, type SocketTimers } from '../api/named-timers.ts';
import { useMessagesStore } from '../stores/messages-store.ts';
import { applyStoredAnswer } from '../stores/server-events.ts';
import { runningTurnOf, useTurnsStore } from '../stores/turns-store.ts';

/**
 * How long after a reconnect's `resume` the server may stay silent about a turn before the app reads
 * the stored answer. The server answers a resume at once (a replay, `resync`, or live events as they
 * come); silence means it had nothing newer — typically a turn that ended while the socket was away
 * and whose end this client cannot get as events.
 */
export const RESUME_SETTLE_MS = 2_000;

type ResumePayload = Extract<ClientFrame, { type: 'resume' }>['payload'];

export interface ResumeCheckOptions {
  timers?: SocketTimers;
  settleMs?: number;
  /** A turn of this chat ended: its server-kept totals changed. */
  turnEnded?(chatId: string): void;
}

/**
 * After each reconnect, makes sure no answer stays "streaming" (with a Stop button that does nothing)
 * when the server no longer runs its turn: for every turn resumed, if nothing newer than `afterSeq`
 * arrived within the settle time, reads the chat's newest messages over REST and shows the stored
 * answer in place of the streamed one when it is finished. A chat watched without a known turn is
 * handled the same way. A turn still running on the server stays as it is: its events keep coming.
 */
export class ResumeCheck {
  private readonly timers: SocketTimers;
  private readonly settleMs: number;
  private handle: unknown;
  private hasTimer = false;

  constructor(private readonly options: ResumeCheckOptions = {}) {
    this.timers = options.timers ?? globalTimers;
    this.settleMs = options.settleMs ?? RESUME_SETTLE_MS;
  }

  /** The socket opened and sent these frames: check their turns once the server had time to answer. */
  afterResume(frames: ClientFrame[]): void {
    this.cancel();
    const resumes = frames.flatMap((frame) => (frame.type === 'resume' ? [frame.payload] : []));
    if (resumes.length === 0) return;
    this.hasTimer = true;
    this.handle = this.timers.setTimeout(() => {
      this.hasTimer = false;
      void this.checkAll(resumes);
    }, this.settleMs);
  }

  /** The socket went away before the check: the next connect resumes (and checks) again. */
  cancel(): void {
    if (this.hasTimer) this.timers.clearTimeout(this.handle);
    this.hasTimer = false;
  }

  /** Resolves when every check is done (tests wait on it through the stores instead). */
  async checkAll(resumes: ResumePayload[]): Promise<void> {
    await Promise.all(resumes.map((resume) => this.check(resume)));
  }

  private async check({ chatId, turnId, afterSeq }: ResumePayload): Promise<void> {
    if (turnId) {
      const turn = useTurnsStore.getState().turns[turnId];
      // Ended meanwhile (`done`, `resync`), or the server is replaying it: nothing to repair.
      if (turn?.status !== 'running' || turn.lastSeq > (afterSeq ?? 0)) return;
    } else if (
      !useTurnsStore.getState().watchedChats[chatId] ||
      runningTurnOf(useTurnsStore.getState().turns, chatId)
    ) {
      return;
    }
    const newest = await this.newestMessages(chatId);
    if (!newest) return;
    if (turnId) this.repairTurn(turnId, chatId, newest);
    else this.repairWatchedChat(chatId, newest);
  }

  /** The chat's newest stored messages; `[]` for a chat deleted meanwhile; null if unreachable now. */
  private async newestMessages(chatId: string): Promise<Message[] | null> {
    try {
      return (await chatsApi.messages(chatId)).messages;
    } catch (error) {
      if (ApiError.isInstance(error) && error.status === 404) return [];
      return null; // offline again: the next reconnect checks again
    }
  }

  private repairTurn(turnId: string, chatId: string, newest: Message[]): void {
    const turn = useTurnsStore.getState().turns[turnId];
    if (turn?.status !== 'running') return;
    const stored = newest.find((message) => message.id === turn.assistantMessageId);
    if (stored) {
      applyStoredAnswer(turnId, stored, this.options);
      return;
    }
    if (newest.length === 0) {
      // The chat is gone (or empty): no turn of it can still be running.
      useTurnsStore.getState().patchTurn(turnId, { status: 'finished', awaitingReplay: false });
      useTurnsStore.getState().unwatchChat(chatId);
    }
  }

  /** A chat showing a streaming answer whose turn this client never learnt: replace what has ended. */
  private repairWatchedChat(chatId: string, newest: Message[]): void {
    const local = useMessagesStore.getState().chats[chatId];
    let ended = false;
    for (const stored of newest) {
      if (stored.status === 'streaming' || local?.byId[stored.id]?.status !== 'streaming') continue;
      useMessagesStore.getState().upsertMessage(stored);
      ended = true;
    }
    if (newest.some((message) => message.status === 'streaming')) return;
    useTurnsStore.getState().unwatchChat(chatId);
    if (ended) this.options.turnEnded?.(chatId);
  }
}
