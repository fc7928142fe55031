/**
 * The summary report against the real database: exact money, the previous period through the same code,
 * the surface filter, exclusions, cart GMV of qualified conversations only, and local days across a DST change.
 */
import type { Shop } from "@prisma/client";
import { beforeAll, describe, expect, it } from "vitest";
import { createConversation, createOrder, createReportShop } from "../../../test/report-fixtures";
import { prisma } from "../../db.server";
import { reportRange } from "./date-range";
import type { ReportQuery } from "./report-query";
import { listOrders } from "./orders-report.server";
import { refreshReportRollups } from "./report-rollups.server";
import { loadSummaryReport, RECENT_ORDER_LIMIT } from "./summary-report.server";

const query = (from: string, to: string, timezone: string, surface: ReportQuery["surface"] = null): ReportQuery => ({
  range: reportRange(from, to, timezone),
  preset: null,
  surface,
});

describe("summary report for one week in Berlin", () => {
  let shop: Shop;
  beforeAll(async () => {
    shop = await createReportShop({ timezone: "Europe/Berlin" });
    const faq = await createConversation(shop, {
      surface: "FAQ",
      startedAt: "2026-11-10T09:00:00Z",
      touches: [
        { at: "2026-11-10T09:00:00Z", kind: "SHOPPER_MESSAGE", topic: "sizing" },
        { at: "2026-11-10T09:01:00Z", answerFound: true },
      ],
      cartEvents: [
        { at: "2026-11-10T09:02:00Z", type: "ITEM_ADDED", quantity: 2, unitValue: "30.00" },
        { at: "2026-11-10T09:03:00Z", type: "QUANTITY_DECREASED", quantity: 1, unitValue: "30.00" },
        { at: "2026-11-10T09:04:00Z", type: "ITEM_ADDED", quantity: 1, unitValue: "12.00", currency: "USD" },
      ],
    });
    const widget = await createConversation(shop, {
      surface: "CHAT_WIDGET",
      variant: "prompt-b",
      startedAt: "2026-11-11T10:00:00Z",
      touches: [
        { at: "2026-11-11T10:00:00Z", kind: "SHOPPER_MESSAGE", topic: "shipping" },
        { at: "2026-11-11T10:00:30Z", kind: "SHOPPER_MESSAGE", topic: "sizing" },
        { at: "2026-11-11T10:01:00Z", answerFound: true },
      ],
      cartEvents: [{ at: "2026-11-11T10:02:00Z", type: "ITEM_ADDED", quantity: 1, unitValue: "100.00" }],
    });
    // Not qualified (no answer found): its cart events are no chat GMV.
    await createConversation(shop, {
      startedAt: "2026-11-12T10:00:00Z",
      touches: [{ at: "2026-11-12T10:01:00Z", answerFound: false }],
      cartEvents: [{ at: "2026-11-12T10:02:00Z", type: "ITEM_ADDED", quantity: 5, unitValue: "10.00" }],
    });

    // This week: 2026-11-09 .. 2026-11-15.
    const line = (title: string, amount: string, productId: string | null = title) => ({
      productId,
      title,
      quantity: 1,
      amount,
    });
    await createOrder(shop, {
      at: "2026-11-10T10:00:00Z",
      classification: "LED",
      surface: "FAQ",
      conversationId: faq.id,
      gross: "100.00",
      net: "80.00",
      lineItems: [line("Boots", "100.00")],
    });
    await createOrder(shop, {
      at: "2026-11-11T12:00:00Z",
      classification: "LED",
      surface: "CHAT_WIDGET",
      matchedBy: "LINE_ITEM_PROPERTY",
      conversationId: widget.id,
      gross: "50.50",
      lineItems: [line("Scarf", "20.50"), line("Boots", "30.00")],
    });
    await createOrder(shop, {
      at: "2026-11-13T12:00:00Z",
      classification: "ASSISTED",
      surface: "CHAT_WIDGET",
      matchedBy: "CUSTOMER_ID",
      conversationId: widget.id,
      gross: "19.99",
      lineItems: [line("Gift card", "19.99", null)],
    });
    await createOrder(shop, { at: "2026-11-14T12:00:00Z", gross: "200.00", net: "150.00" });
    await createOrder(shop, { at: "2026-11-14T13:00:00Z", gross: "0.01", net: "0.00" }); // fully refunded, still an order
    await createOrder(shop, {
      at: "2026-11-12T12:00:00Z",
      classification: "LED",
      surface: "FAQ",
      gross: "999.00",
      excludedReason: "TEST",
    });
    await createOrder(shop, { at: "2026-11-12T12:00:00Z", gross: "2500000.00", excludedReason: "OUTLIER" });
    await createOrder(shop, {
      at: "2026-11-12T12:00:00Z",
      classification: "LED",
      gross: "40.00",
      excludedReason: "UNVERIFIED",
    });
    await createOrder(shop, {
      at: "2026-11-12T12:00:00Z",
      classification: "LED",
      gross: "41.00",
      excludedReason: "UNVERIFIED",
    });
    // The week before: 2026-11-02 .. 2026-11-08.
    await createOrder(shop, {
      at: "2026-11-03T12:00:00Z",
      classification: "LED",
      surface: "CHAT_WIDGET",
      gross: "60.00",
    });
    await createOrder(shop, { at: "2026-11-04T12:00:00Z", gross: "60.00" });
    // Outside both periods (local 16 Nov 00:30 in Berlin).
    await createOrder(shop, { at: "2026-11-15T23:30:00Z", classification: "LED", gross: "500.00" });
  });

  it("totals per class, AOV and attribution rates, from counted orders only", async () => {
    const report = await loadSummaryReport(prisma, shop, query("2026-11-09", "2026-11-15", "Europe/Berlin"));
    expect(report).toMatchObject({
      shop: shop.domain,
      currency: "EUR",
      timezone: "Europe/Berlin",
      surface: null,
      range: { from: "2026-11-09", to: "2026-11-15", days: 7 },
    });
    expect(report.totals).toEqual({
      led: { orders: 2, grossRevenue: "150.50", netRevenue: "130.50" },
      assisted: { orders: 1, grossRevenue: "19.99", netRevenue: "19.99" },
      attributed: { orders: 3, grossRevenue: "170.49", netRevenue: "150.49" },
      unattributed: { orders: 2, grossRevenue: "200.01", netRevenue: "150.00" },
      aov: "50.16", // 150.49 / 3 = 50.1633…
      attributionRate: { orders: 0.6, revenue: 0.5008 }, // 150.49 / 300.49
    });
    expect(report.excluded).toEqual({ test: 1, unverified: 2, outlier: 1 });
  });

  it("compares with the previous seven days through the same code", async () => {
    const report = await loadSummaryReport(prisma, shop, query("2026-11-09", "2026-11-15", "Europe/Berlin"));
    expect(report.previous).toEqual({
      range: { from: "2026-11-02", to: "2026-11-08" },
      led: { orders: 1, grossRevenue: "60.00", netRevenue: "60.00" },
      assisted: { orders: 0, grossRevenue: "0.00", netRevenue: "0.00" },
      attributed: { orders: 1, grossRevenue: "60.00", netRevenue: "60.00" },
      unattributed: { orders: 1, grossRevenue: "60.00", netRevenue: "60.00" },
      aov: "60.00",
      attributionRate: { orders: 0.5, revenue: 0.5 },
    });
  });

  it("counts active days by the shop's local calendar, across a DST change, and nothing outside the range", async () => {
    const berlin = await createReportShop({ timezone: "Europe/Berlin" });
    await createConversation(berlin, {
      startedAt: "2026-10-23T21:00:00Z",
      touches: [
        { at: "2026-10-23T21:59:00Z" }, // 23:59 on the 23rd in Berlin (CEST): before the range
        { at: "2026-10-23T22:30:00Z" }, // 00:30 on the 24th: the range's first day
        { at: "2026-10-25T22:59:00Z" }, // 23:59 on the 25th, the 25-hour day the clocks go back (CET from 03:00)
      ],
      cartEvents: [{ at: "2026-10-26T22:59:00Z", type: "ITEM_ADDED", quantity: 1, unitValue: "5.00" }], // 23:59 on the 26th
    });
    await createConversation(berlin, { startedAt: "2026-10-26T23:00:00Z", touches: [{ at: "2026-10-26T23:00:00Z" }] }); // 00:00 on the 27th: after
    const report = await loadSummaryReport(prisma, berlin, query("2026-10-24", "2026-10-26", "Europe/Berlin"));
    expect(report.activeDays).toBe(3);
    const oneDay = await loadSummaryReport(prisma, berlin, query("2026-10-25", "2026-10-25", "Europe/Berlin"));
    expect(oneDay.activeDays).toBe(1);
  });

  it("has every day of the range in the trend, zero days included, summing to the totals", async () => {
    const report = await loadSummaryReport(prisma, shop, query("2026-11-09", "2026-11-15", "Europe/Berlin"));
    expect(report.daily.map((d) => d.date)).toEqual([
      "2026-11-09",
      "2026-11-10",
      "2026-11-11",
      "2026-11-12",
      "2026-11-13",
      "2026-11-14",
      "2026-11-15",
    ]);
    expect(report.daily.map((d) => [d.led.netRevenue, d.assisted.netRevenue, d.unattributed.orders])).toEqual([
      ["0.00", "0.00", 0],
      ["80.00", "0.00", 0],
      ["50.50", "0.00", 0],
      ["0.00", "0.00", 0],
      ["0.00", "19.99", 0],
      ["0.00", "0.00", 2],
      ["0.00", "0.00", 0],
    ]);
    expect(report.activeDays).toBe(3); // chat or cart activity on the 10th, 11th and 12th
    expect(report.dailyAverage).toEqual({
      attributedRevenue: "50.16", // 150.49 ÷ 3
      attributedOrders: 1,
      ledRevenue: "43.50", // 130.50 ÷ 3
      assistedRevenue: "6.66", // 19.99 ÷ 3, cut at 1/10,000 then shown to the cent
      cartGmv: "43.33", // 130.00 ÷ 3
      productsInCart: 1, // 3 ÷ 3
    });
  });

  it("ranks products by attributed line revenue and lists recent attributed orders newest first", async () => {
    const report = await loadSummaryReport(prisma, shop, query("2026-11-09", "2026-11-15", "Europe/Berlin"));
    // Boots: 100.00 in an order refunded down to 80 % (80.00 net) and 30.00 in one without refunds.
    expect(report.topProducts).toEqual([
      { productId: "Boots", title: "Boots", quantity: 2, revenue: "130.00", netRevenue: "110.00", orders: 2 },
      { productId: "Scarf", title: "Scarf", quantity: 1, revenue: "20.50", netRevenue: "20.50", orders: 1 },
      { productId: null, title: "Gift card", quantity: 1, revenue: "19.99", netRevenue: "19.99", orders: 1 },
    ]);
    expect(report.recentOrders.map((o) => [o.class, o.source, o.matchedBy, o.netRevenue])).toEqual([
      ["ASSISTED", "CHAT_WIDGET", "CUSTOMER_ID", "19.99"],
      ["LED", "CHAT_WIDGET", "LINE_ITEM_PROPERTY", "50.50"],
      ["LED", "FAQ", "CART_ATTRIBUTE", "80.00"],
    ]);
    expect(report.topTopics).toEqual([
      { topic: "sizing", orders: 3 },
      { topic: "shipping", orders: 2 },
    ]);
  });

  it("sums cart GMV and products in cart over qualified conversations, shop currency only", async () => {
    const report = await loadSummaryReport(prisma, shop, query("2026-11-09", "2026-11-15", "Europe/Berlin"));
    // FAQ: +2×30 −1×30 (+1 USD item, counted in quantity only); widget: +1×100; the unqualified one: nothing.
    expect(report.cart).toEqual({ gmv: "130.00", productsInCart: 3, eventsInOtherCurrencies: 1 });
    expect(report.previousCart).toEqual({ gmv: "0.00", productsInCart: 0, eventsInOtherCurrencies: 0 });
  });

  it("a surface filter keeps orders and carts credited to that surface; unattributed stay the denominator", async () => {
    const report = await loadSummaryReport(prisma, shop, query("2026-11-09", "2026-11-15", "Europe/Berlin", "FAQ"));
    expect(report.surface).toBe("FAQ");
    expect(report.totals.led).toEqual({ orders: 1, grossRevenue: "100.00", netRevenue: "80.00" });
    expect(report.totals.assisted.orders).toBe(0);
    expect(report.totals.unattributed.orders).toBe(2);
    expect(report.totals.attributionRate.orders).toBe(0.3333);
    expect(report.cart).toEqual({ gmv: "30.00", productsInCart: 2, eventsInOtherCurrencies: 1 });
    expect(report.topProducts.map((p) => p.title)).toEqual(["Boots"]);
    expect(report.topTopics).toEqual([{ topic: "sizing", orders: 1 }]);
    expect(report.excluded).toEqual({ test: 1, unverified: 2, outlier: 1 }); // exclusions are listed whatever the filter
  });

  it("a variant filter keeps what is credited to that variant's conversations, from roll-ups as from live days", async () => {
    const week = { ...query("2026-11-09", "2026-11-15", "Europe/Berlin"), variant: "prompt-b" };
    const expected = {
      led: { orders: 1, grossRevenue: "50.50", netRevenue: "50.50" },
      assisted: { orders: 1, grossRevenue: "19.99", netRevenue: "19.99" },
      unattributed: 2,
      cart: { gmv: "100.00", productsInCart: 1, eventsInOtherCurrencies: 0 },
      products: ["Boots", "Scarf", "Gift card"],
      topics: [
        { topic: "shipping", orders: 2 },
        { topic: "sizing", orders: 2 },
      ],
    };
    const read = async () => {
      const report = await loadSummaryReport(prisma, shop, week);
      return {
        led: report.totals.led,
        assisted: report.totals.assisted,
        unattributed: report.totals.unattributed.orders,
        cart: report.cart,
        products: report.topProducts.map((p) => p.title),
        topics: report.topTopics,
        variant: report.variant,
        chatReturn: report.chatReturn,
      };
    };
    expect(await read()).toEqual({ ...expected, variant: "prompt-b", chatReturn: null });
    await refreshReportRollups(prisma, shop.id);
    expect(await read()).toEqual({ ...expected, variant: "prompt-b", chatReturn: null });
    // The Orders list under the same filter: the variant's own orders.
    expect((await listOrders(prisma, shop, week, "all", 1)).rows.map((row) => row.class).sort()).toEqual([
      "ASSISTED",
      "LED",
    ]);

    // A conversation whose variant changes moves its days out of the roll-ups until they are recomputed.
    const widget = await prisma.conversation.findFirstOrThrow({ where: { shopId: shop.id, variant: "prompt-b" } });
    await prisma.conversation.update({ where: { id: widget.id }, data: { variant: "prompt-c" } });
    expect((await loadSummaryReport(prisma, shop, week)).totals.attributed.orders).toBe(0);
    await refreshReportRollups(prisma, shop.id);
    expect((await loadSummaryReport(prisma, shop, { ...week, variant: "prompt-c" })).totals.attributed.orders).toBe(2);
    await prisma.conversation.update({ where: { id: widget.id }, data: { variant: "prompt-b" } });
  });

  it("an empty period is all zeros, with no division by zero", async () => {
    const report = await loadSummaryReport(prisma, shop, query("2025-01-01", "2025-01-03", "Europe/Berlin"));
    expect(report.totals.aov).toBe("0.00");
    expect(report.totals.attributionRate).toEqual({ orders: 0, revenue: 0 });
    expect(report.daily).toHaveLength(3);
    expect(report.dailyAverage).toEqual({
      attributedRevenue: "0.00",
      attributedOrders: 0,
      ledRevenue: "0.00",
      assistedRevenue: "0.00",
      cartGmv: "0.00",
      productsInCart: 0,
    });
    expect(report.topProducts).toEqual([]);
  });
});

