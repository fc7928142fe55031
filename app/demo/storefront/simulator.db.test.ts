/**
 * The storefront simulator against the app's real routes: what it forwards through its App Proxy must pass
 * authenticate.public.appProxy, and its checkout's webhook must pass authenticate.webhook and store the order.
 */
import { randomUUID } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dispatch } from "../../../test/app-routes";
import { TEST_API_SECRET } from "../../../test/setup-env";
import { prisma } from "../../db.server";
import { installShop } from "../../domain/shops.server";
import { createStorefrontSimulator } from "./simulator.server";
import { EMBED_EXTENSION_DIR } from "../../../scripts/build-embed";

const extensionDir = EMBED_EXTENSION_DIR;
let app: Server;
let appUrl: string;
const servers: Server[] = [];

/** The app's routes behind a real HTTP port, as the simulator (like Shopify) reaches the app over HTTP. */
beforeAll(async () => {
  app = createServer(async (incoming, outgoing) => {
    const chunks: Buffer[] = [];
    for await (const chunk of incoming) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const request = new Request(`http://${incoming.headers.host}${incoming.url}`, {
      method: incoming.method,
      headers: incoming.headers as Record<string, string>,
      body: ["GET", "HEAD"].includes(incoming.method!) ? undefined : new Uint8Array(body),
    });
    const response = await dispatch(request);
    outgoing.writeHead(response.status, Object.fromEntries(response.headers));
    outgoing.end(Buffer.from(await response.arrayBuffer()));
  });
  await new Promise<void>((resolve) => app.listen(0, "127.0.0.1", resolve));
  appUrl = `http://127.0.0.1:${(app.address() as AddressInfo).port}`;
});

afterAll(async () => {
  for (const server of [app, ...servers]) await new Promise((resolve) => server.close(resolve));
});

async function storefront(shopDomain: string, apiSecret = TEST_API_SECRET) {
  const simulator = createStorefrontSimulator({ appUrl, apiSecret, shopDomain, currency: "EUR", extensionDir });
  const server = await simulator.listen(0, "127.0.0.1");
  servers.push(server);
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  let cookie = "";
  const call = async (pathname: string, init: RequestInit = {}) => {
    const response = await fetch(`${base}${pathname}`, {
      ...init,
      redirect: "manual",
      headers: { ...(init.headers as object), cookie },
    });
    const setCookie = response.headers.getSetCookie().map((value) => value.split(";")[0]);
    if (setCookie.length) cookie = [...cookie.split("; ").filter(Boolean), ...setCookie].join("; ");
    return response;
  };
  const postJson = (pathname: string, body: unknown) =>
    call(pathname, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
  return { call, postJson, simulator };
}

const message = (conversationId: string, visitorId: string) => ({
  id: randomUUID(),
  type: "message",
  occurredAt: new Date().toISOString(),
  visitorId,
  conversationId,
  role: "assistant",
  answerFound: true,
});

describe("storefront simulator → app", () => {
  it("signs App Proxy requests the app accepts, for the shop the simulator is", async () => {
    const shopDomain = `sim-${randomUUID().slice(0, 8)}.myshopify.com`;
    const shop = await installShop(prisma, { domain: shopDomain, currency: "EUR" });
    const { postJson } = await storefront(shopDomain);
    const response = await postJson("/apps/chat-attribution/events", { events: [message("c_sim", "v_sim")] });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ accepted: 1, duplicates: 0 });
    expect(await prisma.clientEvent.count({ where: { shopId: shop.id } })).toBe(1);
  });

  it("renders the app embed (its settings tag and script) unless the merchant switched it off with ?embed=off", async () => {
    const { call } = await storefront(`sim-${randomUUID().slice(0, 8)}.myshopify.com`);
    const withEmbed = await (await call("/")).text();
    const withoutEmbed = await (await call("/?embed=off")).text();
    expect(withEmbed).toContain('src="/cdn/embed/chat-attribution.js"');
    expect(withoutEmbed).not.toContain("chat-attribution.js");
    expect(withoutEmbed).toContain("data-add-fetch"); // the rest of the theme is the same page
  });

  it("passes the app's 401 back when its signature is made with the wrong secret", async () => {
    const shopDomain = `sim-${randomUUID().slice(0, 8)}.myshopify.com`;
    const { postJson } = await storefront(shopDomain, "not-the-app-secret");
    const response = await postJson("/apps/chat-attribution/events", { events: [message("c_sim", "v_sim")] });
    expect(response.status).toBe(401);
  });

  it("checks out with a signed orders/paid webhook carrying cart attributes and line properties, then starts a new cart", async () => {
    const shopDomain = `sim-${randomUUID().slice(0, 8)}.myshopify.com`;
    const shop = await installShop(prisma, { domain: shopDomain, currency: "EUR" });
    const { call, postJson, simulator } = await storefront(shopDomain);
    expect(
      (
        await postJson("/cart/add.js", {
          items: [{ id: 48103, quantity: 1, properties: { _chat_session_id: "c_sim" } }],
        })
      ).status,
    ).toBe(200);
    await call("/cart/add", {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: "id=48101&quantity=2",
    });
    await postJson("/cart/update.js", { attributes: { _chat_session_id: "c_sim", _chat_visitor_id: "v_sim" } });
    const oldToken = (await (await call("/cart.js")).json()).token;

    const thankYou = await call("/checkout", { method: "POST" });
    expect(thankYou.status).toBe(200);
    const [placed] = simulator.orders;
    expect(placed.webhookStatus).toBe(200);
    const order = await prisma.order.findUniqueOrThrow({
      where: { shopId_shopifyOrderId: { shopId: shop.id, shopifyOrderId: String(placed.id) } },
      include: { lineItems: true },
    });
    expect(order.grossAmount?.toString()).toBe("107.6");
    expect(order.verified).toBe(true);
    expect(order.lineItems.map((line) => line.chatSessionId).sort()).toEqual(["c_sim", null]);

    const newCart = await (await call("/cart.js")).json();
    expect(newCart.token).not.toBe(oldToken);
    expect(newCart).toMatchObject({ attributes: {}, items: [] });
  });
});
