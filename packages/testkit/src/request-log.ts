// The record of chat requests a double received, and waiting on it: tests assert on what the
// server under test actually sent, and on whether it hung up early.

/** One recorded chat request. Mutated in place while its response runs (aborted, tokensSent…). */
export interface DoubleRequest {
  path: string;
  model: string;
  messages: unknown[];
  /** Request headers, names lower-cased, repeated headers joined with ", ". */
  headers: Record<string, string>;
  body: Record<string, unknown>;
  /** True when the client closed the connection before the double finished answering. */
  aborted: boolean;
  startedAt: number;
  finishedAt?: number;
  /** HTTP status sent, once the connection is closed and headers went out. */
  status?: number;
  tokensSent: number;
}

export class RequestLog {
  readonly requests: DoubleRequest[] = [];
  readonly #watchers = new Set<() => void>();

  add(record: DoubleRequest): void {
    this.requests.push(record);
    this.changed();
  }

  /** Call after mutating a record so waiters re-check their condition. */
  changed(): void {
    for (const watcher of [...this.#watchers]) watcher();
  }

  clear(): void {
    this.requests.length = 0;
  }

  /** Resolves with all requests once `predicate` holds; rejects after `timeoutMs`. */
  waitUntil(predicate: (requests: DoubleRequest[]) => boolean, timeoutMs = 5_000): Promise<DoubleRequest[]> {
    const { requests } = this;
    return new Promise((resolve, reject) => {
      if (predicate(requests)) return resolve(requests);
      const check = () => {
        if (!predicate(requests)) return;
        stop();
        resolve(requests);
      };
      const timer = setTimeout(() => {
        stop();
        const seen = `${requests.length} requests seen`;
        reject(new Error(`provider double: condition not met within ${timeoutMs} ms (${seen})`));
      }, timeoutMs);
      const stop = () => {
        clearTimeout(timer);
        this.#watchers.delete(check);
      };
      this.#watchers.add(check);
    });
  }
}
