/**
 * An experiment end to end in the database: exposures through the real event ingest (the arm recomputed, a forged
 * arm or a stopped experiment refused), orders stamped as Shopify stores them, and the report's figures against a
 * hand computation of the per-visitor sums.
 */
import type { Shop } from "@prisma/client";
import { randomUUID } from "node:crypto";
import tQuantile from "@stdlib/stats-base-dists-t-quantile";
import { beforeEach, describe, expect, it } from "vitest";
import { createOrder, createReportShop } from "../../../test/report-fixtures";
import { prisma } from "../../db.server";
import { parseEventBatch } from "../events/event-schema";
import { recordEventBatch } from "../events/record-events.server";
import { assignedArm } from "./assignment";
import { CHAT_ARM_KEY } from "../orders/order-payload";
import { loadExperimentReport } from "./experiment-report.server";
import { experimentPlanSchema } from "./experiment-plan";
import {
  createExperiment,
  endExperiment,
  ExperimentStateError,
  findExperiment,
  startExperiment,
  type ExperimentWithArms,
} from "./experiments.server";
import { analyzeExperiment, type ArmSums } from "./statistics";
import { loadCausalReturn } from "./causal-return.server";
import { parseMoney } from "../money";

const NOW = new Date("2026-12-06T12:00:00Z");
const START = new Date("2026-12-04T09:00:00Z");
const minutesAfterStart = (minutes: number) => new Date(START.getTime() + minutes * 60_000).toISOString();

function exposures(experimentId: string, items: { visitor: string; arm: string; minutes: number }[]) {
  const parsed = parseEventBatch(
    {
      events: items.map((item) => ({
        id: randomUUID(),
        type: "exposure",
        experimentId,
        arm: item.arm,
        visitorId: item.visitor,
        occurredAt: minutesAfterStart(item.minutes),
      })),
    },
    { now: NOW, requireVisitorId: true, allowRawEmail: false },
  );
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return parsed.events;
}

/** The first `count` visitor keys the hash puts in each arm. */
function visitorsIn(experiment: ExperimentWithArms, count: number): Record<string, string[]> {
  const byArm: Record<string, string[]> = Object.fromEntries(experiment.arms.map((arm) => [arm.key, []]));
  for (let n = 0; Object.values(byArm).some((keys) => keys.length < count); n++) {
    const key = `visitor-${n}`;
    const arm = assignedArm(experiment.id, experiment.arms, key).key;
    if (byArm[arm].length < count) byArm[arm].push(key);
  }
  return byArm;
}

let shop: Shop;
let experiment: ExperimentWithArms;

beforeEach(async () => {
  shop = await createReportShop({ timezone: "Europe/Berlin" });
  const plan = experimentPlanSchema.parse({
    name: "Holdout",
    arms: [
      { name: "No chat", weight: 50, showChat: false },
      { name: "Chat", weight: 50, showChat: true },
    ],
  });
  const draft = await createExperiment(prisma, shop, plan);
  await startExperiment(prisma, shop.id, draft.id, START);
  experiment = (await findExperiment(prisma, shop.id, draft.id))!;
});

const ingest = (events: ReturnType<typeof exposures>, receivedAt = NOW) =>
  recordEventBatch(prisma, shop, events, { source: "STOREFRONT", receivedAt });

