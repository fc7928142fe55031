import { beforeAll, describe, expect, it } from "vitest";
import { prisma, prismaSql } from "../db.server";
import { attributeStoredOrder } from "../domain/attribution/attribute-order.server";
import { seedDemoShop } from "./seed.server";
import { seedDemoHistory, type HistorySummary } from "./history.server";
import { loadExperimentReport } from "../domain/experiments/experiment-report.server";
import { listExperiments } from "../domain/experiments/experiments.server";

const NOW = new Date("2026-11-22T12:00:00Z");
let summary: HistorySummary;

describe("demo history", () => {
  beforeAll(async () => {
    const shop = await seedDemoShop(prisma, NOW);
    summary = await seedDemoHistory(prisma, shop, NOW);
  }, 180_000);

  it("spans 60 days of conversations, events and orders", async () => {
    expect(summary.skipped).toBe(false);
    expect(summary.conversations).toBeGreaterThan(250);
    expect(await prisma.order.count()).toBe(summary.orders);
    const first = await prisma.order.findFirstOrThrow({ orderBy: { processedAt: "asc" } });
    expect(NOW.getTime() - first.processedAt.getTime()).toBeGreaterThan(58 * 86_400_000);
    expect(await prisma.touchpoint.count()).toBeGreaterThan(summary.conversations * 2 - 1);
    expect(await prisma.cartEvent.count({ where: { type: "QUANTITY_DECREASED" } })).toBeGreaterThan(0);
  });

  it("holds orders of every class, on every surface, credited by cart attribute, line item and customer", async () => {
    const attributions = await prisma.attribution.findMany({ include: { order: true } });
    const counted = attributions.filter((a) => a.excludedReason === null);
    const classes = new Set(counted.map((a) => a.classification));
    expect([...classes].sort()).toEqual(["ASSISTED", "LED", "UNATTRIBUTED"]);
    expect(new Set(counted.filter((a) => a.classification !== "UNATTRIBUTED").map((a) => a.surface))).toEqual(
      new Set(["CHAT_WIDGET", "FAQ", "NUDGE_CLICK"]),
    );
    expect(new Set(counted.map((a) => a.matchedBy))).toEqual(
      new Set(["CART_ATTRIBUTE", "LINE_ITEM_PROPERTY", "CUSTOMER_ID", null]),
    );
    expect(new Set(attributions.map((a) => a.excludedReason))).toEqual(new Set([null, "TEST", "OUTLIER"]));
    const orders = attributions.map((a) => a.order);
    expect(orders.some((o) => o.cancelledAt && o.netAmount!.isZero())).toBe(true);
    expect(orders.some((o) => !o.cancelledAt && o.netAmount!.isZero())).toBe(true); // fully refunded
    expect(orders.some((o) => o.netAmount!.greaterThan(0) && o.netAmount!.lessThan(o.grossAmount!))).toBe(true); // partly refunded
    expect(orders.some((o) => o.presentmentCurrency !== o.currency)).toBe(true);
    expect(orders.every((o) => o.currency === "EUR")).toBe(true);
  });

  it("stores what the engine computes: recomputing changes nothing", async () => {
    const shop = await prisma.shop.findFirstOrThrow();
    const sample = await prisma.attribution.findMany({ take: 40, orderBy: { orderId: "asc" } });
    for (const stored of sample) {
      const result = await attributeStoredOrder(prismaSql(prisma), shop, stored.orderId);
      expect(result?.classification).toBe(stored.classification);
      expect(result?.conversationId ?? null).toBe(stored.conversationId);
    }
  });

  it("holds a finished holdout whose analysis finds the simulated lift, and a running variant test", async () => {
    const shop = await prisma.shop.findFirstOrThrow();
    const [variants, holdout] = await listExperiments(prisma, shop.id);
    expect([holdout.name, holdout.status, variants.name, variants.status]).toEqual([
      "Chat holdout",
      "ENDED",
      "Prompt A against prompt B",
      "RUNNING",
    ]);
    const report = await loadExperimentReport(prisma, shop, holdout, NOW);
    const [noChat, chat] = report.arms;
    expect(noChat.visitors + chat.visitors).toBeGreaterThan(8_000);
    expect(report.sampleRatio?.mismatch).toBe(false);
    // Simulated: conversion 3 % without the chat, 6 % with it (+100 %); every order of an exposed visitor is tied.
    const conversion = report.comparisons[0].lifts.find((lift) => lift.metric === "conversionRate")!;
    expect(conversion.relative.alwaysValid![0]).toBeLessThan(1);
    expect(conversion.relative.alwaysValid![1]).toBeGreaterThan(1);
    expect(report.comparisons[0].verdict).toBe("better");
    expect(noChat.untiedOrders + chat.untiedOrders).toBe(0);
    expect(Number(chat.attributedRevenue)).toBeGreaterThan(0);
    expect(Number(noChat.attributedRevenue)).toBe(0);
    expect(report.chart.length).toBeGreaterThan(20);
    const running = await loadExperimentReport(prisma, shop, variants, NOW);
    expect(running.arms.map((arm) => arm.variant)).toEqual(["prompt-a", "prompt-b"]);
    expect(running.arms.every((arm) => arm.visitors > 1000)).toBe(true);
  });

  it("is not seeded twice", async () => {
    const shop = await prisma.shop.findFirstOrThrow();
    expect((await seedDemoHistory(prisma, shop, NOW)).skipped).toBe(true);
  });
});
