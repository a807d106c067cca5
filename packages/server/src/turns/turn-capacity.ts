import { AppError } from '../errors.ts';

export interface CapacityLimits {
  /** Turns of one user running (or being admitted) at once. */
  maxConcurrentTurns: number;
  /** Turns one user may start in a sliding minute. */
  turnsPerMinute: number;
}

/**
 * A slot taken synchronously at admission. The admission awaits the database afterwards, so the check
 * and the increment must not be separated by an `await`: `reserve` does both in one step.
 */
export interface Reservation {
  readonly userId: string;
  /** Gives the slot back: the turn never started, or it finished. Idempotent. */
  release(): void;
  /** The turn did not start after all: also gives back its place in the per-minute window. */
  cancel(): void;
}

const MINUTE_MS = 60_000;

/** Per-user admission counters, in memory (the scale-out issue moves them to Redis). */
export class TurnCapacity {
  private readonly running = new Map<string, number>();
  private readonly started = new Map<string, number[]>();
  private closed = false;

  constructor(
    private readonly limits: CapacityLimits,
    private readonly now: () => number = Date.now,
  ) {}

  /** Refuses new turns from now on (shutdown). */
  close(): void {
    this.closed = true;
  }

  get accepting(): boolean {
    return !this.closed;
  }

  runningCount(userId: string): number {
    return this.running.get(userId) ?? 0;
  }

  /**
   * Checks and takes a slot in one synchronous step; `count` > 1 reserves several turns at once, all
   * or none (a compare of several models is one message for the per-minute limit).
   */
  reserve(userId: string, count = 1, perMinuteCost = 1): Reservation[] {
    if (this.closed) throw new AppError('unavailable', 'The server is shutting down; try again in a moment');
    const running = this.runningCount(userId);
    if (running + count > this.limits.maxConcurrentTurns) {
      throw new AppError(
        'rate_limited',
        `At most ${this.limits.maxConcurrentTurns} answers may run at once`,
        undefined,
        1,
      );
    }
    const window = this.recent(userId);
    if (window.length + perMinuteCost > this.limits.turnsPerMinute) {
      const oldest = window[window.length - this.limits.turnsPerMinute] ?? window[0] ?? this.now();
      const wait = Math.max(1, Math.ceil((oldest + MINUTE_MS - this.now()) / 1000));
      throw new AppError(
        'rate_limited',
        `At most ${this.limits.turnsPerMinute} messages per minute`,
        undefined,
        wait,
      );
    }
    const at = this.now();
    for (let i = 0; i < perMinuteCost; i++) window.push(at);
    this.started.set(userId, window);
    this.running.set(userId, running + count);
    const reservations: Reservation[] = [];
    for (let i = 0; i < count; i++) reservations.push(this.slot(userId, at, i < perMinuteCost));
    return reservations;
  }

  private slot(userId: string, at: number, countsPerMinute: boolean): Reservation {
    let held = true;
    const release = () => {
      if (!held) return;
      held = false;
      const left = this.runningCount(userId) - 1;
      if (left > 0) this.running.set(userId, left);
      else this.running.delete(userId);
    };
    return {
      userId,
      release,
      cancel: () => {
        if (!held) return;
        release();
        if (!countsPerMinute) return;
        const window = this.started.get(userId);
        const index = window?.lastIndexOf(at) ?? -1;
        if (window && index >= 0) window.splice(index, 1);
        if (window?.length === 0) this.started.delete(userId);
      },
    };
  }

  /** The user's starts within the last minute; empty windows leave memory (keys stay bounded). */
  private recent(userId: string): number[] {
    const cutoff = this.now() - MINUTE_MS;
    const kept = (this.started.get(userId) ?? []).filter((time) => time > cutoff);
    if (kept.length === 0) this.started.delete(userId);
    else this.started.set(userId, kept);
    return kept;
  }
}

/**
 * One slot shared by several turns (a compare is one message and one running slot): each turn
 * releases its share, and the slot is free when the last has. Cancelling gives the whole slot back.
 */
export function shareReservation(reservation: Reservation, shares: number): Reservation[] {
  let left = shares;
  return Array.from({ length: shares }, () => {
    let held = true;
    return {
      userId: reservation.userId,
      release: () => {
        if (!held) return;
        held = false;
        if (--left === 0) reservation.release();
      },
      cancel: () => reservation.cancel(),
    };
  });
}
