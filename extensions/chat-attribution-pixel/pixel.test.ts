/**
 * The web pixel bundled the way Shopify's CLI bundles it (esbuild, one IIFE) and run in a Node `vm` with a
 * stand-in for the sandbox's `shopify.extend`, fed Shopify-shaped checkout_completed events; the request it makes
 * is what is asserted.
 */
import { build } from "esbuild";
import { readFileSync } from "node:fs";
import path from "node:path";
import { parse } from "smol-toml";
import { beforeAll, describe, expect, it } from "vitest";
import { parsePixelEvent } from "../../app/domain/pixel/pixel-event";
import { checkoutCompleted, loadPixel, SHOP_DOMAIN } from "./sandbox";
import type { PixelCheckoutBody } from "./src/index";

const extensionDir = import.meta.dirname;
let bundle: string;

beforeAll(async () => {
  const result = await build({
    entryPoints: [path.join(extensionDir, "src", "index.ts")],
    bundle: true,
    format: "iife",
    target: "es2020",
    write: false,
    minify: true,
  });
  bundle = result.outputFiles[0].text;
});

const settings = { accountID: "0193a8f2-7c1e-7a4b-9d3e-2f6a1b5c8d90", ingestUrl: "https://app.example/api/pixel" };

function pixelWith(pixelSettings: Record<string, string>) {
  const pixel = loadPixel(bundle, pixelSettings);
  return {
    ...pixel,
    bodies: () => pixel.sent.map((request) => JSON.parse(String(request.init.body)) as PixelCheckoutBody),
  };
}

describe("web pixel extension", () => {
  it("declares a strict pixel that needs only analytics consent, with the two settings the app sets", () => {
    const toml = parse(readFileSync(path.join(extensionDir, "shopify.extension.toml"), "utf8")) as Record<string, any>;
    expect(toml).toMatchObject({ type: "web_pixel_extension", runtime_context: "strict" });
    expect(toml.customer_privacy).toEqual({
      analytics: true,
      marketing: false,
      preferences: false,
      sale_of_data: "disabled",
    });
    expect(Object.keys(toml.settings.fields)).toEqual(["accountID", "ingestUrl"]);
  });

  it("sends checkout_completed with the cart's chat stamps, as a keepalive text body the app's schema accepts, without personal data", () => {
    const pixel = pixelWith(settings);
    expect(pixel.subscribed).toEqual(["checkout_completed"]);
    pixel.emit(
      "checkout_completed",
      checkoutCompleted({
        attributes: [
          { key: "_chat_session_id", value: "c_8a3c" },
          { key: "_chat_visitor_id", value: "v_77" },
          { key: "gift_note", value: "Happy birthday" },
        ],
      }),
    );

    expect(pixel.sent).toHaveLength(1);
    const [request] = pixel.sent;
    expect(request.url).toBe(settings.ingestUrl);
    expect(request.init).toMatchObject({ method: "POST", keepalive: true });
    // No headers at all: a string body goes out as text/plain, a CORS simple request with no preflight.
    expect(request.init.headers).toBeUndefined();
    const [body] = pixel.bodies();
    expect(body).toEqual({
      v: 1,
      eventId: "sh-88153c5a-8f9e-4e5b-b1cd-0c4b1c2d3e4f",
      clientId: "c7f2a8d4-1b3e-4c5d-9e6f-7a8b9c0d1e2f",
      timestamp: "2026-11-22T10:15:30.123Z",
      shop: SHOP_DOMAIN,
      accountId: settings.accountID,
      checkout: {
        orderId: "5720304551234",
        token: "f0e1d2c3b4a5968778695a4b3c2d1e0f",
        currencyCode: "EUR",
        totalPrice: 72.7,
        subtotalPrice: 72.7,
        attributes: [
          { key: "_chat_session_id", value: "c_8a3c" },
          { key: "_chat_visitor_id", value: "v_77" },
          { key: "gift_note", value: "Happy birthday" },
        ],
        lineItems: [
          {
            productId: "8103",
            variantId: "48103",
            quantity: 1,
            finalLinePrice: 37.8,
            properties: [{ key: "_chat_session_id", value: "c_8a3c" }],
          },
          { productId: "8101", variantId: "48101", quantity: 1, finalLinePrice: 34.9, properties: [] },
        ],
      },
    });
    expect(String(request.init.body)).not.toMatch(/buyer@example\.com|1234567|Hauptstr/);
    expect(parsePixelEvent(body)).toMatchObject({ ok: true });
  });

  it("sends a checkout without attributes too (the app still learns the order's checkout token)", () => {
    const pixel = pixelWith(settings);
    pixel.emit("checkout_completed", checkoutCompleted());
    expect(pixel.bodies()[0].checkout.attributes).toEqual([]);
    expect(parsePixelEvent(pixel.bodies()[0])).toMatchObject({ ok: true });
  });

  it("reports again from a post-purchase upsell page with its own event id and the same order (the app keeps the first)", () => {
    const pixel = pixelWith(settings);
    pixel.emit("checkout_completed", checkoutCompleted({ id: "sh-first" }));
    pixel.emit(
      "checkout_completed",
      checkoutCompleted({ id: "sh-upsell", pathname: "/checkouts/cn/abc/post_purchase" }),
    );
    expect(pixel.bodies().map((body) => [body.eventId, body.checkout.orderId])).toEqual([
      ["sh-first", "5720304551234"],
      ["sh-upsell", "5720304551234"],
    ]);
  });

  it("keeps the original event id and time when Shopify replays an event after consent was given", () => {
    // Shopify runs the pixel only once consent exists, then replays the events it held back.
    const pixel = pixelWith(settings);
    const heldBack = checkoutCompleted({ id: "sh-before-consent", timestamp: "2026-11-22T09:00:00.000Z" });
    pixel.emit("checkout_completed", heldBack);
    expect(pixel.bodies()[0]).toMatchObject({ eventId: "sh-before-consent", timestamp: "2026-11-22T09:00:00.000Z" });
  });

  it("stays silent when the app has not set its settings", () => {
    const pixel = pixelWith({ accountID: "", ingestUrl: "" });
    expect(pixel.subscribed).toEqual([]);
  });
});
