import type { TurnEvent } from '@cachibot/protocol';
import { Redis } from 'ioredis';
import type { EventBus, TurnEventListener } from './event-bus.ts';
import { InProcessEventBus } from './event-bus.ts';

const CHAT_CHANNEL = 'cachibot:chat:';
const CANCEL_CHANNEL = 'cachibot:cancel';

interface Envelope {
  from: string;
  event: TurnEvent;
}

export interface CancelRequest {
  turnId: string;
  userId: string;
}

/**
 * Turn events across instances: every event is delivered to this process's listeners at once and
 * published on Redis (`cachibot:chat:<chatId>`) for the others; an instance subscribes to a chat's
 * channel while one of its sockets follows that chat. The database log stays the source of truth for
 * replay; Redis only carries what is live. Cancels of a turn running elsewhere travel the same way.
 */
export class RedisEventBus implements EventBus {
  private readonly local: InProcessEventBus;
  private readonly pub: Redis;
  private readonly sub: Redis;
  private readonly counts = new Map<string, number>();
  private cancelHandler: ((request: CancelRequest) => void) | undefined;

  constructor(
    url: string,
    private readonly instanceId: string,
    private readonly onError: (error: unknown, what: string) => void,
  ) {
    this.local = new InProcessEventBus((error) => onError(error, 'an event listener failed'));
    const options = { lazyConnect: false, maxRetriesPerRequest: 2, enableAutoPipelining: true };
    this.pub = new Redis(url, options);
    this.sub = new Redis(url, options);
    for (const client of [this.pub, this.sub]) client.on('error', (error) => onError(error, 'redis'));
    this.sub.on('message', (channel: string, text: string) => this.receive(channel, text));
    void this.sub.subscribe(CANCEL_CHANNEL).catch((error) => onError(error, 'redis subscribe'));
  }

  publish(event: TurnEvent): void {
    this.local.publish(event);
    const envelope: Envelope = { from: this.instanceId, event };
    this.pub
      .publish(CHAT_CHANNEL + event.payload.chatId, JSON.stringify(envelope))
      .catch((error) => this.onError(error, 'redis publish'));
  }

  subscribe(chatId: string, listener: TurnEventListener): () => void {
    const stop = this.local.subscribe(chatId, listener);
    const count = (this.counts.get(chatId) ?? 0) + 1;
    this.counts.set(chatId, count);
    if (count === 1)
      void this.sub.subscribe(CHAT_CHANNEL + chatId).catch((error) => this.onError(error, 'redis subscribe'));
    let active = true;
    return () => {
      if (!active) return;
      active = false;
      stop();
      const left = (this.counts.get(chatId) ?? 1) - 1;
      if (left > 0) this.counts.set(chatId, left);
      else {
        this.counts.delete(chatId);
        void this.sub.unsubscribe(CHAT_CHANNEL + chatId).catch(() => {});
      }
    };
  }

  /** Asks whichever instance runs the turn to cancel it (the owner checks the user). */
  requestCancel(request: CancelRequest): void {
    this.pub
      .publish(CANCEL_CHANNEL, JSON.stringify({ from: this.instanceId, ...request }))
      .catch((error) => this.onError(error, 'redis publish'));
  }

  onCancelRequest(handler: (request: CancelRequest) => void): void {
    this.cancelHandler = handler;
  }

  async ping(): Promise<boolean> {
    try {
      return (await this.pub.ping()) === 'PONG';
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.sub.quit(), this.pub.quit()]);
  }

  private receive(channel: string, text: string): void {
    try {
      if (channel === CANCEL_CHANNEL) {
        const request = JSON.parse(text) as CancelRequest & { from: string };
        if (request.from !== this.instanceId) this.cancelHandler?.(request);
        return;
      }
      const envelope = JSON.parse(text) as Envelope;
      // This process delivered its own events already, in order, when it published them.
      if (envelope.from !== this.instanceId) this.local.publish(envelope.event);
    } catch (error) {
      this.onError(error, 'a message from redis could not be read');
    }
  }
}
