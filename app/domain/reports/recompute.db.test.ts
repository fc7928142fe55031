/**
 * Insights while a re-attribution runs (decision 022). At every moment the summary of the days the recompute has
 * finished equals a summary computed from scratch under the new settings, the summary of the days it has not reached
 * equals the one from before the change, and the report says which is which. After it, the summary equals one
 * computed from scratch.
 */
import type { Shop } from "@prisma/client";
import { beforeEach, describe, expect, it } from "vitest";
import { createConversation, createOrder, createReportShop } from "../../../test/report-fixtures";
import { prisma } from "../../db.server";
import { requestReattribution, runReattribution } from "../attribution/reattribution.server";
import { settingsFormOf, settingsInputSchema, updateShopSettings } from "../settings.server";
import { addDays, reportRange, type Day } from "./date-range";
import { dirtyDays, invalidateReportRollups, recomputeInProgress, refreshReportRollups } from "./report-rollups.server";
import { loadSummaryReport, type SummaryReport } from "./summary-report.server";

const ZONE = "America/New_York";
const FIRST: Day = "2026-11-02";
const DAYS = 8;
const LAST = addDays(FIRST, DAYS - 1);
/** Two orders a day with a chat, three recomputed per batch: after two batches the newest two days are finished. */
const FRONT = addDays(LAST, -1);

/**
 * Per day, two stamped orders: one 30 hours after an answer (assisted under the default 24-hour led window, led
 * under 48 hours), and one after a conversation whose only answer found nothing (it qualifies only once answers
 * need not be found), with a cart add and a topic each; and, earlier that day, an order that names no conversation,
 * which a settings change leaves as it is (decision 023): the recompute's batches walk past it.
 */
async function seed(shop: Shop) {
  for (let i = 0; i < DAYS; i++) {
    const day = addDays(FIRST, i);
    const orderAt = `${day}T18:00:00Z`; // 13:00 or 14:00 in New York: the same local day
    const answeredAt = new Date(Date.parse(orderAt) - 30 * 3_600_000).toISOString();
    await createOrder(shop, { at: `${day}T16:00:00Z`, gross: `${40 + i}.00` });
    for (const [n, answerFound] of [
      [0, true],
      [1, false],
    ] as const) {
      const conversation = await createConversation(shop, {
        externalId: `c-${day}-${n}`,
        visitorKey: `v-${day}-${n}`,
        startedAt: answeredAt,
        touches: [
          { at: answeredAt, kind: "SHOPPER_MESSAGE", topic: n ? "returns" : "sizing" },
          { at: answeredAt, answerFound },
        ],
        cartEvents: [{ at: orderAt.replace("18:00", "17:00"), type: "ITEM_ADDED", quantity: 1, unitValue: "20.00" }],
      });
      await createOrder(shop, {
        at: orderAt.replace(":00:00", `:0${n}:00`),
        gross: `${100 + i * 10 + n}.00`,
        stamps: { _chat_session_id: conversation.externalId, _chat_visitor_id: `v-${day}-${n}` },
        lineItems: [{ productId: `p-${n}`, title: `Product ${n}`, quantity: 1, amount: `${100 + i * 10 + n}.00` }],
      });
    }
  }
}

async function summaryOf(shopId: string, from: Day, to: Day): Promise<SummaryReport> {
  const shop = await prisma.shop.findUniqueOrThrow({ where: { id: shopId } });
  return loadSummaryReport(prisma, shop, { range: reportRange(from, to, ZONE), preset: null, surface: null });
}

/** What a range shows of itself (its comparison period may straddle the recompute's front). */
const ownFigures = ({ previous: _p, previousCart: _c, recompute: _r, ...figures }: SummaryReport) => figures;

/** The summary of a range computed from scratch: roll-ups dropped, every day computed from the base tables. */
async function fromScratch(shopId: string, from: Day, to: Day) {
  await invalidateReportRollups(prisma, shopId);
  const report = await summaryOf(shopId, from, to);
  await refreshReportRollups(prisma, shopId);
  return report;
}

async function change(shopId: string, settings: Record<string, string>) {
  const shop = await prisma.shop.findUniqueOrThrow({ where: { id: shopId } });
  const { job } = await updateShopSettings(
    prisma,
    shop,
    settingsInputSchema.parse({ ...settingsFormOf(shop), ...settings }),
  );
  return job!;
}

/** The first day the running recompute has finished (every later day of the range is finished too). */
async function frontDay(shopId: string): Promise<Day> {
  const recompute = await recomputeInProgress(prisma, shopId);
  expect(recompute?.recomputedFrom).toBeInstanceOf(Date);
  const front = reportRange(FIRST, LAST, ZONE).days.find(
    (day) => reportRange(day, day, ZONE).start >= recompute!.recomputedFrom!,
  );
  return front!;
}

