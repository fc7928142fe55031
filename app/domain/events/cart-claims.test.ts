import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  cartAddRefusal,
  claimedCartTokens,
  claimKey,
  laterTakeBacks,
  MAX_CARTS_PER_BATCH,
  MAX_VARIANTS_PER_BATCH,
  shopifyReads,
  takeBackQuantity,
  type ShopifyCart,
  type ShopifyCarts,
  type ShopifyVariant,
} from "./cart-claims";
import type { CartWireEvent, ClientEvent } from "./event-schema";

const TOKEN = "c1-abc?key=k1";
const cart: ShopifyCart = {
  currency: "USD",
  lines: [{ productId: "8101", variantId: "48101", quantity: 2, unitPrice: "34.90", currency: "USD" }],
};
const shopify: ShopifyCarts = {
  carts: new Map<string, ShopifyCart>([
    [TOKEN, cart],
    ["c1-gone?key=k2", null],
  ]),
  variants: new Map<string, ShopifyVariant>([
    ["48102", { productId: "8102", price: "19.00", currency: "USD" }],
    ["48109", { productId: "8109", price: "12.00", currency: "EUR" }],
    ["48100", null],
  ]),
};
const add = (extra: Partial<CartWireEvent> = {}): CartWireEvent => ({
  id: "e1",
  type: "cart",
  occurredAt: "2026-12-03T10:00:00Z",
  visitorId: "v1",
  cartType: "ITEM_ADDED",
  productId: "8101",
  variantId: "48101",
  value: "34.90",
  currency: "USD",
  quantity: 1,
  fromChat: true,
  cartToken: TOKEN,
  ...extra,
});
const removal = (extra: Partial<CartWireEvent> = {}) => add({ cartType: "ITEM_REMOVED", ...extra });

