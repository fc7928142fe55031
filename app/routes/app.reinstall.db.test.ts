/**
 * Install and reinstall as Shopify drives them: the admin's first request carries a session token for a shop with
 * no stored session, the real authenticate.admin exchanges it at the shop's /admin/oauth/access_token and runs the
 * app's afterAuth hook. Shopify's side is a stand-in behind the library's fetch (its token exchange and the Admin
 * GraphQL pixel mutations); the session token is signed as Shopify signs it.
 */
import { randomUUID } from "node:crypto";
import { setAbstractFetchFunc } from "@shopify/shopify-api/runtime";
import { afterEach, describe, expect, it } from "vitest";
import { dispatch } from "../../test/app-routes";
import { orderFixture } from "../../test/fixtures";
import { adminFetchRequest, webhookRequest } from "../../test/shopify-requests";
import { recordedShopPlan } from "../domain/billing/subscription.server";
import { ACCESS_SCOPES } from "../config.server";
import { prisma } from "../db.server";
import { installShop, markShopUninstalled } from "../domain/shops.server";
// The app's Shopify module sets the library's fetch when it is loaded: it is loaded first, the stand-in after.
import "../shopify.server";

interface ShopifyCall {
  url: string;
  body: Record<string, unknown>;
}

/** Shopify's token endpoint and Admin GraphQL for one shop, as fetch answers them. */
function standInShopify(shop: string) {
  const calls: ShopifyCall[] = [];
  const json = (body: unknown, status = 200) =>
    new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
  const fetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const url = String(input instanceof Request ? input.url : input);
    const body = JSON.parse(String(init?.body ?? "{}")) as Record<string, unknown>;
    calls.push({ url, body });
    if (url === `https://${shop}/admin/oauth/access_token`) {
      if (body.grant_type !== "urn:ietf:params:oauth:grant-type:token-exchange") return json({ error: "bad" }, 400);
      return json({
        access_token: "shpat_reinstalled",
        scope: ACCESS_SCOPES.join(","),
        expires_in: 3_600,
        refresh_token: "shprt_reinstalled",
        refresh_token_expires_in: 7_776_000,
      });
    }
    if (url === `https://${shop}/admin/api/2026-07/graphql.json`) {
      const query = String(body.query);
      if (query.includes("webPixelCreate"))
        return json({ data: { webPixelCreate: { webPixel: { id: "gid://shopify/WebPixel/9" }, userErrors: [] } } });
      // The shop chose Pro before it uninstalled; Shopify still reports that subscription.
      if (query.includes("activeSubscriptions"))
        return json({
          data: {
            currentAppInstallation: {
              activeSubscriptions: [
                {
                  id: "gid://shopify/AppSubscription/77",
                  name: "Pro",
                  status: "ACTIVE",
                  test: false,
                  trialDays: 0,
                  createdAt: "2026-10-01T00:00:00Z",
                  currentPeriodEnd: "2027-01-01T00:00:00Z",
                  lineItems: [],
                },
              ],
            },
          },
        });
      return json({ errors: [{ message: `unexpected query ${query.slice(0, 40)}` }] });
    }
    return json({ errors: "Not Found" }, 404);
  };
  return { calls, fetch };
}

const orderWebhook = (shop: string) =>
  dispatch(
    webhookRequest({
      path: "/webhooks/orders",
      topic: "orders/paid",
      shop,
      body: { ...orderFixture(), id: Number(`9${Date.now() % 1_000_000_000}`) },
      webhookId: randomUUID(),
    }),
  );

describe("install and reinstall through the real token exchange", () => {
  afterEach(() => setAbstractFetchFunc(globalThis.fetch));

  it("a reinstalled shop is installed again: its session stored, its pixel connected, its plan read, its orders taken", async () => {
    const shop = `reinstall-${randomUUID().slice(0, 8)}.myshopify.com`;
    await installShop(prisma, { domain: shop, currency: "EUR" });
    await markShopUninstalled(prisma, shop);
    // While uninstalled, its order deliveries are acknowledged and nothing is stored.
    expect((await orderWebhook(shop)).status).toBe(200);
    const shopId = (await prisma.shop.findUniqueOrThrow({ where: { domain: shop } })).id;
    expect(await prisma.order.count({ where: { shopId } })).toBe(0);

    const shopify = standInShopify(shop);
    setAbstractFetchFunc(shopify.fetch);
    const response = await dispatch(adminFetchRequest("/app", shop));
    expect(response.status).toBe(200);
    expect(shopify.calls.map((call) => new URL(call.url).pathname)).toEqual([
      "/admin/oauth/access_token",
      "/admin/api/2026-07/graphql.json",
      "/admin/api/2026-07/graphql.json",
    ]);
    expect((await recordedShopPlan(prisma, shopId)).plan.plan.key).toBe("PRO");

    const after = await prisma.shop.findUniqueOrThrow({ where: { domain: shop } });
    expect(after).toMatchObject({ id: shopId, status: "INSTALLED", uninstalledAt: null, currency: "EUR" });
    expect(after.webPixelGid).toBe("gid://shopify/WebPixel/9");
    const session = await prisma.session.findFirstOrThrow({ where: { shop, isOnline: false } });
    expect(session.accessToken).toBe("shpat_reinstalled");

    expect((await orderWebhook(shop)).status).toBe(200);
    expect(await prisma.order.count({ where: { shopId } })).toBe(1);
  });
});
