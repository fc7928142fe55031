/**
 * The statistics of an experiment, intention to treat over exposed visitors: each arm arrives as sums over its
 * visitors (so the database does the adding, whatever the traffic), each treatment arm is compared with the control
 * arm on revenue per visitor, conversion rate and average order value. Two intervals are given for every lift: the
 * fixed-horizon 95 % interval (Welch for means, the delta method for ratios), valid when read once at the planned
 * end, and an always-valid 95 % confidence sequence, valid however often it is read; verdicts rest on the second
 * (decision 014). A sample-ratio-mismatch check guards both. Pure; never throws, never answers NaN.
 */
import chisquareCdf from "@stdlib/stats-base-dists-chisquare-cdf";
import normalQuantile from "@stdlib/stats-base-dists-normal-quantile";
import tQuantile from "@stdlib/stats-base-dists-t-quantile";

/** One arm's exposed visitors, as sums over visitors i with net revenue y_i and order count o_i. */
export interface ArmSums {
  key: string;
  /** The arm's traffic weight as configured, on any positive scale. */
  weight: number;
  visitors: number;
  /** Visitors with at least one order. */
  converted: number;
  /** Σ o_i */
  orders: number;
  /** Σ y_i, net revenue in the shop's currency. */
  revenue: number;
  /** Σ y_i² */
  revenueSquares: number;
  /** Σ o_i² */
  ordersSquares: number;
  /** Σ y_i·o_i */
  revenueTimesOrders: number;
}

export type Metric = "revenuePerVisitor" | "conversionRate" | "averageOrderValue";
export const METRICS: readonly Metric[] = ["revenuePerVisitor", "conversionRate", "averageOrderValue"];

export type Interval = readonly [low: number, high: number];

export interface Estimate {
  /** The lift's point estimate; null when it cannot be computed (no visitors, a control of zero). */
  estimate: number | null;
  /** Fixed-horizon 95 % interval: valid when the experiment is read once, at its planned end. */
  interval: Interval | null;
  /** Always-valid 95 % interval: valid at every look, however many (decision 014). */
  alwaysValid: Interval | null;
}

export interface Lift {
  metric: Metric;
  control: number | null;
  treatment: number | null;
  /** treatment − control, in the metric's unit (money for revenue per visitor and AOV, a proportion for conversion). */
  absolute: Estimate;
  /** treatment ÷ control − 1. */
  relative: Estimate;
}

export type Verdict = "better" | "worse" | "inconclusive" | "not-proof";

export interface ArmComparison {
  arm: string;
  lifts: Lift[];
  /**
   * On the primary metric's relative lift: better or worse when its always-valid interval excludes 0; not-proof when
   * the split failed the sample-ratio check (whatever the interval says); inconclusive otherwise.
   */
  verdict: Verdict;
}

export interface ArmFigures {
  key: string;
  visitors: number;
  converted: number;
  orders: number;
  revenue: number;
  revenuePerVisitor: number | null;
  conversionRate: number | null;
  averageOrderValue: number | null;
  /** The arm's share of exposed visitors, and the share its weight asked for. */
  share: number | null;
  expectedShare: number;
}

export interface SampleRatioCheck {
  /** Null when an arm of weight 0 has visitors: no split explains that. */
  chiSquare: number | null;
  degreesOfFreedom: number;
  pValue: number;
  /** True when the split is too unlikely under the weights to be chance (p < SRM_THRESHOLD). */
  mismatch: boolean;
}

export interface ExperimentAnalysis {
  control: string;
  primaryMetric: Metric;
  arms: ArmFigures[];
  comparisons: ArmComparison[];
  sampleRatio: SampleRatioCheck | null;
}

export const CONFIDENCE = 0.95;
const ALPHA = 1 - CONFIDENCE;
/** The usual threshold for a sample-ratio mismatch: strict, because the check runs at every look. */
export const SRM_THRESHOLD = 0.001;
/**
 * The confidence sequence is tightest near this many exposed visitors in a comparison (both arms); it is valid at
 * every size (decision 014).
 */
export const TUNED_FOR_VISITORS = 10_000;

interface MetricEstimate {
  value: number;
  /** Variance of the estimator. */
  variance: number;
  /** Degrees of freedom for a Welch interval; null for a ratio estimated by the delta method. */
  degreesOfFreedom: number | null;
}

const sampleVariance = (n: number, sum: number, squares: number) =>
  n > 1 ? Math.max(0, (squares - (sum * sum) / n) / (n - 1)) : 0;
