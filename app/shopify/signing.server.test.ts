import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { adminHostParam, appProxySignature, signSessionToken, webhookHmac } from "./signing.server";

describe("Shopify signing schemes", () => {
  it("signs App Proxy parameters like Shopify's documented test vector", () => {
    // shopify-platform-facts.md §5.1: secret "hush", documented signature.
    const params = new URLSearchParams(
      "extra=1&extra=2&shop=shop-name.myshopify.com&logged_in_customer_id=1&path_prefix=%2Fapps%2Fawesome_reviews&timestamp=1317327555&signature=ignored",
    );
    expect(appProxySignature("hush", params)).toBe("4c68c8624d737112c91818c11017d24d334b524cb5c2b8ba08daa056f7395ddb");
  });

  it("signs webhook bodies as base64 HMAC-SHA256 of the raw bytes", () => {
    const body = '{"id":1}';
    expect(webhookHmac("secret", body)).toBe(createHmac("sha256", "secret").update(body).digest("base64"));
    expect(webhookHmac("secret", body)).not.toBe(webhookHmac("other", body));
  });

  it("mints an HS256 session token for the shop with the API key as audience", () => {
    const now = new Date("2026-11-22T12:00:00Z");
    const token = signSessionToken("secret", { shop: "a.myshopify.com", apiKey: "key", now });
    const [header, body, signature] = token.split(".");
    expect(JSON.parse(Buffer.from(header, "base64url").toString())).toEqual({ alg: "HS256", typ: "JWT" });
    const claims = JSON.parse(Buffer.from(body, "base64url").toString());
    expect(claims).toMatchObject({
      iss: "https://a.myshopify.com/admin",
      dest: "https://a.myshopify.com",
      aud: "key",
      iat: now.getTime() / 1000,
      exp: now.getTime() / 1000 + 60,
    });
    expect(signature).toBe(createHmac("sha256", "secret").update(`${header}.${body}`).digest("base64url"));
  });

  it("encodes the embedded admin host parameter", () => {
    expect(Buffer.from(adminHostParam("demo-shop.myshopify.com"), "base64").toString()).toBe(
      "admin.shopify.com/store/demo-shop",
    );
  });
});
