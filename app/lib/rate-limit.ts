/**
 * A token bucket per key (e.g. shop + visitor), in process memory. Enough for one app server; behind several
 * servers each enforces its own share, which still bounds a runaway storefront script. The buckets live in an
 * LRU cache of bounded size: each take is O(1) however many keys a flood of made-up ones brings, and the bucket
 * least recently used goes first (a key idle that long is back at a full bucket anyway).
 */
import { LRUCache } from "lru-cache";

export interface RateLimitOptions {
  capacity: number;
  refillPerSecond: number;
  /** Buckets idle this long are dropped (they would be full again by then). */
  idleMs?: number;
  /** At most this many keys are tracked at once. */
  maxKeys?: number;
}

export type RateDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

interface Bucket {
  tokens: number;
  updatedAt: number;
}

export class RateLimiter {
  private readonly buckets: LRUCache<string, Bucket>;
  constructor(private readonly options: RateLimitOptions) {
    this.buckets = new LRUCache<string, Bucket>({
      max: options.maxKeys ?? 50_000,
      ttl: options.idleMs ?? 10 * 60_000,
      // Expiry is read when a bucket is looked up; nothing runs on a timer.
      ttlAutopurge: false,
    });
  }

  take(key: string, now = Date.now()): RateDecision {
    const { capacity, refillPerSecond } = this.options;
    const bucket = this.buckets.get(key) ?? { tokens: capacity, updatedAt: now };
    bucket.tokens = Math.min(capacity, bucket.tokens + (Math.max(0, now - bucket.updatedAt) / 1000) * refillPerSecond);
    bucket.updatedAt = now;
    this.buckets.set(key, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { allowed: true };
    }
    return { allowed: false, retryAfterSeconds: Math.ceil((1 - bucket.tokens) / refillPerSecond) };
  }

  /** How many keys are tracked now (bounded by maxKeys). */
  get size(): number {
    return this.buckets.size;
  }
}
