import { readFileSync } from "node:fs";
import path from "node:path";

/** ../shared beside the repository (CI puts it there); SHARED_DIR overrides. */
export const sharedDir = process.env.SHARED_DIR ?? path.resolve(import.meta.dirname, "..", "..", "shared");

export function orderFixture(): Record<string, any> {
  return JSON.parse(readFileSync(path.join(sharedDir, "fixtures", "shopify-order-450789469.json"), "utf8"));
}
