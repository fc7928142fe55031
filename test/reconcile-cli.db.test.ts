import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { prisma } from "../app/db.server";
import { scheduleReconciliation } from "../app/domain/orders/reconciliation-runner.server";
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

  it("runs on a schedule in the server process for every installed shop, never two runs at once", async () => {
    // Every other installed shop of the test database answers 401 through its own client: reported, not fatal.
    const shop = await createReportShop();
    shopify.orders.push(graphqlOrder(95101));
    vi.useFakeTimers({ toFake: ["setInterval", "clearInterval"] });
    const lines: string[] = [];
    const stop = scheduleReconciliation(
      prisma,
      async (domain) => (domain === shop.domain ? shopify.admin : shopify.clientWithToken("other")),
      60_000,
      (line) => lines.push(line),
    );
    try {
      vi.advanceTimersByTime(60_000);
      vi.advanceTimersByTime(60_000); // a tick while the first run is still going is skipped
      vi.useRealTimers();
      await vi.waitFor(() => expect(lines.some((line) => line.startsWith(`[reconcile] ${shop.domain}: `))).toBe(true), {
        timeout: 20_000,
      });
    } finally {
      stop();
      vi.useRealTimers();
    }
    expect(lines.filter((line) => line.startsWith(`[reconcile] ${shop.domain}: `))).toEqual([
      `[reconcile] ${shop.domain}: 1 orders checked, 1 missed ones added`,
    ]);
    expect(await prisma.order.count({ where: { shopId: shop.id } })).toBe(1);
  });
});