describe("a storefront add is held to the cart it names", () => {
  it.each([
    ["no cart token", { cartToken: undefined }, /must name the cart/],
    ["a token without its key", { cartToken: "c1-abc" }, /with its \?key=/],
    ["a cart not read for the batch", { cartToken: "c1-other?key=k9" }, /at most 3 carts/],
    ["a cart Shopify does not have", { cartToken: "c1-gone?key=k2" }, /no cart c1-gone in this shop/],
    ["a variant not in the cart", { variantId: "48102" }, /variant 48102 is not in cart c1-abc/],
    ["no variant", { variantId: undefined }, /must name its variant/],
    ["another product under the variant", { productId: "8102" }, /belongs to product 8101, not 8102/],
    ["another currency", { currency: "EUR" }, /currency EUR is not the cart's \(USD\)/],
    ["a value above Shopify's price", { value: "34.91" }, /above Shopify's price .* \(34\.90\)/],
    ["more than the cart holds", { quantity: 3 }, /holds 2 of variant 48101, fewer than the 3 claimed/],
  ])("refuses %s", (_, extra, reason) => {
    const refusal = cartAddRefusal(add(extra), shopify, new Map());
    expect(refusal).toMatch(reason);
    expect(refusal).not.toContain("k1"); // the cart's key is never echoed
  });

  it("takes an add the cart bears out, at or below Shopify's price (a discount), and counts it", () => {
    const claimed = new Map<string, number>();
    expect(cartAddRefusal(add({ value: "31.41" }), shopify, claimed)).toBeNull();
    expect(claimed.get(claimKey(TOKEN, "48101"))).toBe(1);
    expect(cartAddRefusal(add({ cartType: "QUANTITY_INCREASED" }), shopify, claimed)).toBeNull();
    expect(claimed.get(claimKey(TOKEN, "48101"))).toBe(2);
  });

  it("holds repeated adds of one cart together, stored ones included: a replayed add cannot grow cart GMV", () => {
    const claimed = new Map([[claimKey(TOKEN, "48101"), 2]]);
    expect(cartAddRefusal(add({ id: "replay" }), shopify, claimed)).toMatch(/fewer than the 3 claimed/);
    // A removal gives its quantity back: the shopper may add again.
    expect(takeBackQuantity(removal(), claimed)).toBe(1);
    expect(cartAddRefusal(add({ id: "again" }), shopify, claimed)).toBeNull();
  });
});

describe("an add the same batch takes back out", () => {
  it("is allowed past the cart's quantity by what the batch's later events take back", () => {
    const claimed = new Map([[claimKey(TOKEN, "48101"), 2]]);
    expect(cartAddRefusal(add({ quantity: 1 }), shopify, claimed, 1)).toBeNull();
    expect(cartAddRefusal(add({ quantity: 1 }), shopify, claimed, 1)).toMatch(
      /holds 2 of variant 48101 \(and the batch takes 1 back out\), fewer than the 4 claimed/,
    );
  });

  it("is held to Shopify's variant when the cart no longer has it: product, currency and price", () => {
    const gone = (extra: Partial<CartWireEvent>) =>
      cartAddRefusal(add({ productId: "8102", variantId: "48102", value: "19.00", ...extra }), shopify, new Map(), 1);
    expect(gone({})).toBeNull();
    expect(gone({ value: "19.01" })).toMatch(/above Shopify's price for variant 48102 \(19\.00\)/);
    expect(gone({ productId: "8101" })).toMatch(/belongs to product 8102, not 8101/);
    expect(gone({ quantity: 2 })).toMatch(/holds 0 of variant 48102 \(and the batch takes 1 back out\)/);
    expect(gone({ variantId: "48100" })).toMatch(/Shopify has no variant 48100/);
    expect(gone({ variantId: "48105" })).toMatch(/at most 10 variants/);
    // Shopify gives the variant's price in the shop's currency only: a cart in another cannot be checked.
    expect(gone({ productId: "8109", variantId: "48109", value: "1.00" })).toMatch(/price in USD cannot be read/);
  });

  it("counts what each add's batch takes back after it, per cart and variant, keys aside", () => {
    const events: ClientEvent[] = [
      add({ id: "a" }),
      add({ id: "b", cartType: "QUANTITY_INCREASED", cartToken: "c1-ABC?key=other" }),
      removal({ id: "c", quantity: 2 }),
      add({ id: "d" }),
      removal({ id: "e", variantId: "48102" }),
      add({ id: "f", variantId: "48102" }),
    ];
    expect(laterTakeBacks(events)).toEqual([2, 2, 0, 0, 0, 0]);
  });

  it("reads each named cart once, keyed tokens only, and the variants taken back, each within its bound", () => {
    const events: ClientEvent[] = [
      add(),
      add({ id: "e2" }),
      add({ cartToken: "c1-nokey" }),
      removal({ cartToken: "c1-removal?key=r" }),
      ...["a", "b", "c", "d"].map((n) => add({ id: n, cartToken: `c1-${n}?key=${n}` })),
      ...Array.from({ length: 12 }, (_, n) => [add({ variantId: `5${n}` }), removal({ variantId: `5${n}` })]).flat(),
    ];
    const { cartTokens, variantIds } = shopifyReads(events);
    expect(cartTokens).toEqual([TOKEN, "c1-a?key=a", "c1-b?key=b"]);
    expect(cartTokens).toHaveLength(MAX_CARTS_PER_BATCH);
    expect(variantIds).toEqual(Array.from({ length: MAX_VARIANTS_PER_BATCH }, (_, n) => `5${n}`));
    expect(claimedCartTokens(events)).toEqual(["abc", "nokey", "removal", "a", "b", "c", "d"]);
  });
});

describe("a decrease or removal", () => {
  it("takes off at most what the cart's adds put on, and nothing from a cart with none", () => {
    const claimed = new Map([[claimKey(TOKEN, "48101"), 1]]);
    expect(takeBackQuantity(removal({ quantity: 3 }), claimed)).toBe(1);
    expect(takeBackQuantity(removal(), claimed)).toBeNull();
    expect(takeBackQuantity(removal({ cartToken: undefined }), claimed)).toBe(1);
  });

  it("never leaves a cart's variant with more claimed than its adds, nor less than zero (property)", () => {
    const event = fc.record({
      kind: fc.constantFrom("ITEM_ADDED", "QUANTITY_INCREASED", "QUANTITY_DECREASED", "ITEM_REMOVED"),
      quantity: fc.integer({ min: 1, max: 5 }),
      variantId: fc.constantFrom("48101", "48102"),
    });
    fc.assert(
      fc.property(fc.array(event, { maxLength: 30 }), fc.integer({ min: 0, max: 10 }), (sent, inCart) => {
        const events = sent.map((e, i) =>
          add({
            id: String(i),
            cartType: e.kind as CartWireEvent["cartType"],
            quantity: e.quantity,
            variantId: e.variantId,
            productId: e.variantId === "48101" ? "8101" : "8102",
            value: "10.00",
          }),
        );
        const now: ShopifyCarts = {
          carts: new Map([[TOKEN, { currency: "USD", lines: [{ ...cart!.lines[0], quantity: inCart }] }]]),
          variants: new Map([["48102", { productId: "8102", price: "19.00", currency: "USD" }]]),
        };
        const takeBacks = laterTakeBacks(events);
        const claimed = new Map<string, number>();
        let net = 0;
        events.forEach((e, i) => {
          const key = claimKey(TOKEN, e.variantId!);
          if (e.cartType === "ITEM_ADDED" || e.cartType === "QUANTITY_INCREASED") {
            if (cartAddRefusal(e, now, claimed, takeBacks[i]) === null && e.variantId === "48101") net += e.quantity;
          } else {
            const taken = takeBackQuantity(e, claimed);
            if (taken !== null && e.variantId === "48101") net -= taken;
          }
          expect(claimed.get(key) ?? 0).toBeGreaterThanOrEqual(0);
        });
        // What stays claimed of the variant the cart holds is what its stored events net to, never past the cart.
        expect(net).toBe(claimed.get(claimKey(TOKEN, "48101")) ?? 0);
        expect(net).toBeLessThanOrEqual(inCart);
        // The variant the cart does not hold ends with nothing claimed: whatever was added was taken back.
        expect(claimed.get(claimKey(TOKEN, "48102")) ?? 0).toBe(0);
      }),
    );
  });
});
