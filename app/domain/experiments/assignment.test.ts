import { randomUUID } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { armOfBucket, assignedArm, BUCKETS, bucketOf } from "./assignment";
import { sampleRatioCheck } from "./statistics";

describe("bucketOf", () => {
  it("is the same for the same experiment and visitor, and always a bucket", () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (experiment, visitor) => {
        const bucket = bucketOf(experiment, visitor);
        expect(bucketOf(experiment, visitor)).toBe(bucket);
        expect(Number.isInteger(bucket) && bucket >= 0 && bucket < BUCKETS).toBe(true);
      }),
    );
  });

  it("gives the known answers of the algorithm (checked against a separate implementation), which the embed's copy must give", () => {
    expect([
      bucketOf("", ""),
      bucketOf("a", "b"),
      bucketOf("exp", "visitor"),
      bucketOf("01938a6e-0000-7000-8000-000000000001", "v_3f9c1a"),
    ]).toEqual([9405, 9259, 898, 2363]);
  });
});

describe("assignedArm", () => {
  const arms = [
    { key: "chat", weight: 90 },
    { key: "holdout", weight: 10 },
  ];

  it("splits 40,000 random visitors as the weights say (the split check sees no mismatch)", () => {
    const experiment = randomUUID();
    const counts = new Map(arms.map((arm) => [arm.key, 0]));
    for (let i = 0; i < 40_000; i++) {
      const arm = assignedArm(experiment, arms, randomUUID());
      counts.set(arm.key, counts.get(arm.key)! + 1);
    }
    const check = sampleRatioCheck(arms.map((arm) => ({ weight: arm.weight, visitors: counts.get(arm.key)! })))!;
    expect(check.mismatch).toBe(false);
  });

  it("assigns a visitor's arms in two experiments independently", () => {
    const [first, second] = [randomUUID(), randomUUID()];
    const half = [
      { key: "a", weight: 50 },
      { key: "b", weight: 50 },
    ];
    const together = { aa: 0, ab: 0, ba: 0, bb: 0 };
    for (let i = 0; i < 20_000; i++) {
      const visitor = randomUUID();
      const pair =
        `${assignedArm(first, half, visitor).key}${assignedArm(second, half, visitor).key}` as keyof typeof together;
      together[pair]++;
    }
    // Independent: each of the four pairs takes about a quarter (chi-square over the four cells, 3 degrees of freedom).
    const check = sampleRatioCheck(Object.values(together).map((visitors) => ({ visitors, weight: 1 })))!;
    expect(check.mismatch).toBe(false);
  });

  it("gives every bucket to exactly one arm, in order, for weights adding up to 100", () => {
    const four = [
      { key: "a", weight: 25 },
      { key: "b", weight: 25 },
      { key: "c", weight: 40 },
      { key: "d", weight: 10 },
    ];
    expect(armOfBucket(four, 0).key).toBe("a");
    expect(armOfBucket(four, 2_499).key).toBe("a");
    expect(armOfBucket(four, 2_500).key).toBe("b");
    expect(armOfBucket(four, 8_999).key).toBe("c");
    expect(armOfBucket(four, 9_000).key).toBe("d");
    expect(armOfBucket(four, BUCKETS - 1).key).toBe("d");
  });
});
