/** A token bucket: `capacity` frames at once, refilled at `perSecond`. */
export class TokenBucket {
  private tokens: number;
  private updatedAt: number;

  constructor(
    private readonly capacity: number,
    private readonly perSecond: number,
    private readonly now: () => number = Date.now,
  ) {
    this.tokens = capacity;
    this.updatedAt = now();
  }

  take(): boolean {
    const now = this.now();
    this.tokens = Math.min(this.capacity, this.tokens + ((now - this.updatedAt) / 1000) * this.perSecond);
    this.updatedAt = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

/** One bucket per user, for limits that span a user's sockets; idle users leave memory. */
export class UserBuckets {
  private readonly buckets = new Map<string, TokenBucket>();

  constructor(
    private readonly capacity: number,
    private readonly perSecond: number,
    private readonly maxUsers = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  take(userId: string): boolean {
    let bucket = this.buckets.get(userId);
    if (!bucket) {
      // A full bucket is the same as none: the oldest entries go first once the map is full.
      if (this.buckets.size >= this.maxUsers) this.buckets.delete(this.buckets.keys().next().value as string);
      bucket = new TokenBucket(this.capacity, this.perSecond, this.now);
      this.buckets.set(userId, bucket);
    }
    return bucket.take();
  }
}
