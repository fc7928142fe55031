/**
 * An experiment's comparisons in plain language, for the Experiments page: "+8.1 % revenue per visitor, 95 % CI
 * +2.3 % to +13.9 %", and what the verdict means. The interval quoted is the always-valid one the verdict rests on
 * (decision 014). Pure.
 */
import { formatChange } from "../../lib/format";
import type { Interval, Metric, Verdict } from "./statistics";

export const METRIC_LABEL: Record<Metric, string> = {
  revenuePerVisitor: "revenue per visitor",
  conversionRate: "conversion rate",
  averageOrderValue: "average order value",
};

export function liftSentence(
  metric: Metric,
  lift: { estimate: number | null; alwaysValid: Interval | null },
  locale: string,
): string {
  if (lift.estimate === null) return `No ${METRIC_LABEL[metric]} lift yet: the control arm has nothing to compare with`;
  const interval = lift.alwaysValid
    ? `, 95 % CI ${formatChange(lift.alwaysValid[0], locale)} to ${formatChange(lift.alwaysValid[1], locale)}`
    : "";
  return `${formatChange(lift.estimate, locale)} ${METRIC_LABEL[metric]}${interval}`;
}

export function verdictText(verdict: Verdict, arm: string, control: string): string {
  switch (verdict) {
    case "better":
      return `${arm} does better than ${control}: the interval lies wholly above zero, and stays valid however often you look.`;
    case "worse":
      return `${arm} does worse than ${control}: the interval lies wholly below zero.`;
    case "not-proof":
      return `The split of visitors does not match the weights (sample-ratio mismatch), so this lift is not proof of anything. Check how the storefront assigns visitors before reading it.`;
    default:
      return `Not yet conclusive: the interval still includes zero. Keep the experiment running; you may look every day.`;
  }
}
