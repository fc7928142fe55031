import { createHash, createHmac } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { TEST_API_SECRET } from "./setup-env";

/** Shopify's order payload exactly as the file holds it (the raw body of an orders/* webhook). */
export function orderFixtureText(): string {
  return readFileSync(path.join(import.meta.dirname, "fixtures", "shopify-order-450789469.json"), "utf8");
}

export function orderFixture(): Record<string, any> {
  return JSON.parse(orderFixtureText());
}

/**
 * An e-mail as the app stores it for a shop under the tests' secret, computed here with node's HMAC as the oracle of
 * app/domain/email-hash.ts (decision 010): HMAC-SHA256 of the address's SHA-256 under the shop's derived key.
 */
export function storedEmailOf(shopDomain: string, email: string, secret = TEST_API_SECRET): string {
  const key = createHmac("sha256", secret).update(`email-hash/v1/${shopDomain}`).digest();
  const address = createHash("sha256").update(email.trim().toLowerCase()).digest();
  return createHmac("sha256", key).update(address).digest("hex");
}
