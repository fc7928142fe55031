/**
 * Plans through Shopify App Pricing, with Shopify's Admin GraphQL played by an HTTP stand-in and its webhooks signed
 * as Shopify signs them, through the app's real routes.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startAdminStandIn, type AdminStandIn } from "../../../test/admin-graphql-standin";
import { dispatch } from "../../../test/app-routes";
import { createOrder } from "../../../test/report-fixtures";
import { adminFetchRequest, webhookRequest } from "../../../test/shopify-requests";
import { startBackgroundJobs } from "../../../server/jobs";
import { prisma } from "../../db.server";
import { storeOfflineSession } from "../../demo/seed.server";
import { demoSubscription } from "../../demo/storefront/app-metafields-api";
import { setAppAdminApi } from "../../shopify/admin-api.server";
import { installShop } from "../shops.server";
import { recordedShopPlan, refreshShopPlan, type GraphqlSubscription } from "./subscription.server";

let shopify: AdminStandIn;
let stopJobs: () => Promise<void>;
let shop: { id: string; domain: string; currency: string; timezone: string };

const PRO_ID = "gid://shopify/AppSubscription/3001";
/** Pro as Shopify reports it: the demo's subscription shape, paid (not a test charge), out of its trial. */
const proSubscription = (overrides: Partial<GraphqlSubscription> = {}): GraphqlSubscription => ({
  ...demoSubscription(new Date("2026-11-01T00:00:00Z")),
  id: PRO_ID,
  test: false,
  trialDays: 0,
  ...overrides,
});

const subscriptionWebhook = (status: string, secret?: string) =>
  webhookRequest({
    path: "/webhooks/app/subscriptions_update",
    topic: "app_subscriptions/update",
    shop: shop.domain,
    webhookId: randomUUID(),
    secret,
    body: {
      app_subscription: {
        admin_graphql_api_id: PRO_ID,
        name: "Pro",
        status,
        admin_graphql_api_shop_id: "gid://shopify/Shop/1",
        created_at: "2026-11-01T00:00:00Z",
        updated_at: "2026-12-07T00:00:00Z",
        currency: "USD",
        capped_amount: null,
      },
    },
  });

const planKey = async () => (await recordedShopPlan(prisma, shop.id)).plan.plan.key;
const get = (path: string) => dispatch(adminFetchRequest(path, shop.domain));

/** Attributed orders processed this month (the cap counts them), and unattributed ones (it does not). */
async function attributedOrders(count: number) {
  const at = new Date().toISOString();
  for (let i = 0; i < count; i++)
    await createOrder(shop, { at, gross: "10.00", classification: i % 2 ? "LED" : "ASSISTED" });
}

beforeAll(async () => {
  shopify = await startAdminStandIn();
  // The app asks Shopify about its own installation through this client (as the demo's simulator stands in).
  setAppAdminApi(shopify.admin);
  stopJobs = await startBackgroundJobs(prisma, {
    intervals: { reportRollupMs: 60_000, reconcileMs: undefined },
    adminFor: async () => shopify.admin,
  });
});

afterAll(async () => {
  await stopJobs();
  await shopify.close();
});

beforeEach(async () => {
  const domain = `plan-${randomUUID().slice(0, 8)}.myshopify.com`;
  shop = await installShop(prisma, { domain, currency: "USD", timezone: "America/New_York" });
  await storeOfflineSession(prisma, domain);
  shopify.subscriptions = [];
});

