import type { TurnEvent } from '@cachibot/protocol';

export type TurnEventListener = (event: TurnEvent) => void;

/**
 * Fan-out of turn events by chat. Events are plain JSON so a Redis implementation can carry them
 * between instances later; this in-process one delivers synchronously, in order.
 */
export interface EventBus {
  publish(event: TurnEvent): void;
  subscribe(chatId: string, listener: TurnEventListener): () => void;
  /** Across instances (Redis): ask the instance that runs a turn to cancel it. */
  requestCancel?(request: { turnId: string; userId: string }): void;
  onCancelRequest?(handler: (request: { turnId: string; userId: string }) => void): void;
  ping?(): Promise<boolean>;
  close?(): Promise<void>;
}

export class InProcessEventBus implements EventBus {
  private readonly listeners = new Map<string, Set<TurnEventListener>>();

  /** A listener that throws is reported here; the other listeners and the turn carry on. */
  constructor(private readonly onListenerError: (error: unknown, event: TurnEvent) => void = () => {}) {}

  publish(event: TurnEvent): void {
    const listeners = this.listeners.get(event.payload.chatId);
    if (!listeners) return;
    for (const listener of [...listeners]) {
      try {
        listener(event);
      } catch (error) {
        this.onListenerError(error, event);
      }
    }
  }

  subscribe(chatId: string, listener: TurnEventListener): () => void {
    let set = this.listeners.get(chatId);
    if (!set) {
      set = new Set();
      this.listeners.set(chatId, set);
    }
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.listeners.delete(chatId);
    };
  }
}
