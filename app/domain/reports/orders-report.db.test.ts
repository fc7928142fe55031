/**
 * The Orders and Conversations reports against the real database.
 */
import type { Shop } from "@prisma/client";
import { beforeAll, describe, expect, it } from "vitest";
import { createConversation, createOrder, createReportShop } from "../../../test/report-fixtures";
import { prisma } from "../../db.server";
import { conversationVariants, findConversationTimeline, listConversations } from "./conversations-report.server";
import { reportRange } from "./date-range";
import { ORDER_COLUMNS, orderColumns } from "./order-labels";
import type { OrderFilter } from "./order-row";
import { allOrders, findOrderAttribution, listOrders, ORDERS_PAGE_SIZE } from "./orders-report.server";
import type { ReportQuery } from "./report-query";

const week = (surface: ReportQuery["surface"] = null): ReportQuery => ({
  range: reportRange("2026-11-09", "2026-11-15", "Europe/Berlin"),
  preset: null,
  surface,
});

describe("orders report", () => {
  let shop: Shop;
  let conversationId: string;
  beforeAll(async () => {
    shop = await createReportShop();
    const conversation = await createConversation(shop, {
      externalId: "c_8a3c",
      surface: "FAQ",
      startedAt: "2026-11-10T08:00:00Z",
      touches: [
        { at: "2026-11-10T08:00:00Z", kind: "SHOPPER_MESSAGE", topic: "sizing" },
        { at: "2026-11-10T08:01:00Z", answerFound: true },
      ],
      cartEvents: [{ at: "2026-11-10T08:02:00Z", type: "ITEM_ADDED", quantity: 1, unitValue: "100.00" }],
    });
    conversationId = conversation.id;
    await createOrder(shop, {
      at: "2026-11-10T09:00:00Z",
      name: "#1001",
      classification: "LED",
      surface: "FAQ",
      conversationId,
      gross: "100.00",
      net: "90.00",
    });
    await createOrder(shop, {
      at: "2026-11-12T09:00:00Z",
      name: "#1002",
      classification: "ASSISTED",
      surface: "FAQ",
      matchedBy: "EMAIL",
      conversationId,
      gross: "20.00",
    });
    await createOrder(shop, {
      at: "2026-11-12T10:00:00Z",
      name: "#1003",
      classification: "LED",
      surface: "FAQ",
      conversationId,
      gross: "30.00",
      excludedReason: "TEST",
    });
    await createOrder(shop, { at: "2026-11-13T09:00:00Z", name: "=cmd", gross: "5.00" });
    await createOrder(shop, {
      at: "2026-11-13T09:00:00Z",
      name: "#1005",
      classification: "LED",
      surface: "CHAT_WIDGET",
      gross: "7.00",
    });
    await createOrder(shop, { at: "2026-11-20T09:00:00Z", name: "#1006", gross: "8.00" }); // after the week
  });

  it.each<[OrderFilter, string[]]>([
    ["all", ["=cmd", "#1005", "#1003", "#1002", "#1001"]],
    ["led", ["#1005", "#1001"]],
    ["assisted", ["#1002"]],
    ["unattributed", ["=cmd"]],
    ["excluded", ["#1003"]],
  ])("filter %s lists %j", async (filter, names) => {
    const page = await listOrders(prisma, shop, week(), filter, 1);
    expect(page.rows.map((row) => row.name).sort()).toEqual([...names].sort());
    expect(page.total).toBe(names.length);
  });

  it("a surface filter keeps the orders credited to that surface", async () => {
    const page = await listOrders(prisma, shop, week("CHAT_WIDGET"), "all", 1);
    expect(page.rows.map((row) => row.name)).toEqual(["#1005"]);
  });

  it("shows the row the way the page and the CSV do, in the shop's time zone", async () => {
    const page = await listOrders(prisma, shop, week(), "assisted", 1);
    expect(ORDER_COLUMNS).toHaveLength(12);
    expect(orderColumns(page.rows[0], "Europe/Berlin")).toEqual([
      "#1002",
      page.rows[0].orderId,
      "2026-11-12 10:00",
      "Assisted",
      "FAQ",
      "E-mail",
      "20.00",
      "20.00",
      "0.00", // counted and attributed, but no line the chat recommended or added
      "EUR",
      "",
      "",
    ]);
  });

  it("says which orders were cancelled or refunded, in whole or in part", async () => {
    const shop = await createReportShop();
    await createOrder(shop, { at: "2026-11-10T09:00:00Z", gross: "30.00", net: "30.00", name: "#S1" });
    await createOrder(shop, { at: "2026-11-10T09:10:00Z", gross: "30.00", net: "12.50", name: "#S2" });
    await createOrder(shop, { at: "2026-11-10T09:20:00Z", gross: "30.00", net: "0.00", name: "#S3" });
    await createOrder(shop, {
      at: "2026-11-10T09:30:00Z",
      gross: "30.00",
      net: "0.00",
      name: "#S4",
      cancelledAt: "2026-11-10T10:00:00Z",
    });
    const rows = (await listOrders(prisma, shop, week(), "all", 1)).rows;
    expect(rows.map((row) => [row.name, row.status]).sort()).toEqual([
      ["#S1", null],
      ["#S2", "PARTLY_REFUNDED"],
      ["#S3", "REFUNDED"],
      ["#S4", "CANCELLED"],
    ]);
    expect(orderColumns(rows.find((row) => row.name === "#S2")!, "UTC").at(-1)).toBe("Partly refunded");
  });

  it("returns the stored classification with its evidence, and null for an unknown order", async () => {
    const [row] = (await listOrders(prisma, shop, week(), "led", 1)).rows.filter((r) => r.name === "#1001");
    const detail = await findOrderAttribution(prisma, shop, row.orderId);
    expect(detail).toMatchObject({
      name: "#1001",
      grossRevenue: "100.00",
      netRevenue: "90.00",
      verified: true,
      attribution: {
        class: "LED",
        source: "FAQ",
        matchedBy: "CART_ATTRIBUTE",
        conversation: { id: conversationId, externalId: "c_8a3c", surface: "FAQ" },
        steps: ["Fixture order classified LED."],
      },
    });
    expect(await findOrderAttribution(prisma, shop, "123")).toBeNull();
    const other = await createReportShop();
    expect(await findOrderAttribution(prisma, other, row.orderId)).toBeNull();
  });

  it("pages and exports past one batch without skipping or repeating orders that share a timestamp", async () => {
    const busy = await createReportShop();
    for (let index = 0; index < ORDERS_PAGE_SIZE + 7; index++) {
      await createOrder(busy, { at: index % 2 ? "2026-11-11T12:00:00Z" : "2026-11-12T12:00:00Z", gross: "1.00" });
    }
    const first = await listOrders(prisma, busy, week(), "all", 1);
    const second = await listOrders(prisma, busy, week(), "all", 2);
    expect([first.total, first.pageCount, first.rows.length, second.rows.length]).toEqual([57, 2, 50, 7]);
    expect(new Set([...first.rows, ...second.rows].map((row) => row.orderId)).size).toBe(57);
    expect((await listOrders(prisma, busy, week(), "all", 99)).page).toBe(2);

    const exported: string[] = [];
    for await (const row of allOrders(prisma, busy, week(), "all", 10)) exported.push(row.orderId);
    expect(exported).toHaveLength(57);
    expect(new Set(exported).size).toBe(57);
  });
});

