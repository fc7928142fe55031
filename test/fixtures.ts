import { readFileSync } from "node:fs";
import path from "node:path";

/** Shopify's order payload exactly as the file holds it (the raw body of an orders/* webhook). */
export function orderFixtureText(): string {
  return readFileSync(path.join(import.meta.dirname, "fixtures", "shopify-order-450789469.json"), "utf8");
}

export function orderFixture(): Record<string, any> {
  return JSON.parse(orderFixtureText());
}
