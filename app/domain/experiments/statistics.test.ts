import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type ArmSums, alwaysValidHalfWidth, analyzeExperiment, sampleRatioCheck } from "./statistics";

/** An arm's sums from its visitors' net revenue and order counts, as the database adds them. */
function armOf(key: string, weight: number, visitors: { revenue: number; orders: number }[]): ArmSums {
  const sums: ArmSums = {
    key,
    weight,
    visitors: visitors.length,
    converted: 0,
    orders: 0,
    revenue: 0,
    revenueSquares: 0,
    ordersSquares: 0,
    revenueTimesOrders: 0,
  };
  for (const { revenue, orders } of visitors) {
    sums.converted += orders > 0 ? 1 : 0;
    sums.orders += orders;
    sums.revenue += revenue;
    sums.revenueSquares += revenue * revenue;
    sums.ordersSquares += orders * orders;
    sums.revenueTimesOrders += revenue * orders;
  }
  return sums;
}

const visitors = (revenues: number[], orders: number[]) =>
  revenues.map((revenue, index) => ({ revenue, orders: orders[index] }));

describe("analyzeExperiment, computed by hand", () => {
  // Control: 4 visitors, 2 converted (50 in one order, 100 in two). Treatment: 5 visitors, 3 converted, one order each.
  const control = armOf("holdout", 50, visitors([0, 0, 50, 100], [0, 0, 1, 2]));
  const treatment = armOf("chat", 50, visitors([0, 60, 80, 0, 40], [0, 1, 1, 0, 1]));
  const analysis = analyzeExperiment({ arms: [control, treatment], control: "holdout" });
  const lift = (metric: string) => analysis.comparisons[0].lifts.find((l) => l.metric === metric)!;

  it("gives each arm's figures", () => {
    expect(analysis.arms).toEqual([
      {
        key: "holdout",
        visitors: 4,
        converted: 2,
        orders: 3,
        revenue: 150,
        revenuePerVisitor: 37.5,
        conversionRate: 0.5,
        averageOrderValue: 50,
        share: 4 / 9,
        expectedShare: 0.5,
      },
      {
        key: "chat",
        visitors: 5,
        converted: 3,
        orders: 3,
        revenue: 180,
        revenuePerVisitor: 36,
        conversionRate: 0.6,
        averageOrderValue: 60,
        share: 5 / 9,
        expectedShare: 0.5,
      },
    ]);
  });

  it("compares revenue per visitor with Welch's interval (t with Welch–Satterthwaite degrees of freedom)", () => {
    const rpv = lift("revenuePerVisitor");
    expect(rpv.absolute.estimate).toBeCloseTo(-1.5, 10);
    // s²/n: control 1875/4 = 468.75, treatment 1800/5 = 360; V = 828.9167, SE 28.7909, df 5.46208.
    const se = Math.sqrt(468.75 + 360);
    const half = rpv.absolute.interval![1] - -1.5;
    // t(0.975, 5.46) lies between t(0.975, 6) = 2.446912 and t(0.975, 5) = 2.570582.
    expect(half / se).toBeGreaterThan(2.446912);
    expect(half / se).toBeLessThan(2.570582);
    expect(rpv.absolute.interval![0]).toBeCloseTo(-1.5 - half, 10);
  });

  it("gives the relative lift by the delta method", () => {
    const relative = lift("revenuePerVisitor").relative;
    expect(relative.estimate).toBeCloseTo(-0.04, 12);
    // Var = 360/37.5² + 36²·468.75/37.5⁴ = 0.557511; half-width 1.959964·√Var = 1.463440.
    expect(relative.interval![0]).toBeCloseTo(-0.04 - 1.46344, 4);
    expect(relative.interval![1]).toBeCloseTo(-0.04 + 1.46344, 4);
  });

  it("gives AOV's variance by the delta method over visitors (zero when every order of an arm is worth the same)", () => {
    const aov = lift("averageOrderValue");
    expect(aov.control).toBe(50);
    expect(aov.treatment).toBe(60);
    expect(aov.absolute.estimate).toBe(10);
    // Treatment: s_y² = 1280, s_o² = 0.3, cov = 18, R = 60, ō = 0.6: (1280 − 2·60·18 + 60²·0.3) / (5·0.6²) = 111.11.
    // Control: 50 per order in both orders, so exactly 0. The interval is the normal one: 10 ± 1.959964·√111.11.
    expect(aov.absolute.interval![0]).toBeCloseTo(10 - 1.959964 * Math.sqrt(1000 / 9), 4);
    expect(aov.absolute.interval![1]).toBeCloseTo(10 + 1.959964 * Math.sqrt(1000 / 9), 4);
  });

  it("gives conversion's difference with the indicators' sample variance", () => {
    const conversion = lift("conversionRate");
    expect(conversion.absolute.estimate).toBeCloseTo(0.1, 12);
    const se = Math.sqrt(1 / 3 / 4 + 0.3 / 5);
    const half = conversion.absolute.interval![1] - 0.1;
    expect(half / se).toBeGreaterThan(2.4);
    expect(half / se).toBeLessThan(2.6);
  });

  it("checks the split: 4 against 5 at 50/50 is chance", () => {
    expect(analysis.sampleRatio!.chiSquare).toBeCloseTo(1 / 9, 12);
    expect(analysis.sampleRatio!.degreesOfFreedom).toBe(1);
    expect(analysis.sampleRatio!.pValue).toBeCloseTo(0.738883, 5);
    expect(analysis.sampleRatio!.mismatch).toBe(false);
  });

  it("is inconclusive on so little", () => {
    expect(analysis.comparisons[0].verdict).toBe("inconclusive");
  });
});

