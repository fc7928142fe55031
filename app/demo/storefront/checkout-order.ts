/**
 * The order Shopify would create from a simulated cart, in the shape of a real `orders/paid` webhook body
 * (test/fixtures/shopify-order-450789469.json): cart attributes become `note_attributes`, line-item
 * properties stay on the lines as name/value pairs, money comes in `*_set` with shop and presentment money.
 */
import { randomBytes } from "node:crypto";
import { cartJson, cartToken, type SimulatedCart } from "./simulated-cart";

export interface CheckoutDetails {
  orderId: number;
  orderNumber: number;
  customerId?: string;
  now: Date;
}

const decimal = (cents: number) => (cents / 100).toFixed(2);

export function orderFromCart(cart: SimulatedCart, details: CheckoutDetails) {
  const currency = cart.currency;
  const money = (cents: number) => {
    const amount = { amount: decimal(cents), currency_code: currency };
    return { shop_money: amount, presentment_money: amount };
  };
  // The cart's own AJAX figures (what the shopper saw), so the order's totals are the cart's, computed once.
  const priced = cartJson(cart);
  const lines = cart.lines.map((line, index) => {
    const json = priced.items[index];
    const discount = json.original_line_price - json.final_line_price;
    return {
      id: details.orderId * 100 + index + 1,
      admin_graphql_api_id: `gid://shopify/LineItem/${details.orderId * 100 + index + 1}`,
      product_id: json.product_id,
      variant_id: json.variant_id,
      title: json.title,
      name: json.title,
      variant_title: null,
      quantity: json.quantity,
      current_quantity: json.quantity,
      price: decimal(json.price),
      price_set: money(json.price),
      total_discount: "0.00",
      total_discount_set: money(0),
      discount_allocations: discount
        ? [{ amount: decimal(discount), amount_set: money(discount), discount_application_index: 0 }]
        : [],
      properties: Object.entries(line.properties).map(([name, value]) => ({ name, value })),
      requires_shipping: true,
      taxable: true,
    };
  });
  const original = priced.original_total_price;
  const discounts = priced.total_discount;
  const total = priced.total_price;
  const iso = details.now.toISOString();
  return {
    id: details.orderId,
    admin_graphql_api_id: `gid://shopify/Order/${details.orderId}`,
    name: `#${details.orderNumber}`,
    order_number: details.orderNumber,
    number: details.orderNumber - 1000,
    confirmation_number: randomBytes(5).toString("hex").toUpperCase().slice(0, 9),
    created_at: iso,
    processed_at: iso,
    updated_at: iso,
    test: false,
    financial_status: "paid",
    fulfillment_status: null,
    cancelled_at: null,
    cancel_reason: null,
    currency,
    presentment_currency: currency,
    subtotal_price: decimal(total),
    subtotal_price_set: money(total),
    total_line_items_price: decimal(original),
    total_line_items_price_set: money(original),
    total_discounts: decimal(discounts),
    total_discounts_set: money(discounts),
    total_price: decimal(total),
    total_price_set: money(total),
    current_total_price: decimal(total),
    current_total_price_set: money(total),
    total_tax: "0.00",
    taxes_included: true,
    line_items: lines,
    note: cart.note,
    note_attributes: Object.entries(cart.attributes).map(([name, value]) => ({ name, value })),
    // Shopify reports the cart token without the `?key=` part on orders.
    cart_token: cartToken(cart).split("?")[0],
    checkout_token: randomBytes(16).toString("hex"),
    token: randomBytes(16).toString("hex"),
    source_name: "web",
    // Without protected-customer-data approval for e-mail, Shopify leaves these out: the normal case.
    email: null,
    contact_email: null,
    customer: details.customerId
      ? { id: Number(details.customerId), admin_graphql_api_id: `gid://shopify/Customer/${details.customerId}` }
      : null,
    refunds: [],
  };
}
