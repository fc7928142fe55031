/**
 * The migration that reduces pixel hits stored before to what the app uses (the chat stamps and the flags), run on
 * hits written the way the app wrote them then.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { createReportShop } from "../../../test/report-fixtures";
import { prisma } from "../../db.server";

const migration = readFileSync(
  path.resolve(
    import.meta.dirname,
    "../../../prisma/migrations/20261204000000_pixel_hits_keep_only_stamps/migration.sql",
  ),
  "utf8",
);

describe("migration 20261204000000_pixel_hits_keep_only_stamps", () => {
  it("keeps the chat stamps and flags of an old hit and drops the checkout it carried", async () => {
    const shop = await createReportShop();
    const hit = (eventId: string, payload: object) =>
      prisma.pixelHit.create({
        data: { shopId: shop.id, eventId, payload, occurredAt: new Date() },
        select: { id: true },
      });
    const stamped = await hit("old-1", {
      v: 1,
      eventId: "old-1",
      checkout: {
        totalPrice: 59.8,
        attributes: [
          { key: "gift_message", value: "Happy birthday, Alice Example" },
          { key: "_chat_session_id", value: " c_old " },
          { key: "_chat_visitor_id", value: "v_old" },
        ],
        lineItems: [{ quantity: 2, finalLinePrice: 59.8, properties: [] }],
      },
      flagged: ["currency EUR is not the shop currency"],
    });
    const bare = await hit("old-2", { v: 1, eventId: "old-2", checkout: { attributes: "not a list" } });
    const current = await hit("new-1", { chatSessionId: "c_new", chatVisitorId: null, flagged: [] });

    for (const statement of migration.split(/;\s*\n/).filter((text) => text.replace(/--.*$/gm, "").trim()))
      await prisma.$executeRawUnsafe(statement);

    const payloadOf = async ({ id }: { id: string }) =>
      (await prisma.pixelHit.findUniqueOrThrow({ where: { id } })).payload;
    expect(await payloadOf(stamped)).toEqual({
      chatSessionId: "c_old",
      chatVisitorId: "v_old",
      flagged: ["currency EUR is not the shop currency"],
    });
    expect(await payloadOf(bare)).toEqual({ chatSessionId: null, chatVisitorId: null, flagged: [] });
    expect(await payloadOf(current)).toEqual({ chatSessionId: "c_new", chatVisitorId: null, flagged: [] });
  });
});
