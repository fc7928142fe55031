/**
 * Daily roll-ups never change a report. After every kind of change to the rows a summary reads, three reports must
 * be identical: the one read straight after the change (clean days from roll-ups, the changed day live), the one
 * read after the refresh (every day from roll-ups), and one computed entirely live (roll-ups dropped). Each change
 * must also move the report, or the case proves nothing.
 */
import type { Prisma, Shop } from "@prisma/client";
import { beforeAll, describe, expect, it } from "vitest";
import { createConversation, createOrder, createReportShop } from "../../../test/report-fixtures";
import { prisma, prismaSql } from "../../db.server";
import { addDays, dayInZone, reportRange, reportTimezone, startOfDayInZone } from "./date-range";
import type { ReportQuery } from "./report-query";
import {
  invalidateReportRollups,
  rebuildMarkedDays,
  refreshAllReportRollups,
  refreshReportRollups,
} from "./report-rollups.server";
import { loadSummaryReport, type SummaryReport } from "./summary-report.server";

const WEEK = { from: "2026-11-09", to: "2026-11-15" };

async function reportsOf(shopId: string): Promise<SummaryReport[]> {
  const shop = await prisma.shop.findUniqueOrThrow({ where: { id: shopId } });
  const range = reportRange(WEEK.from, WEEK.to, reportTimezone(shop));
  const surfaces: ReportQuery["surface"][] = [null, "FAQ", "CHAT_WIDGET"];
  return Promise.all(surfaces.map((surface) => loadSummaryReport(prisma, shop, { range, preset: null, surface })));
}

/** The three readings agree; returns the live one. Leaves every day rolled up, so the next change lands on a clean day. */
async function expectRollupsAgree(shopId: string): Promise<SummaryReport[]> {
  const mixed = await reportsOf(shopId);
  await refreshReportRollups(prisma, shopId);
  expect(await prisma.reportDirtyMark.count({ where: { shopId } })).toBe(0);
  const rolledUp = await reportsOf(shopId);
  await invalidateReportRollups(prisma, shopId);
  expect(await prisma.reportOrderDay.count({ where: { shopId } })).toBe(0);
  const live = await reportsOf(shopId);
  await refreshReportRollups(prisma, shopId);
  expect(mixed).toEqual(live);
  expect(rolledUp).toEqual(live);
  return live;
}

