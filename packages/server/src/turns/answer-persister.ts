import type { TurnEvent } from '@cachibot/protocol';
import type { FinalAnswer, TurnRepository } from './turn-repository.ts';

export interface PersistOptions {
  intervalMs: number;
  bytes: number;
  /** Pauses between tries of the final write; its length is the number of retries. */
  finalRetryMs?: number[];
}

const DEFAULT_FINAL_RETRY_MS = [100, 400, 1_600, 3_200];

/**
 * Writes a streaming answer in batches (every `intervalMs` or `bytes` of new text, whichever comes
 * first), never per token; a crash loses at most one batch. Writes of one turn never overlap. A batch
 * that fails goes back to the queue, so the next write (at the latest the final one) stores it.
 */
export class AnswerPersister {
  private pending: TurnEvent[] = [];
  private pendingBytes = 0;
  private content = '';
  private timer: NodeJS.Timeout | undefined;
  private chain: Promise<void> = Promise.resolve();
  /** Batch writes that failed so far (surfaced in logs; the events were kept for the next write). */
  failedWrites = 0;
  /** The answer text as the database holds it (after the last write that succeeded). */
  storedContent = '';

  constructor(
    private readonly repo: TurnRepository,
    private readonly turnId: string,
    private readonly chatId: string,
    private readonly messageId: string,
    private readonly options: PersistOptions,
    private readonly onError: (error: unknown, failedWrites: number) => void,
  ) {}

  /** Queues an event already emitted; `content` is the whole answer so far. */
  add(event: TurnEvent, content: string, textBytes = 0): void {
    this.pending.push(event);
    this.content = content;
    this.pendingBytes += textBytes;
    if (this.pendingBytes >= this.options.bytes) this.flush();
    else if (!this.timer) this.timer = setTimeout(() => this.flush(), this.options.intervalMs);
  }

  flush(): Promise<void> {
    this.clearTimer();
    const events = this.pending;
    if (events.length === 0) return this.chain;
    const content = this.content;
    this.pending = [];
    this.pendingBytes = 0;
    this.chain = this.chain.then(() =>
      this.repo.appendBatch(this.turnId, this.messageId, events, content).then(
        () => {
          this.storedContent = content;
        },
        (error) => {
          // Keep the order: the failed events go before whatever was queued meanwhile.
          this.pending = [...events, ...this.pending];
          this.failedWrites++;
          this.onError(error, this.failedWrites);
        },
      ),
    );
    return this.chain;
  }

  /**
   * Last write: outstanding events, the final events and the final message in one transaction, tried
   * again with backoff. Rejects if every try failed: the caller then says what is really stored.
   */
  async finish(
    finalEvents: TurnEvent[],
    answer: FinalAnswer,
    sleep: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  ): Promise<void> {
    this.clearTimer();
    await this.chain;
    const events = [...this.pending, ...finalEvents];
    this.pending = [];
    const pauses = this.options.finalRetryMs ?? DEFAULT_FINAL_RETRY_MS;
    for (let attempt = 0; ; attempt++) {
      try {
        await this.repo.finishTurn(this.turnId, this.chatId, this.messageId, events, answer);
        this.storedContent = answer.content;
        return;
      } catch (error) {
        const pause = pauses[attempt];
        if (pause === undefined) {
          // Unstored events stay queued for a later try; the final events are the caller's to redo.
          this.pending = events.slice(0, events.length - finalEvents.length);
          throw error;
        }
        this.onError(error, ++this.failedWrites);
        await sleep(pause);
      }
    }
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
