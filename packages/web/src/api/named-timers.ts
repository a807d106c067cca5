export interface SocketTimers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const globalTimers: SocketTimers = {
  setTimeout: (callback, ms) => globalThis.setTimeout(callback, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** At most one pending timeout per name; setting a name again replaces its timeout. */
export class NamedTimers<Name extends string> {
  private readonly handles = new Map<Name, unknown>();

  constructor(private readonly timers: SocketTimers) {}

  set(name: Name, ms: number, callback: () => void): void {
    this.clear(name);
    this.handles.set(
      name,
      this.timers.setTimeout(() => {
        this.handles.delete(name);
        callback();
      }, ms),
    );
  }

  has(name: Name): boolean {
    return this.handles.has(name);
  }

  clear(...names: Name[]): void {
    for (const name of names) {
      if (!this.handles.has(name)) continue;
      this.timers.clearTimeout(this.handles.get(name));
      this.handles.delete(name);
    }
  }

  clearAll(): void {
    this.clear(...this.handles.keys());
  }
}
