/**
 * Every URI declared in shopify.app.toml is served by a route, with Shopify's verification in the loop:
 * correctly signed → 200, wrongly signed → 401, GET on a webhook → 405.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { parse } from "smol-toml";
import { describe, expect, it } from "vitest";
import { ACCESS_SCOPES } from "../app/config.server";
import { dispatch, routeFor } from "./app-routes";
import { prisma } from "../app/db.server";
import { appProxyRequest, webhookRequest } from "./shopify-requests";

interface AppToml {
  access_scopes: { scopes: string };
  webhooks: { api_version: string; subscriptions: { uri: string; topics?: string[]; compliance_topics?: string[] }[] };
  app_proxy: { url: string; subpath: string; prefix: string };
  auth: { redirect_urls: string[] };
}

const toml = parse(
  readFileSync(path.resolve(import.meta.dirname, "..", "shopify.app.toml"), "utf8"),
) as unknown as AppToml;
const shop = "toml-shop.myshopify.com";

const webhookCases = toml.webhooks.subscriptions.flatMap((subscription) =>
  [...(subscription.topics ?? []), ...(subscription.compliance_topics ?? [])].map((topic) => ({
    uri: subscription.uri,
    topic,
  })),
);

const samplePayloads: Record<string, unknown> = {
  "customers/data_request": {
    shop_id: 1,
    shop_domain: shop,
    orders_requested: [],
    customer: { id: 1 },
    data_request: { id: 9 },
  },
  "customers/redact": { shop_id: 1, shop_domain: shop, customer: { id: 1 }, orders_to_redact: [] },
  "shop/redact": { shop_id: 1, shop_domain: shop },
  "app/uninstalled": { id: 1, name: "Toml shop", domain: "toml.example", myshopify_domain: shop },
  "app_subscriptions/update": {
    app_subscription: {
      admin_graphql_api_id: "gid://shopify/AppSubscription/1",
      name: "Pro",
      status: "ACTIVE",
      admin_graphql_api_shop_id: "gid://shopify/Shop/1",
      created_at: "2026-12-01T10:00:00Z",
      updated_at: "2026-12-01T10:00:00Z",
      currency: "USD",
      capped_amount: null,
    },
  },
};

describe("shopify.app.toml", () => {
  it("declares the scopes, API version and topics the app needs", () => {
    // The toml (what Shopify grants) and the app's own list (what it asks for at install) are one set.
    expect(toml.access_scopes.scopes.split(",").sort()).toEqual([...ACCESS_SCOPES].sort());
    expect(toml.webhooks.api_version).toBe("2026-07");
    expect(webhookCases.map((c) => c.topic)).toEqual(
      expect.arrayContaining([
        "orders/paid",
        "orders/updated",
        "orders/cancelled",
        "refunds/create",
        "app/uninstalled",
        "app_subscriptions/update",
        "customers/data_request",
        "customers/redact",
        "shop/redact",
      ]),
    );
  });

  describe.each(webhookCases)("webhook $topic → $uri", ({ uri, topic }) => {
    const body = samplePayloads[topic] ?? { id: 450789469, updated_at: "2026-11-01T10:00:00Z" };

    it("answers a correctly signed delivery with 200", async () => {
      const response = await dispatch(webhookRequest({ path: uri, topic, shop, body }));
      expect(response.status).toBe(200);
    });

    it("answers a delivery signed with another secret with 401", async () => {
      const response = await dispatch(webhookRequest({ path: uri, topic, shop, body, secret: "not-the-app-secret" }));
      expect(response.status).toBe(401);
    });

    it("answers GET with 405", async () => {
      const response = await dispatch(new Request(`https://chat-attribution.test${uri}`));
      expect(response.status).toBe(405);
    });
  });

  describe("app proxy", () => {
    const proxyPath = `${new URL(toml.app_proxy.url).pathname}/events`;
    const batch = () => ({
      events: [
        {
          id: crypto.randomUUID(),
          type: "identify",
          occurredAt: new Date().toISOString(),
          visitorId: "v_toml",
          emailSha256: "a".repeat(64),
        },
      ],
    });

    it("is mounted at /apps/chat-attribution", () => {
      expect(toml.app_proxy).toMatchObject({ subpath: "chat-attribution", prefix: "apps" });
    });

    it("answers a correctly signed request with 200, storing it for the signed shop", async () => {
      const response = await dispatch(appProxyRequest({ shop, path: proxyPath, body: batch() }));
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ accepted: 1 });
      expect(await prisma.visitor.count({ where: { shop: { domain: shop }, visitorKey: "v_toml" } })).toBe(1);
    });

    it("answers a wrongly signed request with 401", async () => {
      const response = await dispatch(appProxyRequest({ shop, path: proxyPath, body: batch(), secret: "wrong" }));
      expect(response.status).toBe(401);
    });

    it("answers a tampered shop parameter with 401", async () => {
      const signed = appProxyRequest({ shop, path: proxyPath, body: batch() });
      const url = new URL(signed.url);
      url.searchParams.set("shop", "victim.myshopify.com");
      expect((await dispatch(new Request(url, { method: "POST", body: JSON.stringify(batch()) }))).status).toBe(401);
      expect(await prisma.shop.count({ where: { domain: "victim.myshopify.com" } })).toBe(0);
    });

    it("answers a stale timestamp (replay) with 401", async () => {
      const stale = Math.floor(Date.now() / 1000) - 600;
      const response = await dispatch(appProxyRequest({ shop, path: proxyPath, body: batch(), timestamp: stale }));
      expect(response.status).toBe(401);
    });
  });

  it("serves every OAuth redirect URL", async () => {
    for (const redirectUrl of toml.auth.redirect_urls) {
      const { id } = await routeFor(new URL(redirectUrl).pathname);
      expect(id).toBe("routes/auth.$");
    }
  });
});
