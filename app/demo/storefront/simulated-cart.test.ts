import { describe, expect, it } from "vitest";
import { orderPayloadSchema } from "../../domain/orders/order-payload";
import { orderFromCart } from "./checkout-order";
import { addItems, CartError, cartJson, changeLine, clearCart, newCart, updateCart } from "./simulated-cart";

const quantities = (cart: ReturnType<typeof newCart>) =>
  cartJson(cart).items.map((item) => [item.variant_id, item.quantity, item.properties]);

describe("simulated AJAX cart (Shopify's documented behaviour)", () => {
  it("merges the same variant and properties into one line, and keeps a different property set apart", () => {
    const cart = newCart("EUR");
    addItems(cart, [{ id: 48101, quantity: 1 }]);
    addItems(cart, [{ id: "48101", quantity: "2" }]);
    addItems(cart, [{ id: 48101, quantity: 1, properties: { _chat_session_id: "c_1" } }]);
    expect(quantities(cart)).toEqual([
      [48101, 3, {}],
      [48101, 1, { _chat_session_id: "c_1" }],
    ]);
  });

  it("merges attributes per key on update.js and keeps them through clear.js", () => {
    const cart = newCart("EUR");
    updateCart(cart, { attributes: { _chat_session_id: "c_1" } });
    updateCart(cart, { attributes: { _chat_visitor_id: "v_1" }, note: "gift" });
    addItems(cart, [{ id: 48102 }]);
    clearCart(cart);
    expect(cartJson(cart)).toMatchObject({
      attributes: { _chat_session_id: "c_1", _chat_visitor_id: "v_1" },
      note: "gift",
      items: [],
      item_count: 0,
    });
  });

  it("changes a line by key, variant id or 1-based line; 0 removes; properties replace the whole object", () => {
    const cart = newCart("EUR");
    addItems(cart, [{ id: 48101 }, { id: 48102, properties: { engraving: "A" } }]);
    const [first] = cartJson(cart).items;
    changeLine(cart, { id: first.key, quantity: 4 });
    changeLine(cart, { line: 2, properties: { gift: "yes" } });
    expect(quantities(cart)).toEqual([
      [48101, 4, {}],
      [48102, 1, { gift: "yes" }],
    ]);
    changeLine(cart, { id: "48101", quantity: 0 });
    updateCart(cart, { updates: { 48103: 2 } });
    expect(quantities(cart)).toEqual([
      [48102, 1, { gift: "yes" }],
      [48103, 2, {}],
    ]);
  });

  it.each([
    ["an unknown variant", () => addItems(newCart("EUR"), [{ id: 999 }]), 404],
    ["a negative quantity", () => addItems(newCart("EUR"), [{ id: 48101, quantity: -1 }]), 422],
    ["a line that is not there", () => changeLine(newCart("EUR"), { line: 3, quantity: 1 }), 400],
  ])("refuses %s with Shopify's status", (_name, action, status) => {
    expect(action).toThrow(CartError);
    try {
      action();
    } catch (error) {
      expect((error as CartError).status).toBe(status);
    }
  });

  it("adds nothing when one of several items is invalid", () => {
    const cart = newCart("EUR");
    expect(() => addItems(cart, [{ id: 48101 }, { id: 999 }])).toThrow("Cannot find variant");
    expect(cart.lines).toEqual([]);
  });

  it("prices in 1/100 units with the automatic discount in final_price", () => {
    const cart = newCart("EUR");
    addItems(cart, [{ id: 48103, quantity: 2 }]);
    expect(cartJson(cart)).toMatchObject({
      original_total_price: 8400,
      total_price: 7560,
      total_discount: 840,
      currency: "EUR",
    });
    expect(cartJson(cart).token).toMatch(/^c1-[0-9a-f]{32}\?key=[0-9a-f]{32}$/);
  });
});

describe("the order a checkout creates", () => {
  it("is an orders/paid body the app accepts, carrying cart attributes and line properties", () => {
    const cart = newCart("EUR");
    addItems(cart, [{ id: 48103, quantity: 2, properties: { _chat_session_id: "c_9" } }, { id: 48101 }]);
    updateCart(cart, { attributes: { _chat_session_id: "c_9", _chat_visitor_id: "v_9" } });
    const order = orderPayloadSchema.parse(
      orderFromCart(cart, {
        orderId: 5920811950146,
        orderNumber: 1001,
        customerId: "7390",
        now: new Date("2026-11-22T10:00:00Z"),
      }),
    );
    expect(order).toMatchObject({
      id: "5920811950146",
      name: "#1001",
      currency: "EUR",
      total_price_set: { shop_money: { amount: "110.50", currency_code: "EUR" } },
      note_attributes: [
        { name: "_chat_session_id", value: "c_9" },
        { name: "_chat_visitor_id", value: "v_9" },
      ],
      cart_token: cart.id,
      customer: { id: "7390" },
    });
    expect(order.line_items[0]).toMatchObject({
      quantity: 2,
      properties: [{ name: "_chat_session_id", value: "c_9" }],
    });
    expect(order.line_items[0].discount_allocations[0].amount_set.shop_money.amount).toBe("8.40");
  });
});
