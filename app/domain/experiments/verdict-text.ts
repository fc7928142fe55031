/**
 * An experiment's comparisons in plain language, for the Experiments page: "+8.1 % revenue per visitor, 95 % CI
 * +2.3 % to +13.9 %", and what the verdict means, in the admin's language (`t`). The interval quoted is the
 * always-valid one the verdict rests on (decision 014). Pure.
 */
import type { TFunction } from "i18next";
import { formatChange } from "../../lib/format";
import type { Interval, Metric, Verdict } from "./statistics";

export function liftSentence(
  metric: Metric,
  lift: { estimate: number | null; alwaysValid: Interval | null },
  locale: string,
  t: TFunction,
): string {
  const name = t(`experiments.metric.${metric}`);
  if (lift.estimate === null) return t("experimentDetail.noLift", { metric: name });
  const change = formatChange(lift.estimate, locale);
  return lift.alwaysValid
    ? t("experimentDetail.liftInterval", {
        change,
        metric: name,
        low: formatChange(lift.alwaysValid[0], locale),
        high: formatChange(lift.alwaysValid[1], locale),
      })
    : t("experimentDetail.lift", { change, metric: name });
}

export function verdictText(verdict: Verdict, arm: string, control: string, t: TFunction): string {
  switch (verdict) {
    case "better":
      return t("experimentDetail.verdict.better", { arm, control });
    case "worse":
      return t("experimentDetail.verdict.worse", { arm, control });
    case "not-proof":
      return t("experimentDetail.verdict.notProof");
    default:
      return t("experimentDetail.verdict.inconclusive");
  }
}
