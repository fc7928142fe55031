/**
 * The embedded admin behind the real authenticate.admin: session tokens signed with the app secret for a
 * shop with an offline session are accepted; forged or foreign tokens are not.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { dispatch } from "../../test/app-routes";
import { adminDocumentRequest, adminFetchRequest } from "../../test/shopify-requests";
import { prisma } from "../db.server";
import { seedDemoShop } from "../demo/seed.server";
import { DEMO_SHOP_DOMAIN } from "../config.server";
import { adminHostParam, signSessionToken } from "../shopify/signing.server";
import { TEST_API_KEY, TEST_API_SECRET } from "../../test/setup-env";

describe("admin authentication", () => {
  beforeAll(async () => {
    await seedDemoShop(prisma);
  });

  it("loads the admin layout for the document request Shopify's admin makes", async () => {
    const { loader } = await import("./app");
    const data = await loader({ request: adminDocumentRequest("/app", DEMO_SHOP_DOMAIN), params: {}, context: {} });
    expect(data).toEqual({
      shop: DEMO_SHOP_DOMAIN,
      apiKey: "test-api-key",
      demoMode: false,
      locale: "en",
      language: "en",
    });
  });

  it("speaks the language of the admin user's locale on the app's URL, else the shop's", async () => {
    const { loader } = await import("./app");
    const withLocale = async (locale: string) => {
      const request = adminDocumentRequest("/app", DEMO_SHOP_DOMAIN);
      const url = new URL(request.url);
      url.searchParams.set("locale", locale);
      const data = await loader({ request: new Request(url, { headers: request.headers }), params: {}, context: {} });
      return { locale: data.locale, language: data.language };
    };
    expect(await withLocale("de-DE")).toEqual({ locale: "de-DE", language: "de" });
    expect(await withLocale("fr")).toEqual({ locale: "fr", language: "en" });
    // A locale that is no BCP 47 tag is ignored, not passed on to Intl.
    expect(await withLocale("<script>")).toEqual({ locale: "en", language: "en" });
  });

  it("answers a document request whose id_token or host is malformed with 401, never 500", async () => {
    const { loader } = await import("./app");
    const good = adminDocumentRequest("/app", DEMO_SHOP_DOMAIN);
    for (const [name, value] of [
      [
        "id_token",
        signSessionToken(TEST_API_SECRET, { shop: DEMO_SHOP_DOMAIN, apiKey: TEST_API_KEY, dest: "not a url" }),
      ],
      ["host", "%%%not-base64%%%"],
    ]) {
      const url = new URL(good.url);
      url.searchParams.set(name, value);
      const answer = await loader({
        request: new Request(url, { headers: good.headers }),
        params: {},
        context: {},
      }).then(
        () => null,
        (thrown: unknown) => thrown,
      );
      expect(answer instanceof Response && answer.status).toBe(401);
    }
  });

  it("serves the home loader to a fetch carrying an App Bridge bearer token", async () => {
    const request = adminFetchRequest("/app", DEMO_SHOP_DOMAIN);
    const { loader } = await import("./app._index");
    const data = (await loader({ request, params: {}, context: {} })) as Awaited<ReturnType<typeof loader>>;
    expect(data.report).toMatchObject({
      shop: DEMO_SHOP_DOMAIN,
      currency: "EUR",
      timezone: "Europe/Berlin",
      range: { days: 30 },
    });
    expect(data).toMatchObject({ preset: "30d", hasOrders: false });
  });

  it("rejects a bearer token signed with another secret with 401", async () => {
    const response = await dispatch(adminFetchRequest("/app", DEMO_SHOP_DOMAIN, {}, "forged-secret"));
    expect(response.status).toBe(401);
  });

  it("does not render the admin for a document request without a session token", async () => {
    const response = await dispatch(
      new Request(
        `https://chat-attribution.test/app?shop=${DEMO_SHOP_DOMAIN}&embedded=1&host=${adminHostParam(DEMO_SHOP_DOMAIN)}`,
        {
          headers: { "User-Agent": "Mozilla/5.0 Chrome/126.0" },
        },
      ),
    );
    // The library bounces the browser to App Bridge to fetch a token first.
    expect(response.status).toBe(302);
    expect(response.headers.get("Location")).toContain("/auth/session-token");
  });

  it("keeps the demo-only routes closed when demo mode is off", async () => {
    for (const path of ["/demo", "/demo/session-token", "/demo/app-bridge.js"]) {
      const response = await dispatch(new Request(`https://chat-attribution.test${path}`));
      expect(response.status, path).toBe(404);
    }
  });
});
