import { createHmac } from "node:crypto";
import {
  BASE64_HOST,
  getHmac,
  getJwt,
  RequestType,
  SHOPIFY_HOST,
  setUpValidRequest,
  TEST_SHOP,
} from "@shopify/shopify-api/test-helpers";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { shopifyLibrary } from "../../test/shopify-library";
import {
  adminHostParam,
  appProxySignature,
  signedAppProxyParams,
  signSessionToken,
  webhookHmac,
} from "./signing.server";

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

/**
 * The library ships its own signers in @shopify/shopify-api/test-helpers. Ours stay (decision 012); where the two
 * overlap they must agree, and where ours are closer to what Shopify sends the difference is pinned here.
 */
describe("our signers against @shopify/shopify-api/test-helpers", () => {
  const secret = "oracle-secret";

  it("signs any webhook body exactly as getHmac does", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme" }), (body) => {
        expect(webhookHmac(secret, body)).toBe(getHmac(body, secret));
      }),
    );
  });

  it("encodes the admin host as the library's BASE64_HOST, without its base64 padding", () => {
    expect(adminHostParam(TEST_SHOP)).toBe(BASE64_HOST.replace(/=+$/, ""));
    expect(Buffer.from(adminHostParam(TEST_SHOP), "base64").toString()).toBe(SHOPIFY_HOST);
  });

  it("mints session tokens the library accepts, with the claims getJwt sets and Shopify's issuer", async () => {
    const library = shopifyLibrary(secret);
    const ours = await library.session.decodeSessionToken(
      signSessionToken(secret, { shop: "test-shop.myshopify.com", apiKey: "key" }),
    );
    const theirs = await library.session.decodeSessionToken((await getJwt("test-shop", "key", secret)).token);
    expect(Object.keys(ours).sort()).toEqual(Object.keys(theirs).sort());
    expect(ours).toMatchObject({ dest: theirs.dest, aud: theirs.aud });
    // Shopify's issuer is the admin URL with its scheme; getJwt leaves the scheme off.
    expect(ours.iss).toBe("https://test-shop.myshopify.com/admin");
    expect(theirs.iss).toBe("test-shop.myshopify.com/admin");
    // App Bridge tokens live a minute; getJwt's run from an hour before now to an hour after.
    expect(ours.exp - ours.iat).toBe(60);
    expect(theirs.exp - theirs.iat).toBe(7200);
  });

  it("signs App Proxy queries the library accepts, including those setUpValidRequest cannot make", async () => {
    const library = shopifyLibrary(secret);
    const plain = await setUpValidRequest(
      { type: RequestType.Public, store: "test-shop", apiSecretKey: secret },
      new Request("https://test-shop.myshopify.com/apps/chat/events?a=1"),
    );
    const plainParams = new URL(plain.url).searchParams;
    expect(appProxySignature(secret, plainParams)).toBe(plainParams.get("signature"));

    // Repeated keys (joined with ","), logged_in_customer_id and path_prefix: Shopify sends all three;
    // setUpValidRequest keeps only the last of a repeated key and sets neither of the other two.
    const query = new URLSearchParams("extra=1&extra=2");
    const ourParams = signedAppProxyParams(
      secret,
      {
        shop: "test-shop.myshopify.com",
        loggedInCustomerId: "42",
        pathPrefix: "/apps/chat",
      },
      query,
    );
    const valid = await library.utils.validateHmac(ourParams, { signator: "appProxy" });
    expect(valid).toBe(true);
  });
});
