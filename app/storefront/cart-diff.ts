/**
 * What changed between two `/cart.js` snapshots, as the protocol's cart events: a **delta** quantity per line
 * (never the new total) and the unit value after discounts. Runs in the storefront embed, so it stays small and
 * dependency-free.
 */

/** The parts of Shopify's AJAX cart JSON (GET /cart.js) the embed reads. Prices are integers in 1/100 units. */
export interface AjaxCartLine {
  key: string;
  product_id: number;
  variant_id: number;
  quantity: number;
  /** Line total after line-level and allocated discounts. */
  final_line_price: number;
  product_title?: string;
  properties?: Record<string, unknown> | null;
}

export interface AjaxCart {
  token: string;
  currency: string;
  attributes?: Record<string, unknown> | null;
  items: AjaxCartLine[];
}

export type CartEventType = "ITEM_ADDED" | "QUANTITY_INCREASED" | "QUANTITY_DECREASED" | "ITEM_REMOVED";

export interface CartChange {
  cartType: CartEventType;
  productId: string;
  variantId: string;
  productName?: string;
  /** Unit value after discounts, as a decimal string. */
  value: string;
  quantity: number;
  /** The chat session a line was added from (its `_chat_session_id` property), if any. */
  conversationId?: string;
}

export const SESSION_KEY = "_chat_session_id";
export const VISITOR_KEY = "_chat_visitor_id";

function changeOf(line: AjaxCartLine, cartType: CartEventType, quantity: number): CartChange {
  return {
    cartType,
    quantity,
    productId: String(line.product_id),
    variantId: String(line.variant_id),
    productName: line.product_title?.slice(0, 255),
    value: (line.final_line_price / line.quantity / 100).toFixed(2),
    // Shopify keeps line properties as strings.
    conversationId: (line.properties?.[SESSION_KEY] as string) || undefined,
  };
}

/**
 * Lines are matched by `key`: Shopify keeps one line per variant and property set, and a line's key names
 * exactly that pair, so the same variant added with and without a chat session is two lines.
 */
export function cartChanges(before: AjaxCart, after: AjaxCart): CartChange[] {
  const changes: CartChange[] = [];
  const previous = new Map(before.items.map((line) => [line.key, line]));
  for (const line of after.items) {
    const old = previous.get(line.key);
    previous.delete(line.key);
    const delta = line.quantity - (old ? old.quantity : 0);
    if (delta > 0) changes.push(changeOf(line, old ? "QUANTITY_INCREASED" : "ITEM_ADDED", delta));
    if (delta < 0) changes.push(changeOf(line, "QUANTITY_DECREASED", -delta));
  }
  for (const old of previous.values()) changes.push(changeOf(old, "ITEM_REMOVED", old.quantity));
  return changes;
}
