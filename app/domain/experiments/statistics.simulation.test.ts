/**
 * The statistics checked by simulation: seeded experiments with a known truth run through analyzeExperiment. Shoppers
 * convert at 5 %, one in ten converters orders twice, orders are worth a log-normal amount (median about 55, mean
 * about 65). The figures these tests print are the ones the README quotes.
 */
import binomial from "@stdlib/random-base-binomial";
import lognormal from "@stdlib/random-base-lognormal";
import { describe, expect, it } from "vitest";
import { type ArmSums, analyzeExperiment, type Interval } from "./statistics";

const CONVERSION = 0.05;
const REPEAT = 0.1;
const VALUE = { mu: 4, sigma: 0.6 };
const MEAN_VALUE = Math.exp(VALUE.mu + VALUE.sigma ** 2 / 2);
/** Expected revenue of a visitor who converts. */
const PER_CONVERTER = (1 + REPEAT) * MEAN_VALUE;

function simulator(seed: number) {
  const draw = binomial.factory({ seed });
  const value = lognormal.factory(VALUE.mu, VALUE.sigma, { seed: seed + 1 });
  /** An arm of `visitors` visitors converting at `conversion`, as the database would sum it. */
  const arm = (key: string, weight: number, visitors: number, conversion: number): ArmSums => {
    const sums: ArmSums = {
      key,
      weight,
      visitors,
      converted: visitors > 0 ? draw(visitors, conversion) : 0,
      orders: 0,
      revenue: 0,
      revenueSquares: 0,
      ordersSquares: 0,
      revenueTimesOrders: 0,
    };
    for (let i = 0; i < sums.converted; i++) {
      const orders = draw(1, REPEAT) + 1;
      let revenue = 0;
      for (let o = 0; o < orders; o++) revenue += value();
      sums.orders += orders;
      sums.revenue += revenue;
      sums.revenueSquares += revenue * revenue;
      sums.ordersSquares += orders * orders;
      sums.revenueTimesOrders += revenue * orders;
    }
    return sums;
  };
  /** Visitors split at random between control and treatment by weight, as the embed's hash would. */
  const split = (total: number, treatmentShare: number) => {
    const treatment = draw(total, treatmentShare);
    return { control: total - treatment, treatment };
  };
  const add = (a: ArmSums, b: ArmSums): ArmSums => ({
    key: a.key,
    weight: a.weight,
    visitors: a.visitors + b.visitors,
    converted: a.converted + b.converted,
    orders: a.orders + b.orders,
    revenue: a.revenue + b.revenue,
    revenueSquares: a.revenueSquares + b.revenueSquares,
    ordersSquares: a.ordersSquares + b.ordersSquares,
    revenueTimesOrders: a.revenueTimesOrders + b.revenueTimesOrders,
  });
  return { arm, split, add };
}

const covers = (interval: Interval | null, truth: number) =>
  interval !== null && interval[0] <= truth && truth <= interval[1];
const excludesZero = (interval: Interval | null) => interval !== null && (interval[0] > 0 || interval[1] < 0);
const percent = (count: number, of: number) => `${((100 * count) / of).toFixed(1)} %`;