describe("exposures", () => {
  it("stores one exposure per visitor in the arm the app computes, and refuses a forged arm", async () => {
    const [visitor] = visitorsIn(experiment, 1)["no-chat"];
    const summary = await ingest(
      exposures(experiment.id, [
        { visitor, arm: "no-chat", minutes: 2870 },
        { visitor, arm: "no-chat", minutes: 2875 },
        { visitor, arm: "chat", minutes: 2876 },
      ]),
    );
    expect(summary.accepted).toBe(2);
    expect(summary.rejected).toEqual([
      expect.objectContaining({
        index: 2,
        reason: `visitor ${visitor} is in arm no-chat of this experiment, not chat`,
      }),
    ]);
    const rows = await prisma.exposure.findMany({ where: { experimentId: experiment.id } });
    expect(rows).toHaveLength(1);
    expect(rows[0].arm).toBe("no-chat");
  });

  it("refuses an exposure to another shop's experiment, or to one that is not running", async () => {
    const other = await createReportShop();
    const [visitor] = visitorsIn(experiment, 1).chat;
    const summary = await recordEventBatch(
      prisma,
      other,
      exposures(experiment.id, [{ visitor, arm: "chat", minutes: 2870 }]),
      { source: "STOREFRONT", receivedAt: NOW },
    );
    expect(summary.rejected[0].reason).toBe(`experiment ${experiment.id} does not exist`);
    await endExperiment(prisma, shop.id, experiment.id, NOW);
    const late = await ingest(exposures(experiment.id, [{ visitor, arm: "chat", minutes: 2870 }]));
    expect(late.rejected[0].reason).toBe(`experiment ${experiment.id} is not running`);
    expect(await prisma.exposure.count({ where: { experimentId: experiment.id } })).toBe(0);
  });

  it("never dates an exposure before the arrival allows, nor before the start", async () => {
    const [visitor] = visitorsIn(experiment, 1).chat;
    // Claimed a day before it arrived: held to 30 minutes before arrival.
    await ingest(exposures(experiment.id, [{ visitor, arm: "chat", minutes: 10 }]), new Date(minutesAfterStart(1440)));
    const [row] = await prisma.exposure.findMany({ where: { experimentId: experiment.id } });
    expect(row.exposedAt.toISOString()).toBe(minutesAfterStart(1410));
  });

  it("allows one running experiment per shop", async () => {
    const second = await createExperiment(
      prisma,
      shop,
      experimentPlanSchema.parse({
        name: "Prompts",
        arms: [
          { name: "A", weight: 50, showChat: true, variant: "a" },
          { name: "B", weight: 50, showChat: true, variant: "b" },
        ],
      }),
    );
    await expect(startExperiment(prisma, shop.id, second.id, NOW)).rejects.toThrow(ExperimentStateError);
    await endExperiment(prisma, shop.id, experiment.id, NOW);
    await startExperiment(prisma, shop.id, second.id, NOW);
    expect((await findExperiment(prisma, shop.id, second.id))!.status).toBe("RUNNING");
  });
});

