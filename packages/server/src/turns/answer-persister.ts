import type { TurnEvent } from '@cachibot/protocol';
import type { FinalAnswer, TurnRepository } from './turn-repository.ts';

export interface PersistOptions {
  intervalMs: number;
  bytes: number;
}

/**
 * Writes a streaming answer in batches (every `intervalMs` or `bytes` of new text, whichever comes
 * first), never per token; a crash loses at most one batch. Writes of one turn never overlap.
 */
export class AnswerPersister {
  private pending: TurnEvent[] = [];
  private pendingBytes = 0;
  private content = '';
  private timer: NodeJS.Timeout | undefined;
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly repo: TurnRepository,
    private readonly turnId: string,
    private readonly chatId: string,
    private readonly messageId: string,
    private readonly options: PersistOptions,
    private readonly onError: (error: unknown) => void,
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
      this.repo.appendBatch(this.turnId, this.messageId, events, content).catch(this.onError),
    );
    return this.chain;
  }

  /** Last write: outstanding events, the final events and the final message in one transaction. */
  async finish(finalEvents: TurnEvent[], answer: FinalAnswer): Promise<void> {
    this.clearTimer();
    const events = [...this.pending, ...finalEvents];
    this.pending = [];
    await this.chain;
    await this.repo.finishTurn(this.turnId, this.chatId, this.messageId, events, answer);
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
