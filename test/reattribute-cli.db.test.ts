import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { prisma, prismaSql } from "../app/db.server";
import { ingestVerifiedOrder } from "../app/domain/orders/ingest-order.server";
import { parseOrderPayload } from "../app/domain/orders/order-payload";
import { installShop } from "../app/domain/shops.server";
import { reattributeCommand } from "../scripts/reattribute";
import { orderFixture } from "./fixtures";

function capture(interactive: boolean) {
  const chunks: string[] = [];
  return { out: { write: (text: string) => void chunks.push(text), interactive }, text: () => chunks.join("") };
}

describe("npm run reattribute", () => {
  it("recomputes a shop's orders with a progress line per batch, and resumes an unfinished job", async () => {
    const domain = `cli-${randomUUID().slice(0, 8)}.myshopify.com`;
    const shop = await installShop(prisma, { domain, currency: "USD" });
    for (let id = 1; id <= 5; id++) {
      const parsed = parseOrderPayload({ ...orderFixture(), id, name: `#${id}` });
      if (!parsed.ok) throw new Error(parsed.reason);
      await ingestVerifiedOrder(prismaSql(prisma), domain, parsed.order);
    }
    const log = capture(false);
    expect(await reattributeCommand(prisma, ["--shop", domain, "--batch-size", "2"], log.out)).toBe(0);
    expect(log.text().split("\n")).toEqual([
      `Started re-attribution of ${domain} under settings v1.`,
      "[############------------------] 2/5 orders (40%)",
      "[########################------] 4/5 orders (80%)",
      "[##############################] 5/5 orders (100%)",
      "Done: 5 orders recomputed.",
      "",
    ]);

    // A job left RUNNING (the process was killed) is picked up where it stopped.
    const walk = await prisma.order.findMany({
      where: { shopId: shop.id },
      orderBy: [{ processedAt: "desc" }, { id: "desc" }],
    });
    const resumed = await prisma.reattributionJob.create({
      data: {
        shopId: shop.id,
        status: "RUNNING",
        settingsVersion: 1,
        total: 5,
        processed: 4,
        cursorAt: walk[3].processedAt,
        cursorOrderId: walk[3].id,
        timezone: "UTC",
      },
    });
    const terminal = capture(true);
    expect(await reattributeCommand(prisma, ["--shop", domain], terminal.out)).toBe(0);
    expect(terminal.text()).toBe(
      `Resuming re-attribution of ${domain} under settings v1.\n\r[##############################] 5/5 orders (100%)\nDone: 5 orders recomputed.\n`,
    );

    // A settings change's job, resumed, says how many it recomputed: the fixture's orders name no conversation.
    await prisma.reattributionJob.update({
      where: { id: resumed.id },
      data: { status: "PENDING", scope: "SETTINGS", processed: 0, recomputed: 0, cursorAt: null, cursorOrderId: null },
    });
    const settings = capture(false);
    expect(await reattributeCommand(prisma, ["--shop", domain], settings.out)).toBe(0);
    expect(settings.text().split("\n").at(-2)).toBe("Done: 5 orders checked, 0 recomputed.");
  });

  it("explains its usage and an unknown shop", async () => {
    const usage = capture(false);
    expect(await reattributeCommand(prisma, [], usage.out)).toBe(2);
    expect(usage.text()).toMatch(/^usage: npm run reattribute -- --shop/);
    const unknown = capture(false);
    expect(await reattributeCommand(prisma, ["--shop", "nobody.myshopify.com"], unknown.out)).toBe(1);
    expect(unknown.text()).toBe("No shop nobody.myshopify.com in this database.\n");
  });
});
