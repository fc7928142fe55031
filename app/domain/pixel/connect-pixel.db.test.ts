/**
 * connectWebPixel against a stand-in for Shopify's Admin GraphQL pixel mutations that behaves as documented:
 * one pixel per app and shop, settings validated against the extension's shopify.extension.toml.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { parse } from "smol-toml";
import { beforeEach, describe, expect, it } from "vitest";
import { createReportShop } from "../../../test/report-fixtures";
import { prisma } from "../../db.server";
import type { AdminGraphql } from "../admin-graphql";
import { connectWebPixel } from "./connect-pixel.server";

const toml = parse(
  readFileSync(
    path.resolve(import.meta.dirname, "../../../extensions/chat-attribution-pixel/shopify.extension.toml"),
    "utf8",
  ),
) as {
  settings: { fields: Record<string, { validations?: { name: string; value: string }[] }> };
};

/** Shopify's side: validates settings like webPixelCreate does ("fails if the settings don't match the schema"). */
function shopifyPixels() {
  const state: { pixel: { id: string; settings: Record<string, string> } | null; calls: string[] } = {
    pixel: null,
    calls: [],
  };
  let next = 1;
  const validate = (settings: string) => {
    const parsed = JSON.parse(settings) as Record<string, string>;
    const errors = Object.entries(toml.settings.fields).flatMap(([name, field]) =>
      (field.validations ?? [])
        .filter((rule) =>
          rule.name === "min"
            ? (parsed[name] ?? "").length < Number(rule.value)
            : (parsed[name] ?? "").length > Number(rule.value),
        )
        .map(() => ({ code: "INVALID_CONFIGURATION", field: ["settings", name], message: `${name} is invalid` })),
    );
    const unknown = Object.keys(parsed).filter((key) => !(key in toml.settings.fields));
    return [
      ...errors,
      ...unknown.map((key) => ({
        code: "INVALID_CONFIGURATION",
        field: ["settings", key],
        message: `${key} is not a setting`,
      })),
    ];
  };
  const answer = (data: unknown) =>
    new Response(JSON.stringify({ data }), { headers: { "Content-Type": "application/json" } });
  const admin: AdminGraphql = {
    graphql: async (query, options) => {
      const variables = (options?.variables ?? {}) as { id?: string; webPixel?: { settings: string } };
      if (query.includes("webPixelCreate")) {
        state.calls.push("create");
        if (state.pixel)
          return answer({
            webPixelCreate: {
              webPixel: null,
              userErrors: [{ code: "TAKEN", field: null, message: "Web pixel is taken." }],
            },
          });
        const errors = validate(variables.webPixel!.settings);
        if (errors.length) return answer({ webPixelCreate: { webPixel: null, userErrors: errors } });
        state.pixel = { id: `gid://shopify/WebPixel/${next++}`, settings: JSON.parse(variables.webPixel!.settings) };
        return answer({ webPixelCreate: { webPixel: { id: state.pixel.id }, userErrors: [] } });
      }
      if (query.includes("webPixelUpdate")) {
        state.calls.push("update");
        if (!state.pixel || state.pixel.id !== variables.id)
          return answer({
            webPixelUpdate: {
              webPixel: null,
              userErrors: [{ code: "NOT_FOUND", field: ["id"], message: "Pixel not found" }],
            },
          });
        state.pixel.settings = JSON.parse(variables.webPixel!.settings);
        return answer({ webPixelUpdate: { webPixel: { id: state.pixel.id }, userErrors: [] } });
      }
      state.calls.push("find");
      return answer({ webPixel: state.pixel ? { id: state.pixel.id } : null });
    },
  };
  return { admin, state };
}

const APP_URL = "https://chat-attribution.example";

describe("connectWebPixel", () => {
  let shop: Awaited<ReturnType<typeof createReportShop>>;
  beforeEach(async () => {
    shop = await createReportShop();
  });

  it("creates the pixel with the shop's account id and the ingest URL, then updates the same pixel when run again", async () => {
    const shopify = shopifyPixels();
    const first = await connectWebPixel(prisma, shop, shopify.admin, APP_URL);
    expect(first).toEqual({ status: "CREATED", gid: "gid://shopify/WebPixel/1" });
    expect(shopify.state.pixel?.settings).toEqual({
      accountID: shop.pixelAccountId,
      ingestUrl: `${APP_URL}/api/pixel`,
    });
    const stored = await prisma.shop.findUniqueOrThrow({ where: { id: shop.id } });
    expect(stored.webPixelGid).toBe("gid://shopify/WebPixel/1");

    const again = await connectWebPixel(prisma, stored, shopify.admin, "https://moved.example");
    expect(again).toEqual({ status: "UPDATED", gid: "gid://shopify/WebPixel/1" });
    expect(shopify.state.pixel?.settings.ingestUrl).toBe("https://moved.example/api/pixel");
    expect(shopify.state.calls).toEqual(["create", "update"]);
  });

  it("adopts the pixel Shopify already has for the app when the shop row lost its id (reinstall)", async () => {
    const shopify = shopifyPixels();
    shopify.state.pixel = {
      id: "gid://shopify/WebPixel/77",
      settings: { accountID: "old", ingestUrl: "https://old.example/api/pixel" },
    };
    expect(await connectWebPixel(prisma, shop, shopify.admin, APP_URL)).toEqual({
      status: "UPDATED",
      gid: "gid://shopify/WebPixel/77",
    });
    expect(shopify.state.calls).toEqual(["create", "find", "update"]);
    expect(shopify.state.pixel.settings.accountID).toBe(shop.pixelAccountId);
  });

  it("creates a new pixel when the stored one no longer exists", async () => {
    const shopify = shopifyPixels();
    const stale = await prisma.shop.update({
      where: { id: shop.id },
      data: { webPixelGid: "gid://shopify/WebPixel/999" },
    });
    expect(await connectWebPixel(prisma, stale, shopify.admin, APP_URL)).toEqual({
      status: "CREATED",
      gid: "gid://shopify/WebPixel/1",
    });
  });

  it("reports failure with Shopify's reason and keeps the stored state when Shopify cannot be reached", async () => {
    const unreachable: AdminGraphql = { graphql: async () => Promise.reject(new TypeError("fetch failed")) };
    expect(await connectWebPixel(prisma, shop, unreachable, APP_URL)).toEqual({
      status: "FAILED",
      reason: "fetch failed",
    });
    expect((await prisma.shop.findUniqueOrThrow({ where: { id: shop.id } })).webPixelGid).toBeNull();
  });
});
