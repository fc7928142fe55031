import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { prisma, prismaSql, sqlTransaction } from "../db.server";
import { isUniqueViolation } from "./unique-violation";

/** A concurrent duplicate must be recognised whichever way the statement went to the database. */
describe("isUniqueViolation", () => {
  it("recognises a duplicate key from a model query, a raw query in a Prisma transaction, and the driver", async () => {
    const domain = `unique-${randomUUID()}.myshopify.com`;
    await prisma.shop.create({ data: { domain } });
    const duplicate = `INSERT INTO "Shop" (id, domain, "pixelAccountId", "updatedAt") VALUES ($1::uuid, $2, $3::uuid, now())`;
    const attempts = [
      () => prisma.shop.create({ data: { domain } }),
      () => prisma.$transaction((tx) => prismaSql(tx).query(duplicate, [randomUUID(), domain, randomUUID()])),
      () => prismaSql(prisma).query(duplicate, [randomUUID(), domain, randomUUID()]),
      () => sqlTransaction((sql) => sql.query(duplicate, [randomUUID(), domain, randomUUID()])),
    ];
    for (const attempt of attempts)
      expect(
        isUniqueViolation(
          await attempt().then(
            () => null,
            (error: unknown) => error,
          ),
        ),
      ).toBe(true);
    expect(
      isUniqueViolation(await sqlTransaction((sql) => sql.query(`SELECT 1/0`)).catch((error: unknown) => error)),
    ).toBe(false);
  });
});
