import type { LocalModelFile } from './local-model-files.ts';
import type { LoadedLocalModel, LocalModelLoader } from './local-model-loader.ts';

/** A FIFO lock whose waiters can give up (abort) without blocking the ones behind them. */
export class SerialLock {
  private held = false;
  private readonly waiters: { grant(): void }[] = [];

  acquire(signal?: AbortSignal): Promise<() => void> {
    signal?.throwIfAborted();
    if (!this.held) {
      this.held = true;
      return Promise.resolve(this.releaser());
    }
    return new Promise((resolve, reject) => {
      const waiter = {
        grant: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve(this.releaser());
        },
      };
      const onAbort = () => {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        reject(signal?.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(waiter);
    });
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiters.shift();
      if (next) next.grant();
      else this.held = false;
    };
  }
}

interface PoolEntry<Loaded> {
  file: LocalModelFile;
  lock: SerialLock;
  /** Generations running or queued: a pinned entry is never unloaded. */
  users: number;
  lastUsed: number;
  loading?: Promise<Loaded>;
}

/**
 * Local models in memory: loaded on first use, at most `maxLoaded` kept (the least recently used idle
 * one goes first), one generation per model at a time (the others queue, and may give up while
 * waiting), everything released on close.
 */
export class LocalModelPool<Loaded extends { file: LocalModelFile } = LoadedLocalModel> {
  private readonly entries = new Map<string, PoolEntry<Loaded>>();
  private closed = false;
  /** A use counter, not a clock: two uses in one millisecond still have an order. */
  private uses = 0;

  constructor(
    private readonly loader: LocalModelLoader<Loaded>,
    private readonly maxLoaded: number,
  ) {}

  /** Runs `generate` with the model loaded and to itself; waits in line behind other generations on it. */
  async use<T>(
    file: LocalModelFile,
    signal: AbortSignal | undefined,
    generate: (loaded: Loaded) => Promise<T>,
  ): Promise<T> {
    if (this.closed) throw new Error('Local models are shut down');
    const entry = this.entryFor(file);
    entry.users += 1;
    try {
      const release = await entry.lock.acquire(signal);
      try {
        const loaded = await this.load(entry);
        signal?.throwIfAborted();
        return await generate(loaded);
      } finally {
        release();
      }
    } finally {
      entry.users -= 1;
      entry.lastUsed = ++this.uses;
      void this.unloadIdleBeyond(this.maxLoaded);
    }
  }

  /** Names of the models in memory (or loading), least recently used first. */
  loadedNames(): string[] {
    return this.loadedEntries()
      .sort((a, b) => a.lastUsed - b.lastUsed)
      .map((entry) => entry.file.name);
  }

  async close(): Promise<void> {
    this.closed = true;
    const entries = [...this.entries.values()];
    this.entries.clear();
    await Promise.all(entries.map((entry) => this.unload(entry)));
    await this.loader.close();
  }

  private loadedEntries(): PoolEntry<Loaded>[] {
    return [...this.entries.values()].filter((entry) => entry.loading);
  }

  private entryFor(file: LocalModelFile): PoolEntry<Loaded> {
    let entry = this.entries.get(file.path);
    // The same path with another size is a replaced file: load the new one once the old one is idle.
    if (entry && entry.file.sizeBytes !== file.sizeBytes && entry.users === 0) {
      this.entries.delete(file.path);
      void this.unload(entry);
      entry = undefined;
    }
    if (!entry) {
      entry = { file, lock: new SerialLock(), users: 0, lastUsed: ++this.uses };
      this.entries.set(file.path, entry);
    }
    return entry;
  }

  private load(entry: PoolEntry<Loaded>): Promise<Loaded> {
    if (!entry.loading) {
      // Room for this one first (entry.loading is still unset, so it is not counted).
      const loading = this.unloadIdleBeyond(this.maxLoaded - 1).then(() => this.loader.load(entry.file));
      entry.loading = loading;
      // A failed load is retried by the next generation instead of being remembered.
      loading.catch(() => {
        if (entry.loading === loading) entry.loading = undefined;
      });
    }
    return entry.loading;
  }

  private async unloadIdleBeyond(limit: number): Promise<void> {
    let loaded = this.loadedEntries().length;
    const idle = this.loadedEntries()
      .filter((entry) => entry.users === 0)
      .sort((a, b) => a.lastUsed - b.lastUsed);
    for (const entry of idle) {
      if (loaded <= Math.max(0, limit)) break;
      this.entries.delete(entry.file.path);
      loaded -= 1;
      await this.unload(entry);
    }
  }

  private async unload(entry: PoolEntry<Loaded>): Promise<void> {
    const loading = entry.loading;
    entry.loading = undefined;
    const loaded = await loading?.catch(() => undefined);
    if (loaded) await this.loader.unload(loaded);
  }
}
