/**
 * A token bucket per key (e.g. shop + visitor), in process memory. Enough for one app server; behind several
 * servers each enforces its own share, which still bounds a runaway storefront script.
 */
export interface RateLimitOptions {
  capacity: number;
  refillPerSecond: number;
  /** Buckets idle this long are dropped, so memory stays bounded. */
  idleMs?: number;
}

export type RateDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

export class RateLimiter {
  private buckets = new Map<string, { tokens: number; updatedAt: number }>();
  constructor(private readonly options: RateLimitOptions) {}

  take(key: string, now = Date.now()): RateDecision {
    const { capacity, refillPerSecond, idleMs = 10 * 60_000 } = this.options;
    if (this.buckets.size > 50_000) {
      for (const [k, b] of this.buckets) if (now - b.updatedAt > idleMs) this.buckets.delete(k);
    }
    const bucket = this.buckets.get(key) ?? { tokens: capacity, updatedAt: now };
    bucket.tokens = Math.min(capacity, bucket.tokens + ((now - bucket.updatedAt) / 1000) * refillPerSecond);
    bucket.updatedAt = now;
    this.buckets.set(key, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { allowed: true };
    }
    return { allowed: false, retryAfterSeconds: Math.ceil((1 - bucket.tokens) / refillPerSecond) };
  }
}