describe("chat-influenced lines and the return on the chat's cost", () => {
  let shop: Shop;
  let conversationId: string;
  const week = () => query("2026-11-09", "2026-11-15", "Europe/Berlin");
  beforeAll(async () => {
    shop = await createReportShop({ timezone: "Europe/Berlin" });
    shop = await prisma.shop.update({
      where: { id: shop.id },
      data: { chatMonthlyCost: "300", chatCostPerConversation: "0.50", grossMarginPercent: "40" },
    });
    const chat = await createConversation(shop, {
      startedAt: "2026-11-09T22:00:00Z",
      touches: [
        { at: "2026-11-10T09:01:00Z", productIds: ["serum"], receivedAt: "2026-11-10T09:01:01Z" },
        // Said before the order, but the app heard it only after the order: never counts for it.
        { at: "2026-11-10T09:03:00Z", productIds: ["mask"], receivedAt: "2026-11-10T12:00:00Z" },
      ],
      cartEvents: [
        { at: "2026-11-10T09:02:00Z", type: "ITEM_ADDED", quantity: 1, unitValue: "30.00", productId: "cream" },
      ],
    });
    conversationId = chat.id;
    await createConversation(shop, { startedAt: "2026-11-12T09:00:00Z", touches: [{ at: "2026-11-12T09:01:00Z" }] });
    const line = (productId: string, amount: string) => ({ productId, title: productId, quantity: 1, amount });
    await createOrder(shop, {
      at: "2026-11-10T10:00:00Z",
      receivedAt: "2026-11-10T10:05:00Z",
      classification: "LED",
      conversationId: chat.id,
      gross: "100.00",
      net: "80.00",
      lineItems: [line("serum", "40.00"), line("cream", "30.00"), line("mask", "20.00"), line("toner", "10.00")],
    });
    // Not attributed: its recommended product is no chat sale.
    await createOrder(shop, { at: "2026-11-11T10:00:00Z", gross: "40.00", lineItems: [line("serum", "40.00")] });
  });

  it("counts the lines the credited conversation recommended or added before the order, at their net share", async () => {
    const report = await loadSummaryReport(prisma, shop, week());
    // serum (recommended) 40 × 80 % + cream (added from the chat) 30 × 80 %; mask came too late, toner never.
    expect(report.chatLines).toEqual({ netRevenue: "56.00", quantity: 2, shareOfAttributed: 0.7 });
  });

  it("gives each counted attributed order its chat lines (Orders page and CSV), adding up to Insights' figure", async () => {
    const { rows } = await listOrders(prisma, shop, week(), "all", 1);
    expect(rows.map((row) => [row.class, row.chatLineRevenue])).toEqual([
      ["UNATTRIBUTED", null],
      ["LED", "56.00"],
    ]);
  });

  it("prorates the monthly cost by day, charges conversations started in the range, and divides", async () => {
    const report = await loadSummaryReport(prisma, shop, week());
    expect(report.chatReturn).toEqual({
      cost: "71.00", // 300 × 7/30 + 2 × 0.50
      monthlyPart: "70.00",
      conversationPart: "1.00",
      conversations: 2,
      attributedNetRevenue: "80.00",
      revenuePerCost: 1.13,
      grossMarginPercent: 40,
      profitAfterCost: "-39.00", // 80 × 40 % − 71
    });
  });

  it("gives no return under a surface filter (the cost is the whole chat's)", async () => {
    const report = await loadSummaryReport(prisma, shop, query("2026-11-09", "2026-11-15", "Europe/Berlin", "FAQ"));
    expect(report.chatReturn).toBeNull();
    expect(report.chatLines.netRevenue).toBe("0.00");
  });

  it("reads the same from the roll-ups, and a later server-side add marks the order's day again", async () => {
    const live = await loadSummaryReport(prisma, shop, week());
    await refreshReportRollups(prisma, shop.id);
    expect(await prisma.reportDirtyMark.count({ where: { shopId: shop.id } })).toBe(0);
    const stored = await loadSummaryReport(prisma, shop, week());
    expect(stored.chatLines).toEqual(live.chatLines);
    expect(stored.topProducts).toEqual(live.topProducts);

    // A chat backend reports (server API: no receivedAt) that the conversation added the toner before the order.
    const { visitorId } = await prisma.conversation.findUniqueOrThrow({ where: { id: conversationId } });
    await prisma.cartEvent.create({
      data: {
        shopId: shop.id,
        visitorId: visitorId!,
        conversationId,
        type: "ITEM_ADDED",
        productId: "toner",
        unitValue: "10.00",
        currency: "EUR",
        quantity: 1,
        occurredAt: new Date("2026-11-09T22:30:00Z"), // 23:30 on the 9th in Berlin: another day than the order's
        source: "SERVER_API",
      },
    });
    expect((await loadSummaryReport(prisma, shop, week())).chatLines.netRevenue).toBe("64.00");
    await refreshReportRollups(prisma, shop.id);
    expect((await loadSummaryReport(prisma, shop, week())).chatLines.netRevenue).toBe("64.00");
  });
});

