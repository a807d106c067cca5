import type { ClientFrame } from '@cachibot/protocol';

/** The part of the socket client that features use to talk to the server. */
export interface RealtimeTransport {
  send(frame: ClientFrame): void;
  /** Delivered at least once: re-sent after reconnects until `ack(key)`. */
  sendTracked(key: string, frame: ClientFrame): void;
  ack(key: string): void;
}

/** Until the socket starts, frames wait here and are handed over when it does. */
class WaitingTransport implements RealtimeTransport {
  readonly frames: { key?: string; frame: ClientFrame }[] = [];
  send(frame: ClientFrame): void {
    this.frames.push({ frame });
  }
  sendTracked(key: string, frame: ClientFrame): void {
    this.frames.push({ key, frame });
  }
  ack(key: string): void {
    const index = this.frames.findIndex((item) => item.key === key);
    if (index >= 0) this.frames.splice(index, 1);
  }
}

let current: RealtimeTransport = new WaitingTransport();

export function getTransport(): RealtimeTransport {
  return current;
}

/** Installs the live transport (or a fake in tests); frames issued before it are passed on. */
export function setTransport(transport: RealtimeTransport | null): void {
  const previous = current;
  current = transport ?? new WaitingTransport();
  if (transport && previous instanceof WaitingTransport) {
    for (const { key, frame } of previous.frames) {
      if (key) transport.sendTracked(key, frame);
      else transport.send(frame);
    }
  }
}
