/**
 * Shopify's AJAX Cart API as the storefront simulator serves it, following
 * https://shopify.dev/docs/api/ajax/reference/cart (shopify-platform-facts.md §3.1): one line per variant and
 * property set (its `key`), attributes merged per key by /cart/update.js and kept by /cart/clear.js,
 * `change.js` properties replacing the whole object, prices as integers in 1/100 units.
 */
import { createHash, randomBytes } from "node:crypto";
import { DEMO_CATALOG, type DemoProduct } from "../catalog";

/** Automatic discounts the simulated shop runs, so "unit value after discounts" is exercised: 10 % off the serum. */
const AUTOMATIC_DISCOUNT_PERCENT: Record<string, number> = { "48103": 10 };

export interface CartLine {
  key: string;
  product: DemoProduct;
  quantity: number;
  properties: Record<string, string>;
}

export interface SimulatedCart {
  /** The cart cookie's id; the AJAX token adds `?key=` as Shopify's has since 2024. */
  id: string;
  secret: string;
  note: string | null;
  attributes: Record<string, string>;
  lines: CartLine[];
  currency: string;
}

export class CartError extends Error {
  constructor(
    readonly status: 404 | 422 | 400,
    readonly description: string,
  ) {
    super(description);
  }
}

export function newCart(currency: string): SimulatedCart {
  return {
    id: `c1-${randomBytes(16).toString("hex")}`,
    secret: randomBytes(16).toString("hex"),
    note: null,
    attributes: {},
    lines: [],
    currency,
  };
}

export const cartToken = (cart: SimulatedCart) => `${cart.id}?key=${cart.secret}`;

const cents = (decimal: string) => Math.round(Number(decimal) * 100);

function findVariant(id: unknown): DemoProduct {
  const product = DEMO_CATALOG.find((candidate) => candidate.variantId === String(id));
  if (!product) throw new CartError(404, "Cannot find variant");
  return product;
}

function quantityOf(value: unknown, fallback: number): number {
  const quantity = value === undefined || value === "" ? fallback : Number(value);
  if (!Number.isInteger(quantity) || quantity < 0)
    throw new CartError(422, "Quantity must be a whole number of 0 or more");
  return quantity;
}

function propertiesOf(value: unknown): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (typeof value !== "object" || Array.isArray(value)) throw new CartError(400, "properties must be an object");
  return Object.fromEntries(Object.entries(value).map(([key, v]) => [key, String(v)]));
}

function lineKey(variantId: string, properties: Record<string, string>): string {
  const sorted = JSON.stringify(Object.entries(properties).sort(([a], [b]) => a.localeCompare(b)));
  return `${variantId}:${createHash("md5").update(sorted).digest("hex")}`;
}

export interface AddItem {
  id?: unknown;
  quantity?: unknown;
  properties?: unknown;
}

/** POST /cart/add.js: returns the lines added (Shopify answers with those, not the whole cart). */
export function addItems(cart: SimulatedCart, items: AddItem[]): CartLine[] {
  if (items.length === 0) throw new CartError(422, "No items to add");
  // Validate every item before changing anything: a failed add leaves the cart as it was.
  const prepared = items.map((item) => ({
    product: findVariant(item.id),
    quantity: quantityOf(item.quantity, 1),
    properties: propertiesOf(item.properties),
  }));
  return prepared.map(({ product, quantity, properties }) => {
    const key = lineKey(product.variantId, properties);
    const existing = cart.lines.find((line) => line.key === key);
    if (existing) {
      existing.quantity += quantity;
      return existing;
    }
    const line = { key, product, quantity, properties };
    cart.lines.push(line);
    return line;
  });
}

export interface ChangeRequest {
  id?: unknown;
  line?: unknown;
  quantity?: unknown;
  properties?: unknown;
}

