/**
 * POST /api/v1/links through the real route: a chat backend's tracked URL for a conversation, recorded as shared, so a
 * landing through it (event protocol `link_click`) is a LINK touch. Every request and response is checked against the
 * OpenAPI document the app serves.
 */
import { randomUUID } from "node:crypto";
import { beforeEach, describe, expect, it } from "vitest";
import { dispatch } from "../../test/app-routes";
import { requestBodyErrors, responseErrors } from "../../test/openapi";
import { APP_URL } from "../../test/shopify-requests";
import { prisma } from "../db.server";
import { createApiKey } from "../domain/api-keys/api-keys.server";
import { installShop } from "../domain/shops.server";
import { landingLink } from "../storefront/links";

const PATH = "/api/v1/links";
let shop: { id: string; domain: string };
let key: string;

async function post(body: unknown, options: { key?: string; method?: string; raw?: string } = {}) {
  const response = await dispatch(
    new Request(`${APP_URL}${PATH}`, {
      method: options.method ?? "POST",
      headers: { Authorization: `Bearer ${options.key ?? key}`, "Content-Type": "application/json" },
      body: options.method === "GET" ? undefined : (options.raw ?? JSON.stringify(body)),
    }),
  );
  expect(await responseErrors(PATH, "post", response)).toEqual([]);
  return response;
}

describe("POST /api/v1/links", () => {
  beforeEach(async () => {
    shop = await installShop(prisma, { domain: `links-${randomUUID().slice(0, 8)}.myshopify.com`, currency: "EUR" });
    key = (await createApiKey(prisma, shop.id, "Chat backend")).key;
  });

  it("answers a tracked URL and records the link as the conversation's, without the URL's query", async () => {
    const body = { conversationId: "c_mail", url: `https://${shop.domain}/products/serum?variant=48103&email=a%40b.c` };
    expect(requestBodyErrors(PATH, "post", body)).toEqual([]);
    const response = await post(body);
    expect(response.status).toBe(200);
    const { url, linkId } = await response.json();
    expect(linkId).toMatch(/^[0-9a-z]{8}$/);
    const tracked = new URL(url);
    expect(tracked.searchParams.get("variant")).toBe("48103");
    expect(landingLink(tracked.search)).toEqual({ linkId, conversationId: "c_mail" });

    const link = await prisma.chatLink.findFirstOrThrow({
      where: { shopId: shop.id },
      include: { conversation: true },
    });
    expect(link).toMatchObject({ token: linkId, url: `https://${shop.domain}/products/serum`, source: "SERVER_API" });
    expect(link.conversation.externalId).toBe("c_mail");

    // Two links for the same conversation get two tokens.
    const second = await (await post(body)).json();
    expect(second.linkId).not.toBe(linkId);
  });

  it("answers 400 with the field for a bad URL or conversation, 401 for a bad key, 405 for GET, 413 over 4 KB", async () => {
    const badUrl = await post({ conversationId: "c_1", url: "javascript:alert(1)" });
    expect(badUrl.status).toBe(400);
    expect((await badUrl.json()).errors).toEqual([{ field: "url", message: "must be an absolute http(s) URL" }]);
    const noConversation = await post({ url: "https://example.com/" });
    expect(noConversation.status).toBe(400);
    expect((await post({}, { raw: "{" })).status).toBe(400);
    expect((await post({ conversationId: "c_1", url: "https://example.com/" }, { key: "ca_unknown" })).status).toBe(
      401,
    );
    expect((await post(null, { method: "GET" })).status).toBe(405);
    expect((await post({ conversationId: "c_1", url: `https://example.com/${"x".repeat(5000)}` })).status).toBe(413);
    expect(await prisma.chatLink.count({ where: { shopId: shop.id } })).toBe(0);
  });

  it("refuses a link for a conversation of another visitor than the one it names", async () => {
    const visitor = await prisma.visitor.create({
      data: { shopId: shop.id, visitorKey: "v_owner", firstSeenAt: new Date(), lastSeenAt: new Date() },
    });
    await prisma.conversation.create({
      data: { shopId: shop.id, externalId: "c_owned", startedAt: new Date(), visitorId: visitor.id },
    });
    const response = await post({ conversationId: "c_owned", url: "https://example.com/p", visitorId: "v_other" });
    expect(response.status).toBe(400);
    expect((await response.json()).errors[0].message).toMatch(/belongs to another visitor/);
    expect((await post({ conversationId: "c_owned", url: "https://example.com/p", visitorId: "v_owner" })).status).toBe(
      200,
    );
  });
});