describe("local days across a DST change", () => {
  it.each([
    // Berlin falls back on 2026-10-25 (25 hours long); New York falls back on 2026-11-01.
    {
      zone: "Europe/Berlin",
      day: "2026-10-25",
      inside: ["2026-10-24T22:00:00Z" /* 00:00 CEST */, "2026-10-25T22:59:59Z" /* 23:59:59 CET */],
      outside: ["2026-10-24T21:59:59Z" /* 23:59:59 on the 24th */, "2026-10-25T23:00:00Z" /* 00:00 on the 26th */],
    },
    {
      zone: "America/New_York",
      day: "2026-11-01",
      inside: ["2026-11-01T04:00:00Z" /* 00:00 EDT */, "2026-11-02T04:59:00Z" /* 23:59 EST */],
      outside: ["2026-11-01T03:59:00Z", "2026-11-02T05:00:00Z"],
    },
    {
      zone: "Europe/Berlin",
      day: "2026-03-29", // springs forward: 23 hours
      inside: ["2026-03-28T23:00:00Z", "2026-03-29T21:59:00Z"],
      outside: ["2026-03-28T22:59:00Z", "2026-03-29T22:00:00Z"],
    },
  ])("$zone $day holds exactly the orders of that local day", async ({ zone, day, inside, outside }) => {
    const shop = await createReportShop({ timezone: zone });
    for (const at of [...inside, ...outside]) await createOrder(shop, { at, classification: "LED", gross: "10.00" });
    const dayBefore = new Date(Date.parse(`${day}T12:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
    const dayAfter = new Date(Date.parse(`${day}T12:00:00Z`) + 86_400_000).toISOString().slice(0, 10);

    const single = await loadSummaryReport(prisma, shop, query(day, day, zone));
    expect(single.totals.led.orders).toBe(inside.length);

    const three = await loadSummaryReport(prisma, shop, query(dayBefore, dayAfter, zone));
    expect(three.daily.map((d) => [d.date, d.led.orders])).toEqual([
      [dayBefore, 1],
      [day, inside.length],
      [dayAfter, 1],
    ]);
  });
});

describe("recent attributed orders across many days", () => {
  it("are the period's ten newest counted led/assisted orders, with or without a surface filter", async () => {
    const shop = await createReportShop({ timezone: "America/Los_Angeles" });
    // Twenty days; the newest five hold only unattributed orders, the others one to three attributed ones among them.
    for (let day = 0; day < 20; day++) {
      const date = `2026-10-${String(day + 1).padStart(2, "0")}`;
      for (let n = 0; n < 4; n++) {
        const attributed = day < 15 && n < 1 + (day % 3);
        await createOrder(shop, {
          at: `${date}T${String(10 + n).padStart(2, "0")}:30:00Z`,
          gross: `${day}.${n}0`,
          classification: attributed ? (n % 2 ? "ASSISTED" : "LED") : "UNATTRIBUTED",
          surface: day % 2 ? "FAQ" : "CHAT_WIDGET",
          excludedReason: attributed && day === 7 && n === 0 ? "TEST" : undefined,
        });
      }
    }
    await refreshReportRollups(prisma, shop.id);
    for (const surface of [null, "FAQ"] as const) {
      const report = await loadSummaryReport(prisma, shop, query("2026-10-01", "2026-10-20", shop.timezone, surface));
      const expected = await prisma.order.findMany({
        where: {
          shopId: shop.id,
          attribution: {
            classification: { in: ["LED", "ASSISTED"] },
            excludedReason: null,
            ...(surface ? { surface } : {}),
          },
        },
        orderBy: [{ processedAt: "desc" }, { id: "desc" }],
        take: RECENT_ORDER_LIMIT,
      });
      expect(expected).toHaveLength(RECENT_ORDER_LIMIT);
      expect(report.recentOrders.map((order) => order.orderId)).toEqual(expected.map((order) => order.shopifyOrderId));
    }
  });
});