/** POST /cart/change.js: one line by key, variant id or 1-based `line`; quantity 0 removes it. */
export function changeLine(cart: SimulatedCart, request: ChangeRequest): void {
  const index =
    request.line !== undefined
      ? Number(request.line) - 1
      : cart.lines.findIndex(
          (line) => line.key === String(request.id) || line.product.variantId === String(request.id),
        );
  const line = cart.lines[index];
  if (!line) throw new CartError(400, "no valid id or line parameter");
  if (request.properties !== undefined) {
    // Shopify replaces the whole properties object, which makes it a different line.
    line.properties = propertiesOf(request.properties);
    line.key = lineKey(line.product.variantId, line.properties);
  }
  const quantity = quantityOf(request.quantity, line.quantity);
  if (quantity === 0) cart.lines.splice(index, 1);
  else line.quantity = quantity;
}

export interface UpdateRequest {
  updates?: unknown;
  attributes?: unknown;
  note?: unknown;
}

/** POST /cart/update.js: quantities by variant id or key (or by position), attributes merged per key, note. */
export function updateCart(cart: SimulatedCart, request: UpdateRequest): void {
  if (request.attributes !== undefined) Object.assign(cart.attributes, propertiesOf(request.attributes));
  if (request.note !== undefined) cart.note = request.note === null ? null : String(request.note);
  const updates = request.updates;
  if (updates === undefined) return;
  const entries: [string, unknown][] = Array.isArray(updates)
    ? updates.map((quantity, index) => [cart.lines[index]?.key ?? "", quantity])
    : Object.entries(updates as Record<string, unknown>);
  for (const [id, quantity] of entries) {
    const existing = cart.lines.find((line) => line.key === id || line.product.variantId === id);
    if (existing) changeLine(cart, { id: existing.key, quantity });
    else if (quantityOf(quantity, 0) > 0) addItems(cart, [{ id, quantity }]);
  }
}

/** POST /cart/clear.js: removes the lines; attributes and the note stay (Shopify's documented behaviour). */
export function clearCart(cart: SimulatedCart): void {
  cart.lines = [];
}

export function lineJson(line: CartLine) {
  const price = cents(line.product.price);
  const discountPercent = AUTOMATIC_DISCOUNT_PERCENT[line.product.variantId] ?? 0;
  const finalPrice = Math.round((price * (100 - discountPercent)) / 100);
  return {
    id: Number(line.product.variantId),
    key: line.key,
    quantity: line.quantity,
    variant_id: Number(line.product.variantId),
    product_id: Number(line.product.productId),
    title: line.product.title,
    product_title: line.product.title,
    variant_title: null,
    handle: line.product.handle,
    url: `/products/${line.product.handle}?variant=${line.product.variantId}`,
    properties: line.properties,
    price,
    original_price: price,
    discounted_price: finalPrice,
    final_price: finalPrice,
    line_price: price * line.quantity,
    original_line_price: price * line.quantity,
    final_line_price: finalPrice * line.quantity,
    total_discount: (price - finalPrice) * line.quantity,
    line_level_discount_allocations: discountPercent
      ? [
          {
            amount: (price - finalPrice) * line.quantity,
            discount_application: { title: `${discountPercent}% off`, type: "automatic" },
          },
        ]
      : [],
    requires_shipping: true,
  };
}

/** GET /cart.js. */
export function cartJson(cart: SimulatedCart) {
  const items = cart.lines.map(lineJson);
  const sum = (pick: (item: (typeof items)[number]) => number) => items.reduce((total, item) => total + pick(item), 0);
  return {
    token: cartToken(cart),
    note: cart.note,
    attributes: cart.attributes,
    original_total_price: sum((item) => item.original_line_price),
    total_price: sum((item) => item.final_line_price),
    total_discount: sum((item) => item.total_discount),
    total_weight: 0,
    item_count: sum((item) => item.quantity),
    items,
    requires_shipping: items.length > 0,
    currency: cart.currency,
    items_subtotal_price: sum((item) => item.final_line_price),
    cart_level_discount_applications: [],
  };
}
