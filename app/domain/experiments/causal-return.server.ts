/**
 * The causal figure beside the attributed return (attribution-spec.md, "Return on the chat's cost"): when a holdout
 * ran in a report's range, what the chat added among its visitors over the holdout's period (incremental revenue with
 * its always-valid interval) for what the chat cost over the same days. Null without such a holdout, or without a
 * cost.
 */
import type { Shop } from "@prisma/client";
import type { DbTx } from "../../db.server";
import { formatMoney, parseMoney } from "../money";
import { chatReturnOf, type ChatCosts } from "../reports/chat-return";
import { addDays, dayInZone, reportTimezone, type Day, type ReportRange } from "../reports/date-range";
import { loadExperimentReport } from "./experiment-report.server";
import type { ExperimentWithArms } from "./experiments.server";
import type { Verdict } from "./statistics";

export interface CausalReturn {
  experimentId: string;
  experimentName: string;
  /** The holdout's measured period (ISO instants); the cost is prorated over its local days. */
  from: string;
  to: string;
  /** The chat arm's incremental net revenue and its always-valid 95 % interval, decimal strings. */
  incrementalRevenue: string;
  interval: [string, string] | null;
  verdict: Verdict;
  cost: string;
  /** Incremental revenue ÷ cost (and the interval's ends alike), to 2 places; null for a cost of 0. */
  incrementalPerCost: number | null;
  incrementalPerCostInterval: [number, number] | null;
}

type CausalShop = Pick<Shop, "id" | "domain" | "currency" | "timezone">;

export async function loadCausalReturn(
  db: DbTx,
  shop: CausalShop,
  range: Pick<ReportRange, "start" | "end">,
  costs: ChatCosts,
  now = new Date(),
): Promise<CausalReturn | null> {
  if (costs.monthly === null && costs.perConversation === null) return null;
  // The latest holdout that overlaps the range: a first arm without the chat against an arm with it.
  const candidates: ExperimentWithArms[] = await db.experiment.findMany({
    where: {
      shopId: shop.id,
      status: { in: ["RUNNING", "ENDED"] },
      startedAt: { lt: range.end },
      OR: [{ endedAt: null }, { endedAt: { gt: range.start } }],
    },
    orderBy: { startedAt: "desc" },
    include: { arms: { orderBy: { position: "asc" } } },
  });
  const holdout = candidates.find((e) => e.arms[0] && !e.arms[0].showChat && e.arms.some((arm) => arm.showChat));
  if (!holdout?.startedAt) return null;
  const report = await loadExperimentReport(db, shop, holdout, now);
  const chatArm = holdout.arms.find((arm) => arm.showChat)!;
  const comparison = report.comparisons.find((c) => c.arm === chatArm.key);
  if (!comparison?.incrementalRevenue.estimate) return null;

  const from = holdout.startedAt;
  const to = holdout.endedAt ?? now;
  const timezone = reportTimezone(shop);
  const days: Day[] = [];
  for (
    let day = dayInZone(from, timezone);
    day <= dayInZone(new Date(to.getTime() - 1), timezone);
    day = addDays(day, 1)
  )
    days.push(day);
  const conversations =
    costs.perConversation === null
      ? null
      : await db.conversation.count({ where: { shopId: shop.id, startedAt: { gte: from, lt: to } } });
  const incremental = parseMoney(comparison.incrementalRevenue.estimate) ?? 0n;
  const cost = parseMoney(chatReturnOf({ costs, days, conversations, attributedNet: 0n }).cost) ?? 0n;
  const perCost = (amount: string) =>
    cost > 0n ? Math.round((Number(parseMoney(amount) ?? 0n) / Number(cost)) * 100) / 100 : 0;
  const interval = comparison.incrementalRevenue.alwaysValid;
  return {
    experimentId: holdout.id,
    experimentName: holdout.name,
    from: from.toISOString(),
    to: to.toISOString(),
    incrementalRevenue: formatMoney(incremental),
    interval,
    verdict: comparison.verdict,
    cost: formatMoney(cost),
    incrementalPerCost: cost > 0n ? perCost(comparison.incrementalRevenue.estimate) : null,
    incrementalPerCostInterval: cost > 0n && interval ? [perCost(interval[0]), perCost(interval[1])] : null,
  };
}
