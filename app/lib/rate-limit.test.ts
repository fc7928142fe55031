import { describe, expect, it } from "vitest";
import { RateLimiter } from "./rate-limit";

describe("RateLimiter", () => {
  it("allows a burst of its capacity, then refills at its rate and says when to retry", () => {
    const limiter = new RateLimiter({ capacity: 3, refillPerSecond: 0.5 });
    const at = 1_000_000;
    expect([1, 2, 3].map(() => limiter.take("k", at).allowed)).toEqual([true, true, true]);
    expect(limiter.take("k", at)).toEqual({ allowed: false, retryAfterSeconds: 2 });
    expect(limiter.take("k", at + 2_000).allowed).toBe(true);
    expect(limiter.take("other", at).allowed).toBe(true);
  });

  it("keeps at most maxKeys buckets: a flood of made-up keys neither grows memory nor frees a limited key early", () => {
    const limiter = new RateLimiter({ capacity: 1, refillPerSecond: 0.001, maxKeys: 1_000 });
    const at = 5_000_000;
    expect(limiter.take("abuser", at).allowed).toBe(true);
    for (let i = 0; i < 999; i++) {
      limiter.take(`made-up-${i}`, at);
      // The limited key is used between the made-up ones, so it is never the least recently used.
      expect(limiter.take("abuser", at).allowed).toBe(false);
    }
    for (let i = 999; i < 100_000; i++) limiter.take(`made-up-${i}`, at);
    expect(limiter.size).toBe(1_000);
  });

  it("forgets a bucket idle past idleMs, which would be full again by then", () => {
    const limiter = new RateLimiter({ capacity: 1, refillPerSecond: 1, idleMs: 60_000 });
    expect(limiter.take("k", 0).allowed).toBe(true);
    expect(limiter.take("k", 0).allowed).toBe(false);
    expect(limiter.take("k", 120_000).allowed).toBe(true);
  });
});
