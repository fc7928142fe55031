import { describe, expect, it } from "vitest";
import { prisma } from "../app/db.server";

// Guards against a suite that silently ran on the wrong engine: CI sets EXPECT_DB_ENGINE for each run.
describe("database engine", () => {
  it("runs on the engine this run asked for", async () => {
    const [{ version }] = await prisma.$queryRaw<{ version: string }[]>`SELECT version()`;
    expect(version).toMatch(/PostgreSQL/);
    const expected = process.env.EXPECT_DB_ENGINE ?? (process.env.TEST_DATABASE_URL ? "postgres" : "pglite");
    const onPglite = process.env.DATABASE_URL?.startsWith("pglite:") ?? false;
    expect(onPglite ? "pglite" : "postgres").toBe(expected);
  });

  it("stores money exactly", async () => {
    const shop = await prisma.shop.create({ data: { domain: "money.myshopify.com", maxOrderValue: "0.1" } });
    const order = await prisma.order.create({
      data: {
        shopId: shop.id,
        shopifyOrderId: "9",
        processedAt: new Date(),
        currency: "USD",
        grossAmount: "0.1",
        netAmount: "0.2",
        source: "WEBHOOK",
      },
    });
    const [{ total }] = await prisma.$queryRaw<{ total: string }[]>`
      SELECT ("grossAmount" + "netAmount")::text AS total FROM "Order" WHERE id = ${order.id}::uuid`;
    expect(total).toBe("0.3000");
  });
});
