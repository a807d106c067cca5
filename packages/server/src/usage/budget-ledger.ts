/** A read of the stored spend, begun at some point of the subject's history. */
export interface SpendRead {
  readonly key: string;
  readonly id: number;
  readonly epoch: number;
}

export interface BudgetHold {
  /** The turn ended and its real cost is stored: the estimate stops counting. Idempotent. */
  settle(): void;
}

interface Subject {
  /** Bumped by every settle. */
  epoch: number;
  held: Map<number, number>;
  /** Settled estimates that reads begun before their settle still count (see `outstanding`). */
  settled: { epoch: number; micros: number }[];
  readers: Map<number, number>;
}

/**
 * What turns in flight may still cost, per budget subject, held in memory by this process.
 *
 * Admission reads the stored spend (awaiting the database), then checks and holds in one synchronous
 * step. A turn that ends while such a read is in flight may have committed its cost after the read's
 * snapshot, so its estimate keeps counting for every read begun before it settled: no answer is ever
 * missed by both the stored spend and the holds. Estimates are dropped once no such read is left.
 */
export class BudgetLedger {
  private readonly subjects = new Map<string, Subject>();
  private nextId = 1;

  private subject(key: string): Subject {
    let subject = this.subjects.get(key);
    if (!subject) {
      subject = { epoch: 0, held: new Map(), settled: [], readers: new Map() };
      this.subjects.set(key, subject);
    }
    return subject;
  }

  /** Call before reading the stored spend; pair with `endRead`. */
  beginRead(key: string): SpendRead {
    const subject = this.subject(key);
    const read = { key, id: this.nextId++, epoch: subject.epoch };
    subject.readers.set(read.id, read.epoch);
    return read;
  }

  /** Micro-dollars the stored spend read by `read` may be missing: holds, and estimates settled since it began. */
  outstanding(read: SpendRead): number {
    const subject = this.subject(read.key);
    let micros = 0;
    for (const held of subject.held.values()) micros += held;
    for (const settled of subject.settled) if (settled.epoch > read.epoch) micros += settled.micros;
    return micros;
  }

  endRead(read: SpendRead): void {
    const subject = this.subjects.get(read.key);
    if (!subject) return;
    subject.readers.delete(read.id);
    this.prune(read.key, subject);
  }

  hold(key: string, micros: number): BudgetHold {
    const subject = this.subject(key);
    const id = this.nextId++;
    subject.held.set(id, micros);
    return {
      settle: () => {
        if (!subject.held.delete(id)) return;
        subject.epoch += 1;
        subject.settled.push({ epoch: subject.epoch, micros });
        this.prune(key, subject);
      },
    };
  }

  /** Number of subjects tracked (tests: memory stays bounded). */
  get size(): number {
    return this.subjects.size;
  }

  private prune(key: string, subject: Subject): void {
    const oldestRead = Math.min(...subject.readers.values());
    subject.settled = subject.settled.filter((settled) => settled.epoch > oldestRead);
    if (subject.held.size === 0 && subject.readers.size === 0 && subject.settled.length === 0)
      this.subjects.delete(key);
  }
}