describe("statistics by simulation (seeded)", () => {
  it("with a true lift of +10 % revenue per visitor, the 95 % intervals cover the truth in 93–97 % of 1,000 runs", () => {
    const { arm, split } = simulator(20261206);
    const treated = CONVERSION * 1.1;
    const truth = {
      revenuePerVisitor: (treated - CONVERSION) * PER_CONVERTER,
      relative: 0.1,
      conversionRate: treated - CONVERSION,
      averageOrderValue: 0,
    };
    const covered = { revenuePerVisitor: 0, relative: 0, conversionRate: 0, averageOrderValue: 0 };
    const runs = 1_000;
    for (let run = 0; run < runs; run++) {
      const visitors = split(8_000, 0.5);
      const analysis = analyzeExperiment({
        arms: [arm("holdout", 1, visitors.control, CONVERSION), arm("chat", 1, visitors.treatment, treated)],
        control: "holdout",
      });
      const lift = (metric: string) => analysis.comparisons[0].lifts.find((l) => l.metric === metric)!;
      if (covers(lift("revenuePerVisitor").absolute.interval, truth.revenuePerVisitor)) covered.revenuePerVisitor++;
      if (covers(lift("revenuePerVisitor").relative.interval, truth.relative)) covered.relative++;
      if (covers(lift("conversionRate").absolute.interval, truth.conversionRate)) covered.conversionRate++;
      if (covers(lift("averageOrderValue").absolute.interval, truth.averageOrderValue)) covered.averageOrderValue++;
    }
    console.info(
      `coverage of 95 % intervals in ${runs} runs: revenue per visitor ${percent(covered.revenuePerVisitor, runs)}, ` +
        `relative ${percent(covered.relative, runs)}, conversion ${percent(covered.conversionRate, runs)}, ` +
        `AOV ${percent(covered.averageOrderValue, runs)}`,
    );
    for (const count of Object.values(covered)) {
      expect(count / runs).toBeGreaterThanOrEqual(0.93);
      expect(count / runs).toBeLessThanOrEqual(0.97);
    }
  });

  it("in A/A runs the fixed interval excludes 0 in 3–7 % of 1,000 runs, and the split check stays quiet", () => {
    const { arm, split } = simulator(7_070);
    let falsePositives = 0;
    let mismatches = 0;
    const runs = 1_000;
    for (let run = 0; run < runs; run++) {
      const visitors = split(8_000, 0.5);
      const analysis = analyzeExperiment({
        arms: [arm("a", 1, visitors.control, CONVERSION), arm("b", 1, visitors.treatment, CONVERSION)],
        control: "a",
      });
      if (excludesZero(analysis.comparisons[0].lifts[0].absolute.interval)) falsePositives++;
      if (analysis.sampleRatio?.mismatch) mismatches++;
    }
    console.info(
      `A/A in ${runs} runs: fixed interval excludes 0 in ${percent(falsePositives, runs)}; split check fires in ` +
        `${percent(mismatches, runs)}`,
    );
    expect(falsePositives / runs).toBeGreaterThanOrEqual(0.03);
    expect(falsePositives / runs).toBeLessThanOrEqual(0.07);
    expect(mismatches / runs).toBeLessThanOrEqual(0.01);
  });

  it("a broken split (one arm loses a tenth of its exposures) trips the split check and is never called proof", () => {
    const { arm, split } = simulator(404);
    let mismatches = 0;
    let notProof = 0;
    const runs = 200;
    for (let run = 0; run < runs; run++) {
      const visitors = split(20_000, 0.5);
      const analysis = analyzeExperiment({
        arms: [
          arm("holdout", 1, visitors.control, CONVERSION),
          arm("chat", 1, Math.round(visitors.treatment * 0.9), CONVERSION * 1.3),
        ],
        control: "holdout",
      });
      if (analysis.sampleRatio?.mismatch) mismatches++;
      if (analysis.comparisons[0].verdict === "not-proof") notProof++;
    }
    console.info(`broken split in ${runs} runs: split check fires in ${percent(mismatches, runs)}`);
    expect(mismatches / runs).toBeGreaterThanOrEqual(0.99);
    // The treatment's conversion is 30 % higher, but a run whose split fails is never presented as proof.
    expect(notProof).toBe(mismatches);
  });

  it("looking every day for 30 days: the always-valid interval stays valid where the fixed one does not", () => {
    const { arm, add } = simulator(3_030);
    const runs = 200;
    const days = 30;
    const perArmPerDay = 300;
    let everFixed = 0;
    let everAlwaysValid = 0;
    let missedTruth = 0;
    const lift = 0.1;
    for (let run = 0; run < runs; run++) {
      // A/A: the same arms every day; did any day's look call a difference?
      let a = arm("a", 1, 0, CONVERSION);
      let b = arm("b", 1, 0, CONVERSION);
      let fixedFired = false;
      let alwaysValidFired = false;
      // With a true +10 % lift: does the always-valid interval hold the truth at every look at once?
      let control = arm("holdout", 1, 0, CONVERSION);
      let chat = arm("chat", 1, 0, CONVERSION * (1 + lift));
      let missed = false;
      for (let day = 0; day < days; day++) {
        a = add(a, arm("a", 1, perArmPerDay, CONVERSION));
        b = add(b, arm("b", 1, perArmPerDay, CONVERSION));
        const aa = analyzeExperiment({ arms: [a, b], control: "a" }).comparisons[0].lifts[0];
        fixedFired ||= excludesZero(aa.absolute.interval);
        alwaysValidFired ||= excludesZero(aa.absolute.alwaysValid);
        control = add(control, arm("holdout", 1, perArmPerDay, CONVERSION));
        chat = add(chat, arm("chat", 1, perArmPerDay, CONVERSION * (1 + lift)));
        const treated = analyzeExperiment({ arms: [control, chat], control: "holdout" }).comparisons[0].lifts[0];
        missed ||= !covers(treated.relative.alwaysValid, lift);
      }
      if (fixedFired) everFixed++;
      if (alwaysValidFired) everAlwaysValid++;
      if (missed) missedTruth++;
    }
    console.info(
      `${runs} A/A runs read daily for ${days} days: fixed interval ever excludes 0 in ${percent(everFixed, runs)}, ` +
        `always-valid in ${percent(everAlwaysValid, runs)}; with a +10 % lift the always-valid interval misses it ` +
        `at some look in ${percent(missedTruth, runs)}`,
    );
    expect(everAlwaysValid / runs).toBeLessThanOrEqual(0.05);
    expect(missedTruth / runs).toBeLessThanOrEqual(0.05);
    expect(everFixed / runs).toBeGreaterThan(0.1);
  });
});