describe("conversations report", () => {
  it("finds conversations by the start of their id across all dates, by variant, and by credited or not", async () => {
    const shop = await createReportShop();
    const credited = await createConversation(shop, {
      externalId: "c_find_credited",
      variant: "prompt-b",
      startedAt: "2026-11-10T08:00:00Z",
      touches: [{ at: "2026-11-10T08:01:00Z", answerFound: true }],
    });
    await createConversation(shop, { externalId: "c_find_quiet", startedAt: "2026-11-11T08:00:00Z", touches: [] });
    await createConversation(shop, { externalId: "c_find_old", startedAt: "2025-01-01T08:00:00Z", touches: [] });
    await createOrder(shop, {
      at: "2026-11-10T09:00:00Z",
      classification: "LED",
      conversationId: credited.id,
      gross: "30.00",
    });
    const ids = async (search: Parameters<typeof listConversations>[4], variant: string | null = null) =>
      (await listConversations(prisma, shop, { ...week(), variant }, 1, search)).rows.map((row) => row.externalId);
    expect(await ids({ id: "c_find" })).toEqual(["c_find_quiet", "c_find_credited", "c_find_old"]);
    expect(await ids({ id: "c_find_o" })).toEqual(["c_find_old"]);
    expect(await ids({ id: "%" })).toEqual([]); // no pattern: the characters themselves
    expect(await ids({ credited: "yes" })).toEqual(["c_find_credited"]);
    expect(await ids({ credited: "no" })).toEqual(["c_find_quiet"]);
    expect(await ids({}, "prompt-b")).toEqual(["c_find_credited"]);
    expect(await conversationVariants(prisma, shop, week())).toEqual(["prompt-b"]);
  });

  it("lists conversations with the counted revenue credited to them, and the timeline of one", async () => {
    const shop = await createReportShop();
    const conversation = await createConversation(shop, {
      externalId: "c_timeline",
      surface: "NUDGE_CLICK",
      startedAt: "2026-11-10T08:00:00Z",
      touches: [
        { at: "2026-11-10T08:00:00Z", kind: "SHOPPER_MESSAGE", answerFound: null, topic: "returns" },
        { at: "2026-11-10T08:01:00Z", answerFound: true },
      ],
      cartEvents: [{ at: "2026-11-10T08:05:00Z", type: "ITEM_ADDED", quantity: 2, unitValue: "15.00" }],
    });
    const silent = await createConversation(shop, {
      startedAt: "2026-11-11T08:00:00Z",
      touches: [{ at: "2026-11-11T08:01:00Z", answerFound: false }],
    });
    await createOrder(shop, {
      at: "2026-11-10T09:00:00Z",
      classification: "LED",
      surface: "NUDGE_CLICK",
      conversationId: conversation.id,
      gross: "30.00",
      net: "25.00",
    });
    await createOrder(shop, {
      at: "2026-11-10T09:30:00Z",
      classification: "LED",
      surface: "NUDGE_CLICK",
      conversationId: conversation.id,
      gross: "99.00",
      excludedReason: "TEST",
    });

    const page = await listConversations(prisma, shop, week(), 1);
    expect(page.total).toBe(2);
    expect(page.rows).toEqual([
      {
        id: silent.id,
        externalId: silent.externalId,
        surface: "CHAT_WIDGET",
        variant: null,
        startedAt: "2026-11-11T08:00:00.000Z",
        touches: 1,
        qualified: false,
        cartEvents: 0,
        ordersCredited: 0,
        revenueCredited: "0.00",
      },
      {
        id: conversation.id,
        externalId: "c_timeline",
        surface: "NUDGE_CLICK",
        variant: null,
        startedAt: "2026-11-10T08:00:00.000Z",
        touches: 2,
        qualified: true,
        cartEvents: 1,
        ordersCredited: 1,
        revenueCredited: "25.00",
      },
    ]);
    expect((await listConversations(prisma, shop, week("NUDGE_CLICK"), 1)).rows.map((row) => row.externalId)).toEqual([
      "c_timeline",
    ]);

    const detail = await findConversationTimeline(prisma, shop, conversation.id);
    expect(detail).toMatchObject({
      externalId: "c_timeline",
      surface: "NUDGE_CLICK",
      qualified: true,
      revenueCredited: "25.00",
    });
    expect(detail!.timeline.map((item) => [item.kind, item.at.slice(11, 16)])).toEqual([
      ["touch", "08:00"],
      ["touch", "08:01"],
      ["cart", "08:05"],
      ["order", "09:00"],
      ["order", "09:30"],
    ]);
    expect(detail!.timeline[4]).toMatchObject({ kind: "order", excluded: true });

    const other = await createReportShop();
    expect(await findConversationTimeline(prisma, other, conversation.id)).toBeNull();
    expect(await findConversationTimeline(prisma, shop, "not-a-uuid")).toBeNull();
  });
});
