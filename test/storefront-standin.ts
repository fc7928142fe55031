/**
 * The DB and fuzz tests' Shopify Storefront API: a stand-in over real HTTP (app/demo/storefront/storefront-api.ts)
 * that the app reads storefront carts from, with carts a test puts in (`testCarts.put`, which returns the token
 * /cart.js would give). test/setup-storefront.ts points the app at it for every such test file.
 */
import { StandInCarts, startStorefrontApi } from "../app/demo/storefront/storefront-api";
import { storefrontClient, setStorefrontApi } from "../app/shopify/storefront.server";

const TOKEN = "test-storefront-private-token";

export const testCarts = new StandInCarts();
export const testStorefront = await startStorefrontApi(testCarts, TOKEN);
const client = storefrontClient(testStorefront.endpoint, TOKEN);
setStorefrontApi(async () => client);

/** A cart of one line, as a test's visitor holds it: the /cart.js token. */
export const cartWith = (line: {
  productId: string;
  variantId: string;
  quantity?: number;
  unitPrice: string;
  currency: string;
}) => testCarts.put([{ quantity: 1, ...line }]);
