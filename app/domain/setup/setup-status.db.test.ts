import { describe, expect, it } from "vitest";
import { prisma } from "../../db.server";
import { createReportShop } from "../../../test/report-fixtures";
import { loadSetupStatus } from "./setup-status.server";

describe("the setup status", () => {
  it("says when reconciliation last completed, why it last failed, and how many orders it still owes", async () => {
    const shop = await createReportShop();
    const row = await prisma.shop.findUniqueOrThrow({ where: { id: shop.id } });
    expect((await loadSetupStatus(prisma, row)).reconcile).toEqual({
      lastSyncAt: null,
      failure: null,
      ordersWaiting: 0,
    });

    const failed = await prisma.shop.update({
      where: { id: shop.id },
      data: {
        lastOrderSyncAt: new Date("2026-12-07T09:00:00Z"),
        reconcileError: "Admin API: [API] Invalid API key or access token",
        reconcileFailedAt: new Date("2026-12-07T09:30:00Z"),
      },
    });
    await prisma.reconcileFailure.create({ data: { shopId: shop.id, shopifyOrderId: "7001", error: "unreadable" } });
    expect((await loadSetupStatus(prisma, failed)).reconcile).toEqual({
      lastSyncAt: "2026-12-07T09:00:00.000Z",
      failure: { at: "2026-12-07T09:30:00.000Z", error: "Admin API: [API] Invalid API key or access token" },
      ordersWaiting: 1,
    });
  });
});