describe("Insights during a re-attribution", () => {
  let shop: Shop;

  beforeEach(async () => {
    shop = await createReportShop({ timezone: ZONE, currency: "USD" });
    await prisma.shop.update({ where: { id: shop.id }, data: { requireAnswerFound: true } });
    await seed(shop);
    // The fixtures' attributions are made up: the engine computes the ones the merchant had before the change.
    await runReattribution(prisma, (await requestReattribution(prisma, shop.id)).id);
    await refreshReportRollups(prisma, shop.id);
  });

  for (const [name, settings] of [
    ["a wider led window", { ledWindowHours: "48" }],
    ["answers no longer required to have found something", { requireAnswerFound: "false" }],
  ] as const) {
    it(`after ${name}: finished days equal a recompute from scratch, the others the figures before`, async () => {
      const before = await summaryOf(shop.id, FIRST, LAST);
      const beforeWaiting = await summaryOf(shop.id, FIRST, addDays(FRONT, -1));
      const beforeFinished = await summaryOf(shop.id, FRONT, LAST);
      const job = await change(shop.id, settings);

      // Before the first batch nothing is recomputed: every day shows the figures from before, and says so.
      const queued = await summaryOf(shop.id, FIRST, LAST);
      expect(queued.recompute).toEqual({
        settingsVersion: job.settingsVersion,
        recomputedDays: 0,
        days: DAYS,
        previous: { recomputedDays: 0, days: DAYS },
      });
      expect(ownFigures(queued)).toEqual(ownFigures(before));

      await runReattribution(prisma, job.id, { batchSize: 3, maxBatches: 2 });
      await refreshReportRollups(prisma, shop.id); // the refresh must leave the days the recompute has not reached
      expect(await frontDay(shop.id)).toBe(FRONT);
      const midway = await summaryOf(shop.id, FIRST, LAST);
      expect(midway.recompute).toMatchObject({ recomputedDays: 2, days: DAYS });
      // No day it has not reached is computed live: they are read from the roll-ups kept from before.
      const recompute = await recomputeInProgress(prisma, shop.id);
      const live = await dirtyDays(prisma, shop, reportRange(FIRST, LAST, ZONE), recompute);
      expect([...live.keys()].every((day) => day >= FRONT)).toBe(true);

      const finishedMidway = await summaryOf(shop.id, FRONT, LAST);
      const waitingMidway = await summaryOf(shop.id, FIRST, addDays(FRONT, -1));
      expect(finishedMidway.recompute).toMatchObject({ recomputedDays: 2, days: 2 });
      expect(waitingMidway.recompute).toMatchObject({ recomputedDays: 0, days: DAYS - 2 });
      // The recent orders list each order as it is stored now: the front day's may be recomputed already.
      const { recentOrders: _now, ...waitingFigures } = ownFigures(waitingMidway);
      const { recentOrders: _then, ...figuresBefore } = ownFigures(beforeWaiting);
      expect(waitingFigures).toEqual(figuresBefore);
      expect(midway.daily.filter((day) => day.date < FRONT)).toEqual(before.daily.filter((day) => day.date < FRONT));

      // Every order was walked; those with a chat were recomputed.
      expect(await runReattribution(prisma, job.id)).toMatchObject({ processed: DAYS * 3, recomputed: DAYS * 2 });
      const after = await summaryOf(shop.id, FIRST, LAST);
      expect(after.recompute).toBeNull();
      expect(await prisma.reportDirtyMark.count({ where: { shopId: shop.id } })).toBe(0);

      const scratch = await fromScratch(shop.id, FIRST, LAST);
      expect(after).toEqual(scratch);
      expect(ownFigures(finishedMidway)).toEqual(ownFigures(await fromScratch(shop.id, FRONT, LAST)));
      expect(midway.daily.filter((day) => day.date >= FRONT)).toEqual(scratch.daily.filter((day) => day.date >= FRONT));
      // The change moved the figures, or this case proves nothing.
      expect(ownFigures(after)).not.toEqual(ownFigures(before));
      expect(ownFigures(finishedMidway)).not.toEqual(ownFigures(beforeFinished));
    });
  }

  it("an order that arrives during the recompute shows at once on a finished day", async () => {
    const job = await change(shop.id, { ledWindowHours: "48" });
    await runReattribution(prisma, job.id, { batchSize: 3, maxBatches: 2 });
    const shown = await summaryOf(shop.id, FIRST, LAST);
    await createOrder(shop, { at: `${LAST}T20:00:00Z`, gross: "55.00" });
    const after = await summaryOf(shop.id, FIRST, LAST);
    expect(after.totals.unattributed.orders).toBe(shown.totals.unattributed.orders + 1);
    expect(after.totals.unattributed.grossRevenue).not.toBe(shown.totals.unattributed.grossRevenue);
  });
});
