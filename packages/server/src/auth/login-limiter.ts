/**
 * Counts failed logins per key (an IP, a username) in a sliding window. Kept in memory: a restart
 * forgets it, which only ever helps a legitimate user. Keys are chosen by whoever sends the request,
 * so at most `maxKeys` are kept: beyond that the least recently failed key is forgotten.
 */
export class FailureLimiter {
  private readonly failures = new Map<string, number[]>();

  constructor(
    private readonly maxFailures: number,
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
    private readonly maxKeys = 10_000,
  ) {}

  /** Seconds until the key may try again, or 0 when it may now. */
  retryAfterSeconds(key: string): number {
    const recent = this.recent(key);
    if (recent.length < this.maxFailures) return 0;
    const oldest = recent[recent.length - this.maxFailures] ?? this.now();
    return Math.max(1, Math.ceil((oldest + this.windowMs - this.now()) / 1000));
  }

  /** Failures of the key within the window. */
  count(key: string): number {
    return this.recent(key).length;
  }

  /** The time of the key's latest failure within the window, if any. */
  lastFailure(key: string): number | undefined {
    return this.recent(key).at(-1);
  }

  recordFailure(key: string): void {
    const recent = this.recent(key);
    // Only the newest `maxFailures` matter for the answer; older ones would only grow the array.
    recent.push(this.now());
    if (recent.length > Math.max(this.maxFailures, 1) * 2) recent.splice(0, recent.length - this.maxFailures);
    this.failures.delete(key); // re-inserted at the back: the map's order is the recency order
    this.failures.set(key, recent);
    while (this.failures.size > this.maxKeys) {
      const oldest = this.failures.keys().next().value;
      if (oldest === undefined) break;
      this.failures.delete(oldest);
    }
  }

  reset(key: string): void {
    this.failures.delete(key);
  }

  /** Takes back the key's latest failure (a try counted in advance that succeeded). */
  forgetNewest(key: string): void {
    const recent = this.failures.get(key);
    recent?.pop();
    if (recent?.length === 0) this.failures.delete(key);
  }

  /** How many keys are held (bounded by `maxKeys`). */
  get size(): number {
    return this.failures.size;
  }

  private recent(key: string): number[] {
    const cutoff = this.now() - this.windowMs;
    const kept = (this.failures.get(key) ?? []).filter((time) => time > cutoff);
    if (kept.length === 0) this.failures.delete(key);
    return kept;
  }
}

export interface LoginThrottleOptions {
  now?: () => number;
  /** Failures of one username from one address within a minute before that pair must wait. */
  perPair?: number;
  /** Failures from one address (any usernames) within a minute before it must wait. */
  perAddress?: number;
  /** Failures of one username (any addresses) within 15 minutes after which each try waits longer. */
  perUsername?: number;
  maxKeys?: number;
}

const MINUTE = 60_000;
const USERNAME_WINDOW_MS = 15 * MINUTE;
const MAX_BACKOFF_SECONDS = 300;
/** Addresses remembered per username as having logged in successfully. */
const TRUSTED_ADDRESSES_PER_USER = 10;

/**
 * The login limits. A guesser from one address is stopped by the username+address limit without
 * locking the real user out elsewhere; guessing one username from many addresses backs off per
 * username (1 s, 2 s, 4 s … up to 5 min between tries), except from an address that username logged in
 * from before, which is let through; spraying many usernames from one address is limited per address.
 */
export class LoginThrottle {
  private readonly now: () => number;
  private readonly pairs: FailureLimiter;
  private readonly addresses: FailureLimiter;
  private readonly usernames: FailureLimiter;
  private readonly usernameThreshold: number;
  private readonly maxKeys: number;
  /** username → addresses it logged in from (most recent last), least recently used username first. */
  private readonly trusted = new Map<string, string[]>();

  constructor(options: LoginThrottleOptions = {}) {
    this.now = options.now ?? Date.now;
    this.maxKeys = options.maxKeys ?? 10_000;
    this.pairs = new FailureLimiter(options.perPair ?? 5, MINUTE, this.now, this.maxKeys);
    this.addresses = new FailureLimiter(options.perAddress ?? 30, MINUTE, this.now, this.maxKeys);
    this.usernameThreshold = options.perUsername ?? 10;
    // Counted up to the threshold plus the doublings that reach the cap; more would not change the wait.
    this.usernames = new FailureLimiter(
      this.usernameThreshold + 10,
      USERNAME_WINDOW_MS,
      this.now,
      this.maxKeys,
    );
  }

  /**
   * Admits one try of this username from this address, or answers how many seconds to wait. An admitted
   * try counts as a failure at once (no await between the check and the count, so tries sent in
   * parallel cannot all pass the check); `succeeded` takes it back.
   */
  admit(username: string, address: string): number {
    const pair = pairKey(username, address);
    const wait = this.isTrusted(username, address)
      ? this.pairs.retryAfterSeconds(pair)
      : Math.max(
          this.pairs.retryAfterSeconds(pair),
          this.addresses.retryAfterSeconds(address),
          this.usernameBackoff(username),
        );
    if (wait > 0) return wait;
    this.pairs.recordFailure(pair);
    this.addresses.recordFailure(address);
    this.usernames.recordFailure(username);
    return 0;
  }

  succeeded(username: string, address: string): void {
    this.pairs.reset(pairKey(username, address));
    this.addresses.forgetNewest(address);
    // The username's earlier failures stay until they expire: a guesser elsewhere must not get fresh
    // tries because the real user logged in.
    this.usernames.forgetNewest(username);
    const known = (this.trusted.get(username) ?? []).filter((each) => each !== address);
    known.push(address);
    if (known.length > TRUSTED_ADDRESSES_PER_USER) known.shift();
    this.trusted.delete(username);
    this.trusted.set(username, known);
    while (this.trusted.size > this.maxKeys) {
      const oldest = this.trusted.keys().next().value;
      if (oldest === undefined) break;
      this.trusted.delete(oldest);
    }
  }

  /** Keys held by each map (each bounded by `maxKeys`). */
  sizes(): { pairs: number; addresses: number; usernames: number; trusted: number } {
    return {
      pairs: this.pairs.size,
      addresses: this.addresses.size,
      usernames: this.usernames.size,
      trusted: this.trusted.size,
    };
  }

  private isTrusted(username: string, address: string): boolean {
    return this.trusted.get(username)?.includes(address) ?? false;
  }

  private usernameBackoff(username: string): number {
    const failures = this.usernames.count(username);
    if (failures < this.usernameThreshold) return 0;
    const last = this.usernames.lastFailure(username) ?? this.now();
    const wait = Math.min(2 ** (failures - this.usernameThreshold), MAX_BACKOFF_SECONDS);
    const left = Math.ceil((last + wait * 1000 - this.now()) / 1000);
    return Math.max(left, 0);
  }
}

const pairKey = (username: string, address: string) => `${username}\n${address}`;
