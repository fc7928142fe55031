/**
 * Tenant isolation: a session token for shop A reads nothing of shop B through any route. The routes are
 * enumerated from the app's own route files (Remix's flat-routes convention), so a route added later is tried
 * too; a route with a URL parameter this test does not know fails the test until it is given B's id for it.
 */
import { randomUUID } from "node:crypto";
import path from "node:path";
// Deep import of Remix's own route-convention implementation (as test/app-routes.ts does).
import { flatRoutes } from "@remix-run/dev/dist/config/flat-routes.js";
import { beforeAll, describe, expect, it } from "vitest";
import { prisma } from "../app/db.server";
import { storeOfflineSession } from "../app/demo/seed.server";
import { createApiKey } from "../app/domain/api-keys/api-keys.server";
import { installShop } from "../app/domain/shops.server";
import { dispatch } from "./app-routes";
import { createConversation, createOrder, onProPlan } from "./report-fixtures";
import { adminFetchRequest } from "./shopify-requests";

const appDir = path.resolve(import.meta.dirname, "..", "app");
const shopA = `isolation-a-${randomUUID().slice(0, 8)}.myshopify.com`;
const shopB = `isolation-b-${randomUUID().slice(0, 8)}.myshopify.com`;

/** Everything of B's that must never appear in an answer to A. */
const secrets = {
  orderName: `#B-${randomUUID().slice(0, 6)}`,
  conversation: `c_b_${randomUUID().slice(0, 8)}`,
  keyName: `B key ${randomUUID().slice(0, 6)}`,
  customer: "88990077",
  experiment: `B experiment ${randomUUID().slice(0, 6)}`,
};
const idsOfB: Record<string, string> = {};

/** Every page and API route a merchant's session token can reach, with B's ids in place of its parameters. */
function adminRoutePaths(): string[] {
  const manifest = flatRoutes(appDir, ["**/.*", "**/*.test.ts", "**/*.test.tsx"]) as Record<
    string,
    { id: string; file: string; path?: string; index?: boolean; parentId?: string }
  >;
  const fullPath = (id: string): string => {
    const route = manifest[id];
    const parent = route.parentId && route.parentId !== "root" ? fullPath(route.parentId) : "";
    return [parent, route.path ?? ""].filter(Boolean).join("/");
  };
  return Object.values(manifest)
    .map((route) => `/${fullPath(route.id)}`)
    .filter((url) => /^\/(app|api)(\/|$)/.test(url))
    .map((url) =>
      url.replace(/:(\w+)/g, (_, param: string) => {
        if (!(param in idsOfB))
          throw new Error(`isolation test: give shop B's id for route parameter :${param} (${url})`);
        return idsOfB[param];
      }),
    )
    .sort();
}

describe("tenant isolation", () => {
  beforeAll(async () => {
    const a = await installShop(prisma, { domain: shopA, currency: "EUR", timezone: "Europe/Berlin" });
    const b = await installShop(prisma, { domain: shopB, currency: "EUR", timezone: "Europe/Berlin" });
    await storeOfflineSession(prisma, shopA);
    await storeOfflineSession(prisma, shopB);
    // Both on Pro: every route answers with data, so each shop's lookups are what is under test.
    await Promise.all([onProPlan(a.id), onProPlan(b.id)]);
    const now = new Date().toISOString();
    // A has data of its own, so an empty answer is not mistaken for isolation.
    await createConversation(a, { startedAt: now, touches: [{ at: now }] });
    await createOrder(a, { at: now, gross: "10.00" });
    const conversation = await createConversation(b, {
      externalId: secrets.conversation,
      startedAt: now,
      touches: [{ at: now, topic: "b-secret-topic" }],
    });
    const order = await createOrder(b, {
      at: now,
      gross: "777.77",
      name: secrets.orderName,
      classification: "LED",
      conversationId: conversation.id,
      lineItems: [{ productId: "8101", title: "b-secret-product", quantity: 1, amount: "777.77" }],
    });
    const request = await prisma.customerDataRequest.create({
      data: {
        shopId: b.id,
        shopifyRequestId: "b-req-1",
        customerId: secrets.customer,
        report: { customer: secrets.customer },
      },
    });
    await createApiKey(prisma, b.id, secrets.keyName);
    const experiment = await prisma.experiment.create({
      data: {
        shopId: b.id,
        name: secrets.experiment,
        arms: { create: [{ key: "b-secret-arm", name: "B arm", position: 0, weight: 100, showChat: true }] },
      },
    });
    Object.assign(idsOfB, {
      orderId: order.shopifyOrderId,
      conversationId: conversation.id,
      requestId: request.id,
      experimentId: experiment.id,
    });
  });

  it("enumerates the admin routes, parameters included", () => {
    const paths = adminRoutePaths();
    expect(paths).toEqual(
      expect.arrayContaining([
        "/app",
        "/app/orders",
        `/app/orders/${idsOfB.orderId}`,
        `/api/orders/${idsOfB.orderId}/attribution`,
        "/api/reports/summary",
        "/app/experiments",
        `/app/experiments/${idsOfB.experimentId}`,
        `/api/reports/experiments/${idsOfB.experimentId}`,
      ]),
    );
    expect(paths.length).toBeGreaterThanOrEqual(14);
  });

  it("answers shop A's session token on every admin route without any of shop B's data", async () => {
    const leaks: string[] = [];
    for (const url of adminRoutePaths()) {
      const withRange =
        url.startsWith("/api/reports") ||
        url === "/app" ||
        url.startsWith("/app/orders") ||
        url.startsWith("/app/conversations")
          ? `${url}?preset=7d`
          : url;
      const response = await dispatch(adminFetchRequest(withRange, shopA)).catch((error: unknown) =>
        error instanceof Response ? error : Promise.reject(error),
      );
      const body = await response.text();
      for (const [what, secret] of Object.entries({
        ...secrets,
        orderGross: "777.77",
        topic: "b-secret-topic",
        product: "b-secret-product",
      })) {
        if (body.includes(secret)) leaks.push(`${withRange} (${response.status}) shows B's ${what}`);
      }
      // A route naming one of B's records must not find it for A.
      if (Object.values(idsOfB).some((id) => url.includes(id)) && response.status !== 404)
        leaks.push(`${withRange} answered ${response.status} for B's record`);
      expect(response.status, withRange).toBeLessThan(500);
    }
    expect(leaks).toEqual([]);
  });

  it("lets shop B's own token see its order, so the check above is not vacuous", async () => {
    const response = await dispatch(adminFetchRequest(`/api/orders/${idsOfB.orderId}/attribution`, shopB));
    expect(response.status).toBe(200);
    expect(await response.text()).toContain(secrets.orderName);
  });
});
