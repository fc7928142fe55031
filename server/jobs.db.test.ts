import { describe, expect, it } from "vitest";
import { createOrder, createReportShop } from "../test/report-fixtures";
import { prisma } from "../app/db.server";
import { requestReattribution } from "../app/domain/attribution/reattribution.server";
import { jobIntervals, startBackgroundJobs } from "./jobs";

describe("the server's jobs", () => {
  it("take their intervals from the environment, and never reconcile in the demo, which has no Shopify", () => {
    expect(jobIntervals({}, false)).toEqual({ reportRollupMs: 10_000, reconcileMs: 30 * 60_000 });
    expect(jobIntervals({ REPORT_ROLLUP_EVERY_SECONDS: "3", RECONCILE_EVERY_MINUTES: "5" }, false)).toEqual({
      reportRollupMs: 3_000,
      reconcileMs: 5 * 60_000,
    });
    expect(jobIntervals({ RECONCILE_EVERY_MINUTES: "5" }, true).reconcileMs).toBeUndefined();
    expect(jobIntervals({ RECONCILE_EVERY_MINUTES: "0" }, false).reconcileMs).toBeUndefined();
    expect(jobIntervals({ RECONCILE_EVERY_MINUTES: "0.1" }, false).reconcileMs).toBe(6_000);
  });

  it("resume a re-attribution left unfinished, refresh the report roll-ups, and stop when asked", async () => {
    const shop = await createReportShop();
    await createOrder(shop, { at: "2026-11-10T10:00:00Z", gross: "10.00" });
    await createOrder(shop, { at: "2026-11-11T10:00:00Z", gross: "12.00" });
    // Queued by a server that stopped before running it.
    const job = await requestReattribution(prisma, shop.id);
    expect(job.status).toBe("PENDING");
    expect(await prisma.reportDirtyMark.count({ where: { shopId: shop.id } })).toBeGreaterThan(0);

    const stop = await startBackgroundJobs(prisma, { intervals: { reportRollupMs: 1_000, reconcileMs: undefined } });
    try {
      await expect
        .poll(async () => (await prisma.reattributionJob.findUniqueOrThrow({ where: { id: job.id } })).status, {
          timeout: 10_000,
          interval: 50,
        })
        .toBe("DONE");
      await expect
        .poll(() => prisma.reportDirtyMark.count({ where: { shopId: shop.id } }), { timeout: 10_000, interval: 50 })
        .toBe(0);
    } finally {
      await stop();
    }
    expect(await prisma.reportOrderDay.count({ where: { shopId: shop.id } })).toBeGreaterThan(0);

    // Stopped: a new change stays marked.
    await createOrder(shop, { at: "2026-11-12T10:00:00Z", gross: "14.00" });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await prisma.reportDirtyMark.count({ where: { shopId: shop.id } })).toBeGreaterThan(0);
  });
});