describe("the shop's plan, from Shopify", () => {
  it("is Free without a subscription, Pro with an active one, and says when a trial ends", async () => {
    expect((await refreshShopPlan(prisma, shop.id, shopify.admin)).plan.key).toBe("FREE");
    shopify.subscriptions = [proSubscription()];
    const active = await refreshShopPlan(prisma, shop.id, shopify.admin);
    expect(active).toMatchObject({ plan: { key: "PRO" }, trialEndsAt: null });
    expect(active.subscription).toMatchObject({ priceAmount: "29.0", priceCurrency: "USD", interval: "EVERY_30_DAYS" });

    const started = new Date(Date.now() - 2 * 86_400_000);
    shopify.subscriptions = [proSubscription({ trialDays: 14, test: true, createdAt: started.toISOString() })];
    const trial = await refreshShopPlan(prisma, shop.id, shopify.admin);
    expect(trial.plan.key).toBe("PRO");
    expect(trial.trialEndsAt).toEqual(new Date(started.getTime() + 14 * 86_400_000));
    // The Plan page says so, and marks a test charge.
    const page = await (await get("/app/plan")).json();
    expect(page).toMatchObject({
      plan: { key: "PRO", name: "Pro" },
      subscription: { test: true, interval: "EVERY_30_DAYS", priceCurrency: "USD" },
      trialEndsAt: trial.trialEndsAt!.toISOString(),
      pricingUrl: `https://admin.shopify.com/store/${shop.domain.replace(".myshopify.com", "")}/charges/chat-attribution/pricing_plans`,
    });
  });

  it("goes back to Free when the subscription is cancelled or expires, with every order kept", async () => {
    shopify.subscriptions = [proSubscription()];
    await refreshShopPlan(prisma, shop.id, shopify.admin);
    await attributedOrders(3);
    for (const status of ["CANCELLED", "EXPIRED"]) {
      shopify.subscriptions = [proSubscription({ status })];
      expect((await refreshShopPlan(prisma, shop.id, shopify.admin)).plan.key).toBe("FREE");
      expect(await prisma.order.count({ where: { shopId: shop.id } })).toBe(3);
      expect(await prisma.attribution.count({ where: { shopId: shop.id } })).toBe(3);
    }
  });

  it("is read again when a signed app_subscriptions/update arrives; a forged one changes nothing", async () => {
    shopify.subscriptions = [proSubscription()];
    await refreshShopPlan(prisma, shop.id, shopify.admin);
    expect(await planKey()).toBe("PRO");

    shopify.subscriptions = [proSubscription({ status: "CANCELLED" })];
    expect((await dispatch(subscriptionWebhook("CANCELLED", "not-the-app-secret"))).status).toBe(401);
    expect(await planKey()).toBe("PRO");

    const asked = shopify.requests.filter((request) => request.operation === "ActiveSubscriptions").length;
    expect((await dispatch(subscriptionWebhook("CANCELLED"))).status).toBe(200);
    // Recorded from the delivery at once, then asked again from the Admin API by a job.
    expect(await planKey()).toBe("FREE");
    await expect
      .poll(() => shopify.requests.filter((request) => request.operation === "ActiveSubscriptions").length, {
        timeout: 10_000,
      })
      .toBe(asked + 1);
    await expect
      .poll(async () => (await prisma.shopSubscription.findUniqueOrThrow({ where: { shopId: shop.id } })).checkedAt, {
        timeout: 10_000,
      })
      .not.toBeNull();
    expect(await planKey()).toBe("FREE");

    // Upgraded again on Shopify's plan page.
    shopify.subscriptions = [proSubscription()];
    expect((await dispatch(subscriptionWebhook("ACTIVE"))).status).toBe(200);
    expect(await planKey()).toBe("PRO");
  });
});

describe("what the Free plan refuses, server-side", () => {
  it("says so on Insights at 50 attributed orders a month, and keeps counting", async () => {
    await attributedOrders(49);
    await createOrder(shop, { at: new Date().toISOString(), gross: "5.00" }); // unattributed
    expect((await (await get("/app")).json()).capReached).toBeNull();
    await attributedOrders(1);
    expect((await (await get("/app")).json()).capReached).toEqual({ cap: 50, count: 50 });
    await attributedOrders(2);
    expect((await (await get("/app")).json()).capReached).toEqual({ cap: 50, count: 52 });
    const plan = await (await get("/app/plan")).json();
    expect(plan.usage).toEqual({ attributedOrders: 52, cap: 50, capReached: true, overCap: true });
  });

  it("answers the orders export 403 with a reason past the cap, and Pro exports however many", async () => {
    await attributedOrders(50);
    expect((await get("/api/reports/orders.csv")).status).toBe(200);
    await attributedOrders(1);
    const refused = await get("/api/reports/orders.csv");
    expect(refused.status).toBe(403);
    expect(await refused.json()).toEqual({
      error:
        "This month's attributed orders (51) are past the Free plan's 50: exports need the Pro plan until the month ends.",
      feature: "exports",
      plan: "/app/plan",
    });
    // The Orders page says why it offers no export.
    expect((await (await get("/app/orders")).json()).exportLocked).toMatchObject({ feature: "exports" });
    shopify.subscriptions = [proSubscription()];
    await refreshShopPlan(prisma, shop.id, shopify.admin);
    expect((await get("/api/reports/orders.csv")).status).toBe(200);
    expect((await (await get("/app/orders")).json()).exportLocked).toBeNull();
  });

  it("keeps experiments to Pro: 403 from the API, 402 from the page's action, the page says why", async () => {
    const refused = await get("/api/reports/experiments");
    expect(refused.status).toBe(403);
    expect(await refused.json()).toEqual({
      error: "Experiments are part of the Pro plan.",
      feature: "experiments",
      plan: "/app/plan",
    });
    expect((await (await get("/app/experiments")).json()).locked).toMatchObject({ feature: "experiments" });
    const create = await dispatch(
      adminFetchRequest("/app/experiments", shop.domain, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ name: "Holdout", arms: [] }),
      }),
    );
    expect(create.status).toBe(402);
    expect(await create.json()).toMatchObject({ ok: false, planRequired: { feature: "experiments" } });
    expect(await prisma.experiment.count({ where: { shopId: shop.id } })).toBe(0);

    shopify.subscriptions = [proSubscription()];
    await refreshShopPlan(prisma, shop.id, shopify.admin);
    expect((await get("/api/reports/experiments")).status).toBe(200);
    expect((await (await get("/app/experiments")).json()).locked).toBeNull();
  });

  it("never gates ingest: a Free shop past its cap still stores every order webhook", async () => {
    await attributedOrders(60);
    const body = { ...(await import("../../../test/fixtures")).orderFixture(), id: 9_900_001 };
    const response = await dispatch(
      webhookRequest({ path: "/webhooks/orders", topic: "orders/paid", shop: shop.domain, body }),
    );
    expect(response.status).toBe(200);
    expect(await prisma.order.count({ where: { shopId: shop.id, shopifyOrderId: "9900001" } })).toBe(1);
  });
});
