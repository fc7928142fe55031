/**
 * The app checks App Proxy signatures itself (for speed); @shopify/shopify-api's validateHmac with the
 * "appProxy" signator — what authenticate.public.appProxy calls — is the oracle: same verdict on every case.
 */
import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { shopifyLibrary } from "../../test/shopify-library";
import { appProxySignature, signedAppProxyParams } from "./signing.server";
import { isSignedAppProxyUrl, verifyAppProxyRequest } from "./app-proxy.server";

const SECRET = "proxy-secret";
const library = shopifyLibrary(SECRET);
const now = () => Math.trunc(Date.now() / 1000);
const base = "https://app.example.com/proxy/events";
const forward = { shop: "a.myshopify.com", pathPrefix: "/apps/chat-attribution", loggedInCustomerId: "7" };
const signed = (
  query = new URLSearchParams(),
  extra: Partial<typeof forward & { timestamp: number }> = {},
  secret = SECRET,
) => signedAppProxyParams(secret, { ...forward, ...extra }, query);
const resigned = (params: URLSearchParams) => {
  params.set("signature", appProxySignature(SECRET, params));
  return params;
};

/**
 * The library sorts keys with localeCompare and drops an empty `index` before signing; the documented scheme
 * (signing.server.ts, which the demo uses) sorts `key=value` strings by code point. They differ only on keys like
 * these; signed here the library's way, to show the app accepts exactly what the library accepts.
 */
const signedTheLibrarysWay = (extra: string) => {
  const params = signed(new URLSearchParams(extra));
  const values = new Map<string, string[]>();
  for (const [key, value] of params)
    if (key !== "signature" && !(key === "index" && value === "")) values.set(key, [...(values.get(key) ?? []), value]);
  const message = [...values]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, list]) => `${key}=${list.join(",")}`)
    .join("");
  params.set("signature", createHmac("sha256", SECRET).update(message).digest("hex"));
  return params;
};

const cases: { name: string; valid: boolean; params: () => URLSearchParams }[] = [
  { name: "a forwarded request", valid: true, params: () => signed() },
  {
    name: "the storefront's own parameters, one repeated",
    valid: true,
    params: () => signed(new URLSearchParams("extra=1&extra=2&page=3")),
  },
  {
    name: "a logged-out shopper (empty logged_in_customer_id)",
    valid: true,
    params: () => signed(undefined, { loggedInCustomerId: "" }),
  },
  { name: "a timestamp 89 s old", valid: true, params: () => signed(undefined, { timestamp: now() - 89 }) },
  {
    name: "keys that sort differently by locale, signed the library's way",
    valid: true,
    params: () => signedTheLibrarysWay("B=1&a=2&a_b=3&ab=4&A-Z=5&_x=6"),
  },
  {
    name: "the same keys signed by code point",
    valid: false,
    params: () => signed(new URLSearchParams("B=1&a=2&a_b=3&ab=4&A-Z=5&_x=6")),
  },
  {
    name: "an empty index parameter, left out of the signature",
    valid: true,
    params: () => signedTheLibrarysWay("index="),
  },
  {
    name: "an empty index parameter, signed as index=",
    valid: false,
    params: () => signed(new URLSearchParams("index=")),
  },
  {
    name: "a parameter changed after signing",
    valid: false,
    params: () => {
      const p = signed();
      p.set("logged_in_customer_id", "8");
      return p;
    },
  },
  {
    name: "a parameter added after signing",
    valid: false,
    params: () => {
      const p = signed();
      p.append("extra", "1");
      return p;
    },
  },
  { name: "another app's secret", valid: false, params: () => signed(undefined, {}, "other-secret") },
  { name: "a timestamp 120 s old", valid: false, params: () => signed(undefined, { timestamp: now() - 120 }) },
  { name: "a timestamp 120 s ahead", valid: false, params: () => signed(undefined, { timestamp: now() + 120 }) },
  {
    name: "no signature",
    valid: false,
    params: () => {
      const p = signed();
      p.delete("signature");
      return p;
    },
  },
  {
    name: "an uppercase signature",
    valid: false,
    params: () => {
      const p = signed();
      p.set("signature", p.get("signature")!.toUpperCase());
      return p;
    },
  },
  {
    name: "shop twice (signed so)",
    valid: false,
    params: () => {
      const p = signed();
      p.append("shop", "b.myshopify.com");
      return resigned(p);
    },
  },
  {
    name: "a timestamp that is not a number (signed so)",
    valid: false,
    params: () => {
      const p = signed();
      p.set("timestamp", "soon");
      return resigned(p);
    },
  },
];

async function libraryAccepts(params: URLSearchParams): Promise<boolean> {
  const query = new URLSearchParams(params);
  if (!query.get("index")) query.delete("index");
  try {
    return await library.utils.validateHmac(query, { signator: "appProxy" });
  } catch {
    return false; // InvalidHmacError: authenticate.public.appProxy answers 400
  }
}

describe("App Proxy verification agrees with @shopify/shopify-api", () => {
  it.each(cases)("$name → valid: $valid", async ({ params, valid }) => {
    const query = params();
    expect(await libraryAccepts(query)).toBe(valid);
    expect(isSignedAppProxyUrl(new URL(`${base}?${query}`), SECRET)).toBe(valid);
  });

  it("gives the signed shop and customer, and answers a bad signature 401 with a JSON reason", async () => {
    expect(await verifyAppProxyRequest(new Request(`${base}?${signed()}`, { method: "POST" }), SECRET)).toEqual({
      shop: "a.myshopify.com",
      loggedInCustomerId: "7",
    });
    const forged = signed();
    forged.set("shop", "b.myshopify.com");
    const refusal = await verifyAppProxyRequest(new Request(`${base}?${forged}`, { method: "POST" }), SECRET).catch(
      (response: Response) => response,
    );
    expect(refusal).toBeInstanceOf(Response);
    expect((refusal as Response).status).toBe(401);
    expect(await (refusal as Response).json()).toEqual({ error: "invalid app proxy signature" });
  });
});
