import { describe, expect, it } from "vitest";
import {
  exportRefusal,
  experimentsRefusal,
  PLANS,
  planOf,
  pricingPlansUrl,
  subscriptionUpdateOf,
  type SubscriptionFacts,
  usageOf,
} from "./plans";

const NOW = new Date("2026-12-07T12:00:00Z");
const pro = (overrides: Partial<SubscriptionFacts> = {}): SubscriptionFacts => ({
  subscriptionId: "gid://shopify/AppSubscription/1",
  name: "Pro",
  status: "ACTIVE",
  test: false,
  trialDays: 0,
  createdAt: new Date("2026-11-01T00:00:00Z"),
  currentPeriodEnd: new Date("2026-12-31T00:00:00Z"),
  priceAmount: "29.00",
  priceCurrency: "USD",
  interval: "EVERY_30_DAYS",
  ...overrides,
});

describe("which plan a shop is on", () => {
  it.each([
    ["no subscription", null, "FREE"],
    ["an active Pro subscription", pro(), "PRO"],
    ["Pro named in another case", pro({ name: " pro " }), "PRO"],
    ["Pro awaiting approval", pro({ status: "PENDING" }), "FREE"],
    ["Pro frozen for non-payment", pro({ status: "FROZEN" }), "FREE"],
    ["Pro cancelled", pro({ status: "CANCELLED" }), "FREE"],
    ["Pro expired", pro({ status: "EXPIRED" }), "FREE"],
    ["Pro declined", pro({ status: "DECLINED" }), "FREE"],
    ["a plan the app does not know", pro({ name: "Enterprise" }), "FREE"],
  ])("%s → %s", (_case, subscription, key) => {
    expect(planOf(subscription, NOW).plan.key).toBe(key);
  });

  it("knows when a trial ends, and that an ended one is over", () => {
    const started = new Date("2026-12-01T12:00:00Z");
    expect(planOf(pro({ trialDays: 14, createdAt: started }), NOW).trialEndsAt).toEqual(
      new Date("2026-12-15T12:00:00Z"),
    );
    expect(planOf(pro({ trialDays: 3, createdAt: started }), NOW).trialEndsAt).toBeNull();
    expect(planOf(pro({ trialDays: 14, createdAt: started, status: "CANCELLED" }), NOW).trialEndsAt).toBeNull();
  });
});

describe("the Free plan's cap", () => {
  it("is reached at 50 attributed orders a month, and exports stop only past it", () => {
    expect(usageOf(PLANS.FREE, 49)).toMatchObject({ cap: 50, capReached: false, overCap: false });
    expect(usageOf(PLANS.FREE, 50)).toMatchObject({ capReached: true, overCap: false });
    expect(exportRefusal(usageOf(PLANS.FREE, 50))).toBeNull();
    expect(exportRefusal(usageOf(PLANS.FREE, 51))).toMatchObject({ feature: "exports" });
    expect(usageOf(PLANS.PRO, 10_000)).toEqual({
      attributedOrders: 10_000,
      cap: null,
      capReached: false,
      overCap: false,
    });
    expect(exportRefusal(usageOf(PLANS.PRO, 10_000))).toBeNull();
  });

  it("keeps experiments to Pro", () => {
    expect(experimentsRefusal(PLANS.FREE)).toEqual({
      feature: "experiments",
      reason: "Experiments are part of the Pro plan.",
    });
    expect(experimentsRefusal(PLANS.PRO)).toBeNull();
  });
});

describe("Shopify's side", () => {
  it("names the hosted plan page of the app for the store", () => {
    expect(pricingPlansUrl("demo-shop.myshopify.com", "chat-attribution")).toBe(
      "https://admin.shopify.com/store/demo-shop/charges/chat-attribution/pricing_plans",
    );
  });

  it("reads app_subscriptions/update, and says what is wrong with a body it cannot", () => {
    expect(
      subscriptionUpdateOf({
        app_subscription: { admin_graphql_api_id: "gid://shopify/AppSubscription/7", name: "Pro", status: "cancelled" },
      }),
    ).toEqual({
      ok: true,
      update: { subscriptionId: "gid://shopify/AppSubscription/7", name: "Pro", status: "CANCELLED" },
    });
    expect(subscriptionUpdateOf({ id: 1 })).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/^app_subscription: /),
    });
  });
});