describe("the report against a hand computation", () => {
  it("sums each exposed visitor's counted orders from their exposure, and counts the rest apart", async () => {
    const arms = visitorsIn(experiment, 4);
    const [a1, a2, a3] = arms["no-chat"];
    const [b1, b2, b3, neverExposed] = arms.chat;
    await ingest(
      exposures(experiment.id, [
        { visitor: a1, arm: "no-chat", minutes: 2860 },
        { visitor: a2, arm: "no-chat", minutes: 2861 },
        { visitor: a3, arm: "no-chat", minutes: 2862 },
        { visitor: b1, arm: "chat", minutes: 2863 },
        { visitor: b2, arm: "chat", minutes: 2864 },
        { visitor: b3, arm: "chat", minutes: 2865 },
      ]),
      new Date(minutesAfterStart(2880)),
    );
    const order = (visitor: string | null, minutes: number, net: string, extra: Record<string, unknown> = {}) =>
      createOrder(shop, {
        at: minutesAfterStart(minutes),
        gross: net,
        net,
        stamps: visitor
          ? { _chat_visitor_id: visitor, [CHAT_ARM_KEY]: arms.chat.includes(visitor) ? "chat" : "no-chat" }
          : {},
        ...extra,
      });
    await order(a1, 2900, "100.00");
    await order(a3, 2910, "40.00"); // refunded from 50: net counts
    await order(b1, 2920, "60.00");
    await order(b1, 2930, "90.00", { classification: "LED" });
    await order(b2, 2940, "30.00", { classification: "ASSISTED" });
    // Not counted: a test order, an order before the start, an order from after the measured period.
    await order(a1, 2950, "500.00", { excludedReason: "TEST" });
    await order(a2, -60, "80.00");
    await order(b3, 3 * 24 * 60, "80.00");
    // Counted but untied: before its visitor's exposure, a visitor never exposed, no stamp at all.
    await order(b2, 2800, "20.00");
    await order(neverExposed, 2950, "25.00");
    await order(null, 2960, "70.00");

    const report = await loadExperimentReport(prisma, shop, experiment, NOW);

    const control: ArmSums = {
      key: "no-chat",
      weight: 50,
      visitors: 3,
      converted: 2,
      orders: 2,
      revenue: 140,
      revenueSquares: 100 ** 2 + 40 ** 2,
      ordersSquares: 2,
      revenueTimesOrders: 140,
    };
    const chat: ArmSums = {
      key: "chat",
      weight: 50,
      visitors: 3,
      converted: 2,
      orders: 3,
      revenue: 180,
      revenueSquares: 150 ** 2 + 30 ** 2,
      ordersSquares: 2 ** 2 + 1,
      revenueTimesOrders: 150 * 2 + 30,
    };
    expect(
      report.arms.map(({ key, visitors, converted, orders, netRevenue, attributedRevenue, untiedOrders }) => ({
        key,
        visitors,
        converted,
        orders,
        netRevenue,
        attributedRevenue,
        untiedOrders,
      })),
    ).toEqual([
      {
        key: "no-chat",
        visitors: 3,
        converted: 2,
        orders: 2,
        netRevenue: "140.00",
        attributedRevenue: "0.00",
        untiedOrders: 0,
      },
      {
        key: "chat",
        visitors: 3,
        converted: 2,
        orders: 3,
        netRevenue: "180.00",
        attributedRevenue: "120.00",
        untiedOrders: 2,
      },
    ]);
    expect(report.arms[0]).toMatchObject({ revenuePerVisitor: "46.67", averageOrderValue: "70.00" });
    expect(report.arms[1]).toMatchObject({ revenuePerVisitor: "60.00", averageOrderValue: "60.00" });
    expect(report.unstamped).toEqual({ orders: 1, netRevenue: "70.00" });

    // The statistics on the hand-made sums are the report's.
    const expected = analyzeExperiment({ arms: [control, chat], control: "no-chat" });
    const [comparison] = report.comparisons;
    const perVisitor = comparison.lifts.find((lift) => lift.metric === "revenuePerVisitor")!;
    const expectedPerVisitor = expected.comparisons[0].lifts.find((lift) => lift.metric === "revenuePerVisitor")!;
    expect(perVisitor.relative.estimate).toBeCloseTo(60 / (140 / 3) - 1, 12);
    expect(perVisitor.relative.interval![0]).toBeCloseTo(expectedPerVisitor.relative.interval![0], 9);
    expect(perVisitor.absolute.estimate).toBe("13.33");
    // Welch by hand: sample variances 2533.33 (no chat: 100, 0, 40) and 6300 (chat: 150, 30, 0), n = 3 each.
    const [v1, v2] = [7600 / 3, 6300];
    const se = Math.sqrt(v1 / 3 + v2 / 3);
    const df = (v1 / 3 + v2 / 3) ** 2 / ((v1 / 3) ** 2 / 2 + (v2 / 3) ** 2 / 2);
    const half = tQuantile(0.975, df) * se;
    // Money as decimal strings, to the cent.
    expect(perVisitor.absolute.interval).toEqual([(40 / 3 - half).toFixed(2), (40 / 3 + half).toFixed(2)]);
    expect(comparison.incrementalRevenue.estimate).toBe("40.00");
    expect(comparison.verdict).toBe("inconclusive");
    expect(report.sampleRatio?.mismatch).toBe(false);

    // One point per local day from the start; the last is the totals.
    expect(report.chart.map((point) => point.day)).toEqual(["2026-12-04", "2026-12-05", "2026-12-06"]);
    expect(report.chart.at(-1)!.arms[0].estimate).toBeCloseTo(perVisitor.relative.estimate!, 12);
    expect(report.chart[0].arms[0].estimate).toBeNull(); // nobody exposed on the first day

    // The causal return: 40.00 added, against 3 local days (4–6 December, Berlin) of a 310.00 monthly cost.
    const costs = { monthly: parseMoney("310")!, perConversation: null, grossMarginPercent: null };
    const range = { start: new Date("2026-12-01T00:00:00Z"), end: new Date("2026-12-07T00:00:00Z") };
    const causal = await loadCausalReturn(prisma, shop, range, costs, NOW);
    expect(causal).toMatchObject({
      experimentId: experiment.id,
      incrementalRevenue: "40.00",
      cost: "30.00",
      incrementalPerCost: 1.33,
      verdict: "inconclusive",
    });
    expect(causal!.interval).toEqual(comparison.incrementalRevenue.alwaysValid);
    // Without a cost, or for a range the holdout did not run in, there is none.
    expect(await loadCausalReturn(prisma, shop, range, { ...costs, monthly: null }, NOW)).toBeNull();
    const before = { start: new Date("2026-11-01T00:00:00Z"), end: new Date("2026-11-08T00:00:00Z") };
    expect(await loadCausalReturn(prisma, shop, before, costs, NOW)).toBeNull();
  });

  it("reports a draft as empty, without reading orders", async () => {
    const draft = await createExperiment(
      prisma,
      shop,
      experimentPlanSchema.parse({
        name: "Later",
        arms: [
          { name: "A", weight: 30, showChat: true },
          { name: "B", weight: 70, showChat: true },
        ],
      }),
    );
    const report = await loadExperimentReport(prisma, shop, draft, NOW);
    expect(report.arms.map((arm) => [arm.key, arm.visitors, arm.expectedShare])).toEqual([
      ["a", 0, 0.3],
      ["b", 0, 0.7],
    ]);
    expect(report.chart).toEqual([]);
    expect(report.experiment.measuredUntil).toBeNull();
  });
});