describe("the always-valid interval", () => {
  it("is wider than the fixed one at every size, and narrows as visitors come", () => {
    let previous = Number.POSITIVE_INFINITY;
    for (const n of [100, 1_000, 10_000, 100_000, 1_000_000]) {
      const variance = 400 / n;
      const half = alwaysValidHalfWidth(variance, n);
      expect(half).toBeGreaterThan(1.959964 * Math.sqrt(variance));
      expect(half).toBeLessThan(previous);
      previous = half;
    }
  });

  it("is tightest, relative to the fixed interval, near the size it is tuned for", () => {
    const ratio = (n: number, tunedFor: number) => alwaysValidHalfWidth(1 / n, n, tunedFor) / (1.959964 / Math.sqrt(n));
    expect(ratio(10_000, 10_000)).toBeLessThan(ratio(10_000, 1_000));
    expect(ratio(10_000, 10_000)).toBeLessThan(ratio(10_000, 100_000));
    // At the tuned size r = tρ² = 2·ln 20 + ln(2·ln 20 + 1) = 7.93: √(2·8.93/7.93 · ln(√8.93 / 0.05)) / 1.96 = 1.55.
    expect(ratio(10_000, 10_000)).toBeCloseTo(1.55, 2);
  });
});

describe("sampleRatioCheck", () => {
  it("flags a split the weights cannot explain", () => {
    const check = sampleRatioCheck([
      { visitors: 10_400, weight: 1 },
      { visitors: 9_600, weight: 1 },
    ])!;
    expect(check.chiSquare).toBeCloseTo(32, 10);
    expect(check.pValue).toBeLessThan(1e-7);
    expect(check.mismatch).toBe(true);
  });

  it("reads weights on any scale, with more than two arms", () => {
    const check = sampleRatioCheck([
      { visitors: 900, weight: 90 },
      { visitors: 50, weight: 5 },
      { visitors: 50, weight: 5 },
    ])!;
    expect(check.chiSquare).toBe(0);
    expect(check.degreesOfFreedom).toBe(2);
    expect(check.pValue).toBe(1);
  });

  it("flags visitors in an arm of weight 0, and says nothing without visitors", () => {
    expect(
      sampleRatioCheck([
        { visitors: 10, weight: 1 },
        { visitors: 1, weight: 0 },
      ])!.mismatch,
    ).toBe(true);
    expect(
      sampleRatioCheck([
        { visitors: 0, weight: 1 },
        { visitors: 0, weight: 1 },
      ]),
    ).toBeNull();
  });

  it("makes the verdict not-proof whatever the lift says", () => {
    const control = armOf(
      "control",
      1,
      Array.from({ length: 2_000 }, () => ({ revenue: 0, orders: 0 })),
    );
    const treatment = armOf(
      "chat",
      1,
      Array.from({ length: 3_000 }, (_, i) => ({ revenue: i % 2 ? 100 : 0, orders: i % 2 })),
    );
    const analysis = analyzeExperiment({ arms: [control, treatment], control: "control" });
    expect(analysis.sampleRatio!.mismatch).toBe(true);
    expect(analysis.comparisons[0].verdict).toBe("not-proof");
  });
});

describe("analyzeExperiment is total", () => {
  // Net revenue in cents, only with orders (a refund can take it to 0, never below).
  const visitor = fc.oneof(
    fc.constant({ revenue: 0, orders: 0 }),
    fc.record({
      revenue: fc.integer({ min: 0, max: 100_000_000 }).map((cents) => cents / 100),
      orders: fc.integer({ min: 1, max: 5 }),
    }),
  );
  const arm = (key: string) =>
    fc
      .tuple(fc.array(visitor, { maxLength: 30 }), fc.double({ min: 0, max: 100, noNaN: true }))
      .map(([people, weight]) => armOf(key, weight, people));

  it("never throws and never answers NaN, whatever the arms", () => {
    fc.assert(
      fc.property(fc.tuple(arm("control"), arm("b"), arm("c")), ([control, b, c]) => {
        const analysis = analyzeExperiment({ arms: [control, b, c], control: "control" });
        const numbers: number[] = [];
        JSON.stringify(analysis, (_, value) => {
          if (typeof value === "number") numbers.push(value);
          return value;
        });
        expect(numbers.every(Number.isFinite)).toBe(true);
        expect(JSON.stringify(analysis)).not.toMatch(/NaN/);
        expect(analysis.comparisons.map((comparison) => comparison.arm)).toEqual(["b", "c"]);
        for (const comparison of analysis.comparisons) {
          for (const lift of comparison.lifts) {
            for (const estimate of [lift.absolute, lift.relative]) {
              if (estimate.interval) {
                expect(estimate.interval[0]).toBeLessThanOrEqual(estimate.estimate!);
                expect(estimate.interval[1]).toBeGreaterThanOrEqual(estimate.estimate!);
                expect(estimate.alwaysValid![0]).toBeLessThanOrEqual(estimate.interval[0] + 1e-9);
                expect(estimate.alwaysValid![1]).toBeGreaterThanOrEqual(estimate.interval[1] - 1e-9);
              }
            }
          }
        }
      }),
      { numRuns: 500 },
    );
  });

  it("compares nothing when the control arm is missing", () => {
    const analysis = analyzeExperiment({ arms: [armOf("b", 1, [])], control: "control" });
    expect(analysis.comparisons).toEqual([]);
  });
});