const sampleCovariance = (n: number, sumX: number, sumY: number, products: number) =>
  n > 1 ? (products - (sumX * sumY) / n) / (n - 1) : 0;

/** A metric of one arm with the variance of its estimate, or null when the arm cannot estimate it. */
function estimateOf(arm: ArmSums, metric: Metric): MetricEstimate | null {
  const n = arm.visitors;
  if (n < 2) return null;
  if (metric === "revenuePerVisitor") {
    return {
      value: arm.revenue / n,
      variance: sampleVariance(n, arm.revenue, arm.revenueSquares) / n,
      degreesOfFreedom: n - 1,
    };
  }
  if (metric === "conversionRate") {
    // An indicator's squares are itself.
    return {
      value: arm.converted / n,
      variance: sampleVariance(n, arm.converted, arm.converted) / n,
      degreesOfFreedom: n - 1,
    };
  }
  if (arm.orders <= 0) return null;
  // AOV = Σy / Σo, a ratio of two means over the same visitors: delta method.
  const ratio = arm.revenue / arm.orders;
  const ordersMean = arm.orders / n;
  const varianceY = sampleVariance(n, arm.revenue, arm.revenueSquares);
  const varianceO = sampleVariance(n, arm.orders, arm.ordersSquares);
  const covariance = sampleCovariance(n, arm.revenue, arm.orders, arm.revenueTimesOrders);
  const variance = Math.max(0, varianceY - 2 * ratio * covariance + ratio * ratio * varianceO) / (n * ordersMean ** 2);
  return { value: ratio, variance, degreesOfFreedom: null };
}

const around = (center: number, half: number): Interval | null =>
  Number.isFinite(center) && Number.isFinite(half) ? [center - half, center + half] : null;

/** Welch–Satterthwaite degrees of freedom for the difference of two means. */
function welchDegreesOfFreedom(t: MetricEstimate, c: MetricEstimate): number | null {
  if (t.degreesOfFreedom === null || c.degreesOfFreedom === null) return null;
  const denominator = t.variance ** 2 / t.degreesOfFreedom + c.variance ** 2 / c.degreesOfFreedom;
  return denominator > 0 ? (t.variance + c.variance) ** 2 / denominator : null;
}

/** The two-sided critical value: Student's t with Welch's degrees of freedom, else the normal. */
function criticalValue(degreesOfFreedom: number | null): number {
  const p = 1 - ALPHA / 2;
  return degreesOfFreedom !== null && Number.isFinite(degreesOfFreedom)
    ? tQuantile(p, degreesOfFreedom)
    : normalQuantile(p, 0, 1);
}

/**
 * Half-width of the always-valid interval for an estimator of variance `variance` after `observations` units: the
 * asymptotic confidence sequence with a normal mixture (Waudby-Smith et al., "Time-uniform central limit theory and
 * asymptotic confidence sequences", 2021), written with the estimator's variance σ̂²/t; ρ² tuned for `tunedFor` units
 * by the paper's approximation (2·ln(1/α) + ln(2·ln(1/α) + 1)) / t*.
 */
export function alwaysValidHalfWidth(variance: number, observations: number, tunedFor = TUNED_FOR_VISITORS): number {
  const logInverseAlpha = -Math.log(ALPHA);
  const rhoSquared = (2 * logInverseAlpha + Math.log(2 * logInverseAlpha + 1)) / tunedFor;
  const r = observations * rhoSquared;
  return Math.sqrt(((variance * 2 * (r + 1)) / r) * Math.log(Math.sqrt(r + 1) / ALPHA));
}

function compare(treatment: ArmSums, control: ArmSums, metric: Metric, tunedFor: number): Lift {
  const t = estimateOf(treatment, metric);
  const c = estimateOf(control, metric);
  const none: Estimate = { estimate: null, interval: null, alwaysValid: null };
  if (!t || !c) {
    return { metric, control: c?.value ?? null, treatment: t?.value ?? null, absolute: none, relative: none };
  }
  const observations = treatment.visitors + control.visitors;
  const difference = t.value - c.value;
  const differenceVariance = t.variance + c.variance;
  const absolute: Estimate = {
    estimate: difference,
    interval: around(difference, criticalValue(welchDegreesOfFreedom(t, c)) * Math.sqrt(differenceVariance)),
    alwaysValid: around(difference, alwaysValidHalfWidth(differenceVariance, observations, tunedFor)),
  };
  let relative = none;
  // Delta method for the ratio of two independent estimates (none for a control of 0, or one too small to divide by).
  const ratio = t.value / c.value;
  const ratioVariance = t.variance / c.value ** 2 + (t.value ** 2 * c.variance) / c.value ** 4;
  if (Number.isFinite(ratio) && Number.isFinite(ratioVariance)) {
    relative = {
      estimate: ratio - 1,
      interval: around(ratio - 1, criticalValue(null) * Math.sqrt(ratioVariance)),
      alwaysValid: around(ratio - 1, alwaysValidHalfWidth(ratioVariance, observations, tunedFor)),
    };
  }
  return { metric, control: c.value, treatment: t.value, absolute, relative };
}

