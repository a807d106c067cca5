import type { ErrorInfo, Message, ServerEvent, TurnEvent } from '@cachibot/protocol';
import type { Follower } from '../turns/turn-follower.ts';

/** What an HTTP answer needs of a turn's events, in order. */
export type TurnPart =
  | { type: 'started'; model: string; assistantMessageId: string }
  | { type: 'text'; delta: string }
  | { type: 'reasoning'; delta: string }
  | { type: 'fallback'; to: string }
  | { type: 'end'; message: Message; error?: ErrorInfo };

export interface TurnEnd {
  message: Message;
  error?: ErrorInfo;
}

/**
 * Follows one turn for an HTTP request, the way a socket follows it (turn-follower.ts): each event
 * once, by seq. Until the engine's replay is complete (`replayed`) live events are held and then
 * taken in seq order with the replay's, so an event from the bus that overtook the replay (another
 * instance's turn) neither repeats nor reorders text. Holds no socket: the HTTP side reads `parts()`,
 * and the turn goes on when it stops reading — disconnecting does not cancel.
 */
export class TurnCollector implements Follower {
  private readonly queue: TurnPart[] = [];
  private wake: (() => void) | undefined;
  private held: TurnEvent[] | undefined = [];
  private lastSeq = 0;
  /** Characters taken per delta seq: a joined replay delta overlapping them gives only the rest. */
  private readonly deltaChars = new Map<number, number>();
  private textChars = 0;
  private readonly subscriptions = new Map<string, () => void>();
  private error: ErrorInfo | undefined;
  private resolveEnd!: (end: TurnEnd) => void;
  /** Resolves when the turn's `done` (or a final snapshot) arrived. */
  readonly ended: Promise<TurnEnd> = new Promise((resolve) => {
    this.resolveEnd = resolve;
  });
  private finished = false;

  constructor(readonly turnId: string) {}

  deliver(event: TurnEvent): void {
    if (event.payload.turnId !== this.turnId || this.finished) return;
    if (this.held) this.held.push(event);
    else this.take(event);
  }

  /** The engine's replay is complete: what was held is taken in seq order, later events at once. */
  replayed(): void {
    const held = this.held ?? [];
    this.held = undefined;
    const start = (event: TurnEvent) =>
      'fromSeq' in event.payload && event.payload.fromSeq ? event.payload.fromSeq : event.payload.seq;
    // A joined delta sorts before single events that start where it starts: it holds them all.
    held.sort((a, b) => start(a) - start(b) || b.payload.seq - a.payload.seq);
    for (const event of held) this.take(event);
  }

  /** A `resync` (the stored log could not fill the gap) for a finished answer: take the rest of it. */
  send(event: ServerEvent): void {
    if (event.type !== 'resync' || event.payload.turnId !== this.turnId || this.finished) return;
    const { message } = event.payload;
    if (message.status === 'streaming') return; // a live turn elsewhere: its events still come
    const rest = message.content.slice(this.textChars);
    if (rest) this.push({ type: 'text', delta: rest });
    this.end(message);
  }

  isFollowing(chatId: string): boolean {
    return this.subscriptions.has(chatId);
  }

  follow(chatId: string, unsubscribe: () => void): void {
    this.subscriptions.get(chatId)?.();
    this.subscriptions.set(chatId, unsubscribe);
  }

  /** Stops listening (the turn ended, or it could not be followed). */
  close(): void {
    for (const unsubscribe of this.subscriptions.values()) unsubscribe();
    this.subscriptions.clear();
  }

  /** The turn's parts in order, ending with `end`. */
  async *parts(): AsyncGenerator<TurnPart> {
    let index = 0;
    for (;;) {
      while (index < this.queue.length) {
        const part = this.queue[index++] as TurnPart;
        yield part;
        if (part.type === 'end') return;
      }
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
    }
  }

  private take(event: TurnEvent): void {
    const { seq } = event.payload;
    if (seq <= this.lastSeq) return;
    switch (event.type) {
      case 'text_delta':
      case 'reasoning_delta': {
        const from = event.payload.fromSeq ?? seq;
        let skip = 0;
        for (let covered = from; covered <= this.lastSeq; covered++)
          skip += this.deltaChars.get(covered) ?? 0;
        const delta = event.payload.delta.slice(skip);
        this.deltaChars.set(seq, delta.length);
        if (event.type === 'text_delta') this.textChars += delta.length;
        if (delta) this.push({ type: event.type === 'text_delta' ? 'text' : 'reasoning', delta });
        break;
      }
      case 'model_fallback':
        this.push({ type: 'fallback', to: event.payload.to });
        break;
      case 'error':
        this.error = { code: event.payload.code, message: event.payload.message };
        break;
      case 'done':
        this.lastSeq = seq;
        this.end(event.payload.message);
        return;
      case 'turn_started':
        this.push({
          type: 'started',
          model: event.payload.model,
          assistantMessageId: event.payload.assistantMessageId,
        });
        break;
      case 'usage':
        break;
      default: {
        const unknown: never = event;
        throw new Error(`unhandled turn event ${(unknown as TurnEvent).type}`);
      }
    }
    this.lastSeq = seq;
  }

  private end(message: Message): void {
    this.finished = true;
    const error = this.error ?? message.metadata.error;
    const end = { message, ...(error ? { error } : {}) };
    this.push({ type: 'end', ...end });
    this.close();
    this.resolveEnd(end);
  }

  private push(part: TurnPart): void {
    this.queue.push(part);
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}
