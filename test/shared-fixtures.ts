import { readFileSync } from "node:fs";
import path from "node:path";

/** ../shared beside the repository (CI puts it there); SHARED_DIR overrides. */
export const sharedDir = process.env.SHARED_DIR ?? path.resolve(import.meta.dirname, "..", "..", "shared");

/** Shopify's order payload exactly as the file holds it (the raw body of an orders/* webhook). */
export function orderFixtureText(): string {
  return readFileSync(path.join(sharedDir, "fixtures", "shopify-order-450789469.json"), "utf8");
}

export function orderFixture(): Record<string, any> {
  return JSON.parse(orderFixtureText());
}
