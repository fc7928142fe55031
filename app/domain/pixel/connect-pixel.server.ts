/**
 * Creates the shop's web pixel (webPixelCreate) or updates it (webPixelUpdate), so that it carries the shop's
 * pixel account id and the app's ingest URL. Idempotent: run on install and whenever the merchant asks again
 * from Setup. Shopify validates the settings against extensions/chat-attribution-pixel/shopify.extension.toml.
 */
import type { Shop } from "@prisma/client";
import type { DbTx } from "../../db.server";
import { adminApiError, type AdminGraphql } from "../admin-graphql";
import { errorMessage } from "../../lib/error-message";

const CREATE = `#graphql
  mutation CreateWebPixel($webPixel: WebPixelInput!) {
    webPixelCreate(webPixel: $webPixel) { webPixel { id } userErrors { code field message } }
  }`;

const UPDATE = `#graphql
  mutation UpdateWebPixel($id: ID!, $webPixel: WebPixelInput!) {
    webPixelUpdate(id: $id, webPixel: $webPixel) { webPixel { id } userErrors { code field message } }
  }`;

/** Without an id, `webPixel` answers with this app's pixel on the shop (if one exists). */
const FIND = `#graphql
  query FindWebPixel { webPixel { id } }`;

interface UserError {
  code: string | null;
  field: string[] | null;
  message: string;
}

interface MutationResult {
  webPixel: { id: string } | null;
  userErrors: UserError[];
}

export type PixelConnection = { status: "CREATED" | "UPDATED"; gid: string } | { status: "FAILED"; reason: string };

async function call<T>(admin: AdminGraphql, query: string, variables?: Record<string, unknown>): Promise<T> {
  const response = await admin.graphql(query, variables ? { variables } : undefined);
  const json = (await response.json().catch(() => null)) as { data?: T; errors?: unknown } | null;
  if (!json?.data) throw adminApiError(json, response.status);
  return json.data;
}

export function pixelSettings(shop: Pick<Shop, "pixelAccountId">, appUrl: string): string {
  return JSON.stringify({ accountID: shop.pixelAccountId, ingestUrl: new URL("/api/pixel", appUrl).toString() });
}

export async function connectWebPixel(
  db: DbTx,
  shop: Shop,
  admin: AdminGraphql,
  appUrl: string,
): Promise<PixelConnection> {
  const webPixel = { settings: pixelSettings(shop, appUrl) };
  const remember = async (status: "CREATED" | "UPDATED", gid: string): Promise<PixelConnection> => {
    await db.shop.update({ where: { id: shop.id }, data: { webPixelGid: gid } });
    return { status, gid };
  };
  const update = async (id: string) =>
    (await call<{ webPixelUpdate: MutationResult }>(admin, UPDATE, { id, webPixel })).webPixelUpdate;
  try {
    if (shop.webPixelGid) {
      const updated = await update(shop.webPixelGid);
      if (updated.webPixel) return remember("UPDATED", updated.webPixel.id);
      // The stored id is gone (pixel deleted, app reinstalled): create a new one below.
    }
    const created = (await call<{ webPixelCreate: MutationResult }>(admin, CREATE, { webPixel })).webPixelCreate;
    if (created.webPixel) return remember("CREATED", created.webPixel.id);
    // Shopify allows one pixel per app and shop: it exists, so find it and bring its settings up to date.
    const existing = (await call<{ webPixel: { id: string } | null }>(admin, FIND)).webPixel;
    if (existing) {
      const updated = await update(existing.id);
      if (updated.webPixel) return remember("UPDATED", updated.webPixel.id);
      return { status: "FAILED", reason: updated.userErrors.map((e) => e.message).join("; ") };
    }
    return {
      status: "FAILED",
      reason: created.userErrors.map((e) => e.message).join("; ") || "Shopify created no pixel",
    };
  } catch (error) {
    return { status: "FAILED", reason: errorMessage(error) };
  }
}
