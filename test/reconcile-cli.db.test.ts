import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { prisma } from "../app/db.server";
import { inProcessQueue, jobQueue } from "../app/jobs/queue.server";
import { startBackgroundJobs } from "../server/jobs";
import { reconcileCommand } from "../scripts/reconcile";
import { graphqlOrder, startAdminStandIn, type AdminStandIn } from "./admin-graphql-standin";
import { createReportShop } from "./report-fixtures";

let shopify: AdminStandIn;
beforeEach(async () => {
  shopify = await startAdminStandIn();
});
afterEach(async () => {
  await shopify.close();
});

function capture() {
  const chunks: string[] = [];
  return { write: (text: string) => void chunks.push(text), text: () => chunks.join("") };
}

describe("npm run reconcile", () => {
  it("reports what it did for a shop, and exits 1 with the reason when the shop's Admin API access fails", async () => {
    const healthy = await createReportShop();
    const revoked = await createReportShop();
    shopify.orders.push(graphqlOrder(95001));
    const adminFor = async (domain: string) =>
      domain === revoked.domain ? shopify.clientWithToken("shpat_revoked") : shopify.admin;
    const out = capture();
    expect(await reconcileCommand(prisma, ["--shop", healthy.domain], adminFor, out.write)).toBe(0);
    expect(out.text()).toMatch(
      new RegExp(
        `^${healthy.domain}: 1 orders updated since .*: 1 missed and added, 0 updated, 0 already current, 0 unreadable; pixel-only orders confirmed 0 of 0\\.\\n$`,
      ),
    );

    const failed = capture();
    expect(await reconcileCommand(prisma, ["--shop", revoked.domain], adminFor, failed.write)).toBe(1);
    expect(failed.text()).toBe(`${revoked.domain}: failed: Admin API: [API] Invalid API key or access token\n`);
  });

  it("explains its usage and an unknown shop", async () => {
    const usage = capture();
    expect(await reconcileCommand(prisma, [], async () => shopify.admin, usage.write)).toBe(2);
    expect(usage.text()).toMatch(/^usage: npm run reconcile/);
    const unknown = capture();
    expect(
      await reconcileCommand(prisma, ["--shop", "nobody.myshopify.com"], async () => shopify.admin, unknown.write),
    ).toBe(1);
    expect(unknown.text()).toBe("No shop nobody.myshopify.com in this database.\n");
  });

  it("runs as a job per installed shop once a period, and keeps a shop's failure on the shop until a run succeeds", async () => {
    // Every other installed shop of the test database answers 401 through its own client: recorded, not fatal.
    const shop = await createReportShop();
    const revoked = await createReportShop();
    shopify.orders.push(graphqlOrder(95101));
    let revokedAnswers = shopify.clientWithToken("shpat_revoked");
    const adminFor = async (domain: string) =>
      domain === shop.domain
        ? shopify.admin
        : domain === revoked.domain
          ? revokedAnswers
          : shopify.clientWithToken("other");
    const stop = await startBackgroundJobs(prisma, {
      intervals: { reportRollupMs: 60_000, reconcileMs: 86_400_000 },
      adminFor,
      queue: inProcessQueue({ "reconcile-shop": { retryLimit: 1, retryDelaySeconds: 0.05 } }),
    });
    try {
      await vi.waitFor(async () => expect(await prisma.order.count({ where: { shopId: shop.id } })).toBe(1), {
        timeout: 20_000,
      });
      // Failed twice (the run and its retry): the reason is on the shop, for Setup.
      await vi.waitFor(
        async () => {
          const failed = await prisma.shop.findUniqueOrThrow({ where: { id: revoked.id } });
          expect(failed.reconcileError).toBe("Admin API: [API] Invalid API key or access token");
          expect(failed.reconcileFailedAt).toBeInstanceOf(Date);
        },
        { timeout: 20_000 },
      );
      const asked = shopify.requests.filter((request) => request.operation === "OrdersUpdatedSince").length;
      // Asked again within the period, the queue has its job already: nothing more runs.
      expect(await jobQueue().sendOncePer("reconcile-all", {}, 86_400)).toBeNull();
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(shopify.requests.filter((request) => request.operation === "OrdersUpdatedSince").length).toBe(asked);
    } finally {
      await stop();
    }
    expect((await prisma.shop.findUniqueOrThrow({ where: { id: shop.id } })).reconcileError).toBeNull();

    // Access restored: the next run clears the failure.
    revokedAnswers = shopify.admin;
    expect(await reconcileCommand(prisma, ["--shop", revoked.domain], adminFor, capture().write)).toBe(0);
    expect(await prisma.shop.findUniqueOrThrow({ where: { id: revoked.id } })).toMatchObject({
      reconcileError: null,
      reconcileFailedAt: null,
    });
  });
});