describe("summary report roll-ups", () => {
  let shop: Shop;
  let faq: { id: string };
  let widget: { id: string };
  let unanswered: { id: string };
  let ledOrder: { id: string };
  let assistedOrder: { id: string };

  beforeAll(async () => {
    shop = await createReportShop({ timezone: "Europe/Berlin" });
    faq = await createConversation(shop, {
      surface: "FAQ",
      startedAt: "2026-11-10T09:00:00Z",
      touches: [
        { at: "2026-11-10T09:00:00Z", kind: "SHOPPER_MESSAGE", topic: "sizing" },
        { at: "2026-11-10T09:01:00Z", answerFound: true },
      ],
      cartEvents: [{ at: "2026-11-10T09:02:00Z", type: "ITEM_ADDED", quantity: 2, unitValue: "30.00" }],
    });
    widget = await createConversation(shop, {
      startedAt: "2026-11-11T10:00:00Z",
      touches: [{ at: "2026-11-11T10:01:00Z", answerFound: true }],
      cartEvents: [{ at: "2026-11-11T10:02:00Z", type: "ITEM_ADDED", quantity: 1, unitValue: "100.00" }],
    });
    unanswered = await createConversation(shop, {
      startedAt: "2026-11-12T10:00:00Z",
      touches: [{ at: "2026-11-12T10:01:00Z", answerFound: false }],
      cartEvents: [{ at: "2026-11-12T10:02:00Z", type: "ITEM_ADDED", quantity: 5, unitValue: "10.00" }],
    });
    // Answers that found nothing: chat GMV only once requireAnswerFound is off.
    await createConversation(shop, {
      startedAt: "2026-11-13T10:00:00Z",
      touches: [{ at: "2026-11-13T10:01:00Z", answerFound: false }],
      cartEvents: [{ at: "2026-11-13T10:02:00Z", type: "ITEM_ADDED", quantity: 1, unitValue: "8.00" }],
    });
    const line = (title: string, amount: string) => ({ productId: title, title, quantity: 1, amount });
    ledOrder = await createOrder(shop, {
      at: "2026-11-10T10:00:00Z",
      classification: "LED",
      surface: "FAQ",
      conversationId: faq.id,
      gross: "100.00",
      lineItems: [line("Boots", "100.00")],
    });
    assistedOrder = await createOrder(shop, {
      at: "2026-11-11T12:00:00Z",
      classification: "ASSISTED",
      surface: "CHAT_WIDGET",
      conversationId: widget.id,
      gross: "50.00",
      lineItems: [line("Scarf", "50.00")],
    });
    await createOrder(shop, { at: "2026-11-14T12:00:00Z", gross: "200.00" });
    await createOrder(shop, {
      at: "2026-11-12T12:00:00Z",
      gross: "999.00",
      classification: "LED",
      excludedReason: "TEST",
    });
    await refreshReportRollups(prisma, shop.id);
  });

  it("reads clean days from the roll-ups, not from the orders", async () => {
    const [before] = await reportsOf(shop.id);
    expect(await prisma.reportDirtyMark.count({ where: { shopId: shop.id } })).toBe(0);
    await prisma.$executeRaw`UPDATE "ReportOrderDay" SET orders = orders + 100 WHERE "shopId" = ${shop.id}::uuid AND classification = 'UNATTRIBUTED'`;
    const [tampered] = await reportsOf(shop.id);
    expect(tampered.totals.unattributed.orders).toBe(before.totals.unattributed.orders + 100);
    await invalidateReportRollups(prisma, shop.id);
    await refreshReportRollups(prisma, shop.id);
    expect((await reportsOf(shop.id))[0]).toEqual(before);
  });

  const changes: { name: string; change: () => Promise<unknown> }[] = [
    {
      name: "a new led order with line items",
      change: () =>
        createOrder(shop, {
          at: "2026-11-13T08:00:00Z",
          classification: "LED",
          surface: "CHAT_WIDGET",
          conversationId: widget.id,
          gross: "70.00",
          lineItems: [{ productId: "Hat", title: "Hat", quantity: 2, amount: "70.00" }],
        }),
    },
    {
      name: "a refund lowers an order's net",
      change: () => prisma.order.update({ where: { id: ledOrder.id }, data: { netAmount: "40.00" } }),
    },
    {
      name: "re-attribution turns an assisted order unattributed",
      change: () =>
        prisma.attribution.update({
          where: { orderId: assistedOrder.id },
          data: { classification: "UNATTRIBUTED", surface: null, conversationId: null },
        }),
    },
    {
      name: "an order's time moves to another day",
      change: () =>
        prisma.order.update({ where: { id: ledOrder.id }, data: { processedAt: new Date("2026-11-09T10:00:00Z") } }),
    },
    {
      name: "an order becomes a test order",
      change: () => prisma.attribution.update({ where: { orderId: ledOrder.id }, data: { excludedReason: "TEST" } }),
    },
    {
      name: "the test order counts again",
      change: () => prisma.attribution.update({ where: { orderId: ledOrder.id }, data: { excludedReason: null } }),
    },
    {
      name: "a late touch with a topic before the order",
      change: () =>
        prisma.touchpoint.create({
          data: {
            shopId: shop.id,
            conversationId: faq.id,
            kind: "SHOPPER_MESSAGE",
            topic: "returns",
            occurredAt: new Date("2026-11-09T08:00:00Z"),
            source: "STOREFRONT",
          },
        }),
    },
    {
      name: "a late answer qualifies a conversation's cart events",
      change: () =>
        prisma.touchpoint.create({
          data: {
            shopId: shop.id,
            conversationId: unanswered.id,
            kind: "ASSISTANT_ANSWER",
            answerFound: true,
            occurredAt: new Date("2026-11-12T10:05:00Z"),
            source: "STOREFRONT",
          },
        }),
    },
    {
      name: "a cart event is added",
      change: async () => {
        const conversation = await prisma.conversation.findUniqueOrThrow({ where: { id: faq.id } });
        return prisma.cartEvent.create({
          data: {
            shopId: shop.id,
            visitorId: conversation.visitorId!,
            conversationId: faq.id,
            type: "ITEM_ADDED",
            productId: "p-2",
            unitValue: "5.00",
            currency: "EUR",
            quantity: 3,
            occurredAt: new Date("2026-11-15T09:00:00Z"),
            source: "STOREFRONT",
          },
        });
      },
    },
    {
      name: "a conversation's surface changes",
      change: () => prisma.conversation.update({ where: { id: faq.id }, data: { surface: "NUDGE_CLICK" } }),
    },
    {
      name: "a line item is removed",
      change: () => prisma.orderLineItem.deleteMany({ where: { orderId: ledOrder.id } }),
    },
    {
      name: "requireAnswerFound is switched off",
      change: () => prisma.shop.update({ where: { id: shop.id }, data: { requireAnswerFound: false } }),
    },
    {
      name: "the shop moves to another time zone",
      change: () => prisma.shop.update({ where: { id: shop.id }, data: { timezone: "Pacific/Kiritimati" } }),
    },
    {
      name: "a conversation is deleted (its touches go, its cart events and attributions lose it)",
      change: () => prisma.conversation.delete({ where: { id: widget.id } }),
    },
    { name: "an order is deleted", change: () => prisma.order.delete({ where: { id: ledOrder.id } }) },
  ];

  // One after another on the same shop: each change lands on days the previous step left rolled up.
  it.each(changes)("$name", async ({ change }) => {
    const before = await expectRollupsAgree(shop.id);
    await change();
    const after = await expectRollupsAgree(shop.id);
    expect(after).not.toEqual(before);
  });

  // Marks name the roll-ups their change can move (migration 20261212000000_typed_report_marks): a recompute that
  // moves attributions rebuilds no cart roll-up.
  it("a rebuild recomputes only the roll-ups a change can move", async () => {
    await expectRollupsAgree(shop.id);
    const idsOf = (rows: { id: bigint }[]) => rows.map((row) => String(row.id));
    const ids = async () => ({
      order: idsOf(await prisma.reportOrderDay.findMany({ where: { shopId: shop.id }, select: { id: true } })),
      cart: idsOf(await prisma.reportCartDay.findMany({ where: { shopId: shop.id }, select: { id: true } })),
    });
    const order = await prisma.order.findFirstOrThrow({
      where: { shopId: shop.id, attribution: { classification: "UNATTRIBUTED" } },
    });
    const before = await ids();
    expect(before.cart.length).toBeGreaterThan(0);
    await prisma.attribution.update({ where: { orderId: order.id }, data: { excludedReason: "TEST" } });
    const marks = await prisma.reportDirtyMark.findMany({ where: { shopId: shop.id }, select: { rollups: true } });
    // An order that did not count and still does not: its day's order roll-up alone.
    expect(marks.map((mark) => mark.rollups)).toEqual([1]);
    const [reported] = await reportsOf(shop.id);
    await refreshReportRollups(prisma, shop.id);
    const after = await ids();
    expect(after.cart).toEqual(before.cart);
    expect(after.order).not.toEqual(before.order);
    expect((await reportsOf(shop.id))[0]).toEqual(reported);
    await prisma.attribution.update({ where: { orderId: order.id }, data: { excludedReason: null } });
    await expectRollupsAgree(shop.id);
  });

  // Decision 023: a led-window recompute moves assisted orders to led with the same conversation, which no product
  // or topic figure reads.
  it("an attribution's update marks the roll-ups that read what changed", async () => {
    const [first, second] = await Promise.all(
      ["2026-11-12T08:00:00Z", "2026-11-12T08:30:00Z"].map((at) =>
        createConversation(shop, {
          startedAt: at,
          touches: [
            { at, kind: "SHOPPER_MESSAGE", topic: "fit" },
            { at, answerFound: true },
          ],
        }),
      ),
    );
    const order = await createOrder(shop, {
      at: "2026-11-13T08:00:00Z",
      classification: "ASSISTED",
      surface: "CHAT_WIDGET",
      conversationId: first.id,
      gross: "70.00",
      lineItems: [{ productId: "Gloves", title: "Gloves", quantity: 1, amount: "70.00" }],
    });
    const assisted = {
      classification: "ASSISTED",
      surface: "CHAT_WIDGET",
      matchedBy: "CART_ATTRIBUTE",
      excludedReason: null,
      conversation: { connect: { id: first.id } },
      minutesFromLastTouch: null,
    } as const;
    await expectRollupsAgree(shop.id);
    const marksOf = async (data: Prisma.AttributionUpdateInput) => {
      await prisma.attribution.update({ where: { orderId: order.id }, data });
      const marks = await prisma.reportDirtyMark.findMany({ where: { shopId: shop.id }, select: { rollups: true } });
      await expectRollupsAgree(shop.id);
      return marks.map((mark) => mark.rollups);
    };
    expect(await marksOf({ classification: "LED" })).toEqual([1]);
    expect(await marksOf({ minutesFromLastTouch: 7, evidence: { facts: [] } })).toEqual([]);
    expect(await marksOf({ surface: "FAQ" })).toEqual([1 + 4 + 8]);
    expect(await marksOf({ conversation: { connect: { id: second.id } } })).toEqual([1 + 4 + 8]);
    expect(await marksOf({ excludedReason: "OUTLIER" })).toEqual([1 + 4 + 8]);
    expect(await marksOf({ excludedReason: null })).toEqual([1 + 4 + 8]);
    expect(await marksOf({ matchedBy: "CUSTOMER_ID" })).toEqual([1]);
    expect(await marksOf(assisted)).toEqual([1 + 4 + 8]);
  });

  it("a report computes live only the roll-ups a day's marks name", async () => {
    await expectRollupsAgree(shop.id);
    const event = await prisma.cartEvent.findFirstOrThrow({
      where: { shopId: shop.id, conversationId: { not: null } },
      orderBy: { occurredAt: "asc" },
    });
    await prisma.$executeRaw`UPDATE "ReportCartDay" SET amount = amount + 1000 WHERE "shopId" = ${shop.id}::uuid`;
    const [tampered] = await reportsOf(shop.id);
    await createOrder(shop, { at: event.occurredAt.toISOString(), gross: "10.00" });
    const [after] = await reportsOf(shop.id);
    // The order's day is computed live for its orders, and read from the roll-up for its cart events.
    expect(after.totals.unattributed.orders).toBe(tampered.totals.unattributed.orders + 1);
    expect(after.cart).toEqual(tampered.cart);
    await invalidateReportRollups(prisma, shop.id);
    expect((await reportsOf(shop.id))[0].cart).not.toEqual(tampered.cart);
    await refreshReportRollups(prisma, shop.id);
  });

  // Marks are written without the roll-up lock: one that commits after a rebuild read the marks is consumed with
  // the others, so the rebuild must rebuild what it names too.
  it("a rebuild rebuilds what every mark it consumes names, one that came after it read them too", async () => {
    await expectRollupsAgree(shop.id);
    const order = await prisma.order.findFirstOrThrow({
      where: { shopId: shop.id, attribution: { isNot: null } },
      orderBy: { processedAt: "asc" },
    });
    await prisma.attribution.update({ where: { orderId: order.id }, data: { excludedReason: "TEST" } });
    const conversation = await prisma.conversation.findUniqueOrThrow({ where: { id: faq.id } });
    const current = await prisma.shop.findUniqueOrThrow({ where: { id: shop.id } });
    await prisma.$transaction(async (tx) => {
      await tx.$executeRaw`SELECT report_lock_rollups(${shop.id}::uuid)::text`;
      const sql = prismaSql(tx);
      let added = false;
      const rebuilt = await rebuildMarkedDays(
        {
          query: async (text, params) => {
            // The order's day is marked for its attribution only; a cart event lands on it before the marks go.
            if (!added && text.includes('DELETE FROM "ReportDirtyMark"')) {
              added = true;
              await tx.cartEvent.create({
                data: {
                  shopId: shop.id,
                  visitorId: conversation.visitorId!,
                  conversationId: faq.id,
                  type: "ITEM_ADDED",
                  productId: "p-late",
                  unitValue: "11.00",
                  currency: "EUR",
                  quantity: 1,
                  occurredAt: order.processedAt,
                  source: "STOREFRONT",
                },
              });
            }
            return sql.query(text, params);
          },
        },
        current,
        {},
      );
      expect(added && rebuilt.length > 0).toBe(true);
    });
    // The order's day is read from its roll-ups (the late event marked other days of its conversation too).
    const day = dayInZone(order.processedAt, current.timezone);
    const dayMarks = await prisma.reportDirtyMark.count({
      where: {
        shopId: shop.id,
        bucket: {
          gte: startOfDayInZone(day, current.timezone),
          lt: startOfDayInZone(addDays(day, 1), current.timezone),
        },
      },
    });
    expect(dayMarks).toBe(0);
    const rolledUp = await reportsOf(shop.id);
    await invalidateReportRollups(prisma, shop.id);
    expect(rolledUp).toEqual(await reportsOf(shop.id));
    await prisma.attribution.update({ where: { orderId: order.id }, data: { excludedReason: null } });
    await expectRollupsAgree(shop.id);
  });

  it("the refresh consumes the marks of every shop with changes", async () => {
    const other = await createReportShop();
    await createOrder(other, { at: "2026-11-10T10:00:00Z", gross: "10.00" });
    await createOrder(shop, { at: "2026-11-10T11:00:00Z", gross: "10.00" });
    const lines: string[] = [];
    await refreshAllReportRollups(prisma, (line) => lines.push(line));
    expect(await prisma.reportDirtyMark.count({ where: { shopId: { in: [shop.id, other.id] } } })).toBe(0);
    expect(lines).toEqual([]);
    expect(await prisma.reportOrderDay.count({ where: { shopId: other.id } })).toBeGreaterThan(0);
    await expectRollupsAgree(shop.id);
  });

  it("a deleted shop leaves no roll-ups and no marks", async () => {
    const other = await createReportShop();
    await createOrder(other, { at: "2026-11-10T10:00:00Z", gross: "10.00" });
    await refreshReportRollups(prisma, other.id);
    await createOrder(other, { at: "2026-11-11T10:00:00Z", gross: "10.00" });
    const marksBefore = await prisma.reportDirtyMark.count({ where: { shopId: other.id } });
    expect(marksBefore).toBeGreaterThan(0);
    await prisma.shop.delete({ where: { id: other.id } });
    // The cascade itself wrote no marks: its orders' shop is already gone when their triggers run.
    expect(await prisma.reportDirtyMark.count({ where: { shopId: other.id } })).toBe(marksBefore);
    await refreshReportRollups(prisma, other.id);
    expect(await prisma.reportDirtyMark.count({ where: { shopId: other.id } })).toBe(0);
    expect(await prisma.reportOrderDay.count({ where: { shopId: other.id } })).toBe(0);
  });

  // A plan made while "Order" was a page or two scanned the whole table for every probe, for as long as the
  // connection lived (migration 20261202000000_report_marks_never_scan).
  it("the report marks' probes are planned without sequential scans, whatever the tables' size", async () => {
    const functions = await prisma.$queryRaw<{ name: string; config: string[] | null }[]>`
      SELECT proname::text AS name, proconfig::text[] AS config FROM pg_proc WHERE proname IN ('report_mark_order_children', 'report_mark_conversations') ORDER BY proname`;
    expect(functions).toEqual([
      { name: "report_mark_conversations", config: ["enable_seqscan=off"] },
      { name: "report_mark_order_children", config: ["enable_seqscan=off"] },
    ]);
  });
});