/** Chi-square goodness of fit of the visitors each arm got against the weights it asked for. */
export function sampleRatioCheck(arms: Pick<ArmSums, "visitors" | "weight">[]): SampleRatioCheck | null {
  const total = arms.reduce((sum, arm) => sum + arm.visitors, 0);
  const weights = arms.reduce((sum, arm) => sum + arm.weight, 0);
  if (arms.length < 2 || total === 0 || !(weights > 0)) return null;
  let chiSquare = 0;
  for (const arm of arms) {
    const expected = (total * arm.weight) / weights;
    if (expected > 0) chiSquare += (arm.visitors - expected) ** 2 / expected;
    else if (arm.visitors > 0) chiSquare = Number.POSITIVE_INFINITY; // visitors in an arm of weight 0
  }
  const degreesOfFreedom = arms.length - 1;
  if (!Number.isFinite(chiSquare)) return { chiSquare: null, degreesOfFreedom, pValue: 0, mismatch: true };
  const pValue = 1 - chisquareCdf(chiSquare, degreesOfFreedom);
  return { chiSquare, degreesOfFreedom, pValue, mismatch: pValue < SRM_THRESHOLD };
}

function verdictOf(lift: Lift | undefined, sampleRatio: SampleRatioCheck | null): Verdict {
  if (sampleRatio?.mismatch) return "not-proof";
  const interval = lift?.relative.alwaysValid ?? lift?.absolute.alwaysValid;
  if (!interval) return "inconclusive";
  if (interval[0] > 0) return "better";
  if (interval[1] < 0) return "worse";
  return "inconclusive";
}

export interface AnalysisInput {
  arms: ArmSums[];
  control: string;
  primaryMetric?: Metric;
  /** Where the always-valid interval is tightest: the comparison's planned visitors, if the plan says. */
  tunedForVisitors?: number;
}

export function analyzeExperiment(input: AnalysisInput): ExperimentAnalysis {
  const primaryMetric = input.primaryMetric ?? "revenuePerVisitor";
  const tunedFor = input.tunedForVisitors && input.tunedForVisitors > 0 ? input.tunedForVisitors : TUNED_FOR_VISITORS;
  const control = input.arms.find((arm) => arm.key === input.control);
  const totalVisitors = input.arms.reduce((sum, arm) => sum + arm.visitors, 0);
  const totalWeight = input.arms.reduce((sum, arm) => sum + Math.max(0, arm.weight), 0);
  const sampleRatio = sampleRatioCheck(input.arms);
  const arms = input.arms.map(
    (arm): ArmFigures => ({
      key: arm.key,
      visitors: arm.visitors,
      converted: arm.converted,
      orders: arm.orders,
      revenue: arm.revenue,
      revenuePerVisitor: arm.visitors > 0 ? arm.revenue / arm.visitors : null,
      conversionRate: arm.visitors > 0 ? arm.converted / arm.visitors : null,
      averageOrderValue: arm.orders > 0 ? arm.revenue / arm.orders : null,
      share: totalVisitors > 0 ? arm.visitors / totalVisitors : null,
      expectedShare: totalWeight > 0 ? Math.max(0, arm.weight) / totalWeight : 0,
    }),
  );
  const comparisons = control
    ? input.arms
        .filter((arm) => arm !== control)
        .map((arm): ArmComparison => {
          const lifts = METRICS.map((metric) => compare(arm, control, metric, tunedFor));
          return {
            arm: arm.key,
            lifts,
            verdict: verdictOf(
              lifts.find((lift) => lift.metric === primaryMetric),
              sampleRatio,
            ),
          };
        })
    : [];
  return { control: input.control, primaryMetric, arms, comparisons, sampleRatio };
}
