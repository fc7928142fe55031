/**
 * The report API behind the real authenticate.admin: App Bridge session tokens signed with the app secret.
 */
import type { Shop } from "@prisma/client";
import { beforeAll, describe, expect, it } from "vitest";
import { dispatch } from "../../test/app-routes";
import { createConversation, createOrder } from "../../test/report-fixtures";
import { adminFetchRequest } from "../../test/shopify-requests";
import { prisma } from "../db.server";
import { storeOfflineSession } from "../demo/seed.server";
import { reportRange } from "../domain/reports/date-range";
import { loadSummaryReport } from "../domain/reports/summary-report.server";
import { loadVariantsReport } from "../domain/reports/variants-report.server";
import { installShop } from "../domain/shops.server";
import { signSessionToken } from "../shopify/signing.server";
import { TEST_API_KEY, TEST_API_SECRET } from "../../test/setup-env";

const DESKTOP = "Mozilla/5.0 (X11; Linux x86_64) Chrome/126.0 Safari/537.36";

const SHOP_A = "report-a.myshopify.com";
const SHOP_B = "report-b.myshopify.com";
let shopA: Shop;
let ledOrderId: string;
let shopBOrderId: string;

describe("report API", () => {
  beforeAll(async () => {
    shopA = await installShop(prisma, { domain: SHOP_A, currency: "EUR", timezone: "Europe/Berlin" });
    const shopB = await installShop(prisma, { domain: SHOP_B, currency: "USD", timezone: "America/New_York" });
    await storeOfflineSession(prisma, SHOP_A);
    await storeOfflineSession(prisma, SHOP_B);
    const conversation = await createConversation(shopA, {
      variant: "prompt-b",
      startedAt: "2026-11-10T08:00:00Z",
      touches: [{ at: "2026-11-10T08:01:00Z", answerFound: true }],
    });
    ledOrderId = (
      await createOrder(shopA, {
        at: "2026-11-10T09:00:00Z",
        name: "#A1",
        classification: "LED",
        conversationId: conversation.id,
        gross: "120.00",
        net: "100.00",
      })
    ).shopifyOrderId;
    await createOrder(shopA, { at: "2026-11-11T09:00:00Z", name: "#A2", gross: "50.00" });
    await createOrder(shopA, {
      at: "2026-11-11T10:00:00Z",
      name: '#A3, "gift"',
      classification: "ASSISTED",
      matchedBy: "EMAIL",
      gross: "10.00",
    });
    shopBOrderId = (
      await createOrder(shopB, { at: "2026-11-10T15:00:00Z", name: "#B1", classification: "LED", gross: "999.00" })
    ).shopifyOrderId;
  });

  it("answers the summary as JSON, equal to the report the Insights page renders", async () => {
    const response = await dispatch(adminFetchRequest("/api/reports/summary?from=2026-11-09&to=2026-11-15", SHOP_A));
    expect(response.status).toBe(200);
    expect(response.headers.get("Content-Type")).toContain("application/json");
    const body = await response.json();
    const expected = await loadSummaryReport(prisma, shopA, {
      range: reportRange("2026-11-09", "2026-11-15", "Europe/Berlin"),
      preset: null,
      surface: null,
    });
    expect(body).toEqual(JSON.parse(JSON.stringify(expected)));
    expect(body).toMatchObject({
      shop: SHOP_A,
      currency: "EUR",
      timezone: "Europe/Berlin",
      range: { from: "2026-11-09", to: "2026-11-15", days: 7 },
      totals: {
        led: { orders: 1, grossRevenue: "120.00", netRevenue: "100.00" },
        attributed: { orders: 2, netRevenue: "110.00" },
        aov: "55.00",
      },
      previous: { range: { from: "2026-11-02", to: "2026-11-08" }, attributed: { orders: 0 } },
      excluded: { test: 0, unverified: 0, outlier: 0 },
    });
    expect(body.daily).toHaveLength(7);
  });

  it("says in the summary how much of the range a recompute in progress has reached", async () => {
    const job = await prisma.reattributionJob.create({
      data: {
        shopId: shopA.id,
        status: "RUNNING",
        settingsVersion: 2,
        timezone: "Europe/Berlin",
        recomputedFrom: reportRange("2026-11-13", "2026-11-13", "Europe/Berlin").start,
      },
    });
    try {
      const response = await dispatch(adminFetchRequest("/api/reports/summary?from=2026-11-09&to=2026-11-15", SHOP_A));
      expect((await response.json()).recompute).toEqual({
        settingsVersion: 2,
        recomputedDays: 3, // the 13th, 14th and 15th
        days: 7,
        previous: { recomputedDays: 0, days: 7 },
      });
    } finally {
      await prisma.reattributionJob.delete({ where: { id: job.id } });
    }
    const after = await dispatch(adminFetchRequest("/api/reports/summary?from=2026-11-09&to=2026-11-15", SHOP_A));
    expect((await after.json()).recompute).toBeNull();
  });

  it("answers revenue by chat variant as JSON, equal to what Insights renders", async () => {
    await createConversation(shopA, { variant: "prompt-a", startedAt: "2026-11-12T08:00:00Z" });
    await createConversation(shopA, { startedAt: "2026-11-12T09:00:00Z", touches: [{ at: "2026-11-12T09:01:00Z" }] });
    const response = await dispatch(adminFetchRequest("/api/reports/variants?from=2026-11-09&to=2026-11-15", SHOP_A));
    expect(response.status).toBe(200);
    const body = await response.json();
    const expected = await loadVariantsReport(prisma, shopA, {
      range: reportRange("2026-11-09", "2026-11-15", "Europe/Berlin"),
      preset: null,
      surface: null,
    });
    expect(body).toEqual(JSON.parse(JSON.stringify(expected)));
    expect(body.variants).toEqual([
      {
        variant: "prompt-b",
        conversations: 1,
        qualifiedConversations: 1,
        led: { orders: 1, netRevenue: "100.00" },
        assisted: { orders: 0, netRevenue: "0.00" },
        attributed: { orders: 1, netRevenue: "100.00" },
        revenuePerConversation: "100.00",
      },
      {
        variant: "prompt-a",
        conversations: 1,
        qualifiedConversations: 0,
        led: { orders: 0, netRevenue: "0.00" },
        assisted: { orders: 0, netRevenue: "0.00" },
        attributed: { orders: 0, netRevenue: "0.00" },
        revenuePerConversation: "0.00",
      },
      {
        variant: null,
        conversations: 1,
        qualifiedConversations: 1,
        led: { orders: 0, netRevenue: "0.00" },
        assisted: { orders: 0, netRevenue: "0.00" },
        attributed: { orders: 0, netRevenue: "0.00" },
        revenuePerConversation: "0.00",
      },
    ]);
    expect(
      (await dispatch(adminFetchRequest("/api/reports/variants?from=2026-11-15&to=2026-11-09", SHOP_A))).status,
    ).toBe(400);
    expect(
      (await dispatch(adminFetchRequest("/api/reports/variants", SHOP_A, { method: "POST", body: "{}" }))).status,
    ).toBe(405);
    expect((await dispatch(adminFetchRequest("/api/reports/variants", SHOP_A, {}, "not-the-app-secret"))).status).toBe(
      401,
    );
  });

  it.each([
    ["from=2026-11-15&to=2026-11-09", "to", "must not be before from"],
    ["from=2026-02-30&to=2026-03-01", "from", "must be a calendar date as YYYY-MM-DD"],
    ["from=2026-11-01", "to", "from and to must be given together"],
    ["from=2020-01-01&to=2026-01-01", "to", "the range may span at most 400 days"],
    ["preset=365d", "preset", "Invalid enum value. Expected 'today' | '7d' | '30d' | '90d', received '365d'"],
    ["surface=email", "surface", "must be one of all, CHAT_WIDGET, FAQ, NUDGE_CLICK"],
    [
      "variant=has%20space",
      "variant",
      "must be a variant the chat reports: 1–64 letters, digits, '_', '.', ':' or '-'",
    ],
  ])("?%s → 400 naming %s", async (search, field, message) => {
    const response = await dispatch(adminFetchRequest(`/api/reports/summary?${search}`, SHOP_A));
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: "invalid report query", errors: [{ field, message }] });
  });

  it("accepts a preset and a surface in any case", async () => {
    const body = await (await dispatch(adminFetchRequest("/api/reports/summary?preset=7d&surface=faq", SHOP_A))).json();
    expect(body.surface).toBe("FAQ");
    expect(body.range.days).toBe(7);
  });

  it("refuses requests without a valid session token, and writes", async () => {
    const anonymous = await dispatch(
      new Request("https://chat-attribution.test/api/reports/summary", { headers: { Authorization: "Bearer nope" } }),
    );
    expect(anonymous.status).toBe(401);
    const forged = await dispatch(adminFetchRequest("/api/reports/summary", SHOP_A, {}, "not-the-app-secret"));
    expect(forged.status).toBe(401);
    const post = await dispatch(adminFetchRequest("/api/reports/summary", SHOP_A, { method: "POST", body: "{}" }));
    expect(post.status).toBe(405);
  });

  it("answers a validly signed token with a bad dest or iss with 401, never 500", async () => {
    // Issue 25.15.
    for (const claims of [
      { dest: "not a url" },
      { dest: "https://" },
      { iss: "::::" },
      { dest: "https://evil.example.com" },
    ]) {
      const token = signSessionToken(TEST_API_SECRET, { shop: SHOP_A, apiKey: TEST_API_KEY, ...claims });
      const response = await dispatch(
        new Request("https://chat-attribution.test/api/reports/summary", {
          headers: { Authorization: `Bearer ${token}`, "User-Agent": DESKTOP },
        }),
      );
      expect({ claims, status: response.status }).toEqual({ claims, status: 401 });
    }
  });

  it("a shop sees only its own numbers and orders", async () => {
    const body = await (
      await dispatch(adminFetchRequest("/api/reports/summary?from=2026-11-09&to=2026-11-15", SHOP_B))
    ).json();
    expect(body).toMatchObject({
      shop: SHOP_B,
      currency: "USD",
      totals: { led: { orders: 1, grossRevenue: "999.00" }, unattributed: { orders: 0 } },
    });
    const crossShop = await dispatch(adminFetchRequest(`/api/orders/${shopBOrderId}/attribution`, SHOP_A));
    expect(crossShop.status).toBe(404);
  });

  it("returns one order's stored classification and evidence", async () => {
    const response = await dispatch(adminFetchRequest(`/api/orders/${ledOrderId}/attribution`, SHOP_A));
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      orderId: ledOrderId,
      name: "#A1",
      grossRevenue: "120.00",
      netRevenue: "100.00",
      attribution: { class: "LED", matchedBy: "CART_ATTRIBUTE", steps: ["Fixture order classified LED."] },
    });
    expect((await dispatch(adminFetchRequest("/api/orders/abc/attribution", SHOP_A))).status).toBe(400);
    expect((await dispatch(adminFetchRequest("/api/orders/42/attribution", SHOP_A))).status).toBe(404);
  });

  it("exports the orders of a range as CSV, with the Orders page's columns", async () => {
    const response = await dispatch(adminFetchRequest("/api/reports/orders.csv?from=2026-11-09&to=2026-11-15", SHOP_A));
    expect(response.status).toBe(200);
    expect(response.headers.get("Content-Type")).toBe("text/csv; charset=utf-8");
    expect(response.headers.get("Content-Disposition")).toBe(
      'attachment; filename="chat-orders-2026-11-09-to-2026-11-15.csv"',
    );
    const text = await response.text();
    const lines = text.trimEnd().split("\r\n");
    expect(lines[0]).toBe(
      "Order,Order id,Date,Class,Source,Matched by,Net,Gross,Chat lines (net),Currency,Excluded,Status",
    );
    expect(lines.slice(1).map((line) => line.replace(/,\d{7},/, ",<id>,"))).toEqual([
      '"#A3, ""gift""",<id>,2026-11-11 11:00,Assisted,Chat widget,E-mail,10.00,10.00,0.00,EUR,,',
      "#A2,<id>,2026-11-11 10:00,Unattributed,,,50.00,50.00,,EUR,,",
      "#A1,<id>,2026-11-10 10:00,Led,Chat widget,Cart attribute,100.00,120.00,0.00,EUR,,Partly refunded",
    ]);
    const led = await (
      await dispatch(adminFetchRequest("/api/reports/orders.csv?from=2026-11-09&to=2026-11-15&filter=led", SHOP_A))
    ).text();
    expect(led.trimEnd().split("\r\n")).toHaveLength(2);
    expect((await dispatch(adminFetchRequest("/api/reports/orders.csv?filter=everything", SHOP_A))).status).toBe(400);
  });
});
