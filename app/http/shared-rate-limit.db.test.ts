import { describe, expect, it } from "vitest";
import { prisma } from "../db.server";
import { SharedRateLimit } from "./shared-rate-limit.server";

describe("a rate limit shared through the database", () => {
  it("holds a key to its limit across instances, each with its own local filter, and keeps keys apart", async () => {
    const limit = { name: "test-shared", points: 5, perSeconds: 60 };
    // Three app instances: three local buckets, one table.
    const instances = [new SharedRateLimit(limit), new SharedRateLimit(limit), new SharedRateLimit(limit)];
    const decisions = [];
    for (let i = 0; i < 12; i++) decisions.push(await instances[i % 3].take("shop-a:visitor-1"));
    expect(decisions.filter((decision) => decision.allowed)).toHaveLength(5);
    expect(decisions.slice(0, 5).every((decision) => decision.allowed)).toBe(true);
    for (const refused of decisions.slice(5)) {
      expect(refused.allowed).toBe(false);
      if (!refused.allowed) expect(refused.retryAfterSeconds).toBeGreaterThan(0);
      if (!refused.allowed) expect(refused.retryAfterSeconds).toBeLessThanOrEqual(60);
    }
    // Another visitor, and the same visitor under another limit, have their own counts.
    expect(await instances[0].take("shop-a:visitor-2")).toEqual({ allowed: true });
    expect(await new SharedRateLimit({ ...limit, name: "test-other" }).take("shop-a:visitor-1")).toEqual({
      allowed: true,
    });
    // Every ask that passed a local filter was counted, the refused ones too.
    expect(await prisma.rateLimit.findUniqueOrThrow({ where: { key: "test-shared:shop-a:visitor-1" } })).toMatchObject({
      points: 12,
    });
  });

  it("starts a key's window again once it has passed", async () => {
    const limit = new SharedRateLimit({ name: "test-window", points: 2, perSeconds: 1 });
    expect((await limit.take("k")).allowed).toBe(true);
    expect((await limit.take("k")).allowed).toBe(true);
    expect((await limit.take("k")).allowed).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    expect((await limit.take("k")).allowed).toBe(true);
  });
});
