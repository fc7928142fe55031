// Every DB and fuzz test file reads storefront carts from the stand-in (test/storefront-standin.ts), never Shopify.
import { afterAll } from "vitest";
import { testStorefront } from "./storefront-standin";

afterAll(() => testStorefront.close());
