/**
 * The demo history's orders as Shopify would deliver them: an orders/paid payload (and a refunds/create when the
 * plan refunds) handed to the order-webhook handler with its once-per-delivery ledger, as the webhook route does
 * after verifying the HMAC.
 */
import type { Shop } from "@prisma/client";
import { prismaSql, type Db } from "../db.server";
import { CHAT_ARM_KEY } from "../domain/orders/order-payload";
import { formatMoney, parseMoney } from "../domain/money";
import { handleOrderWebhook } from "../domain/orders/order-webhook.server";
import { processDeliveryOnce } from "../domain/webhook-deliveries.server";
import type { DemoProduct } from "./catalog";

const DAY = 86_400_000;
type Product = DemoProduct;

export interface OrderPlan {
  id: number;
  at: Date;
  items: { product: Product; quantity: number; chatSessionId?: string }[];
  noteSession?: string;
  visitorKey?: string;
  customerId?: string;
  test?: boolean;
  cancelled?: boolean;
  refundRatio?: number;
  presentment?: { currency: string; rate: number };
  outlier?: boolean;
  /** An experiment's arm the embed stamped the visitor's cart with (with the visitor, chat or no chat). */
  arm?: string;
}

function orderPayload(plan: OrderPlan, currency: string) {
  const iso = plan.at.toISOString();
  const lines = plan.items.map((item, index) => ({
    id: plan.id * 10 + index,
    product_id: Number(item.product.productId),
    variant_id: Number(item.product.variantId),
    title: item.product.title,
    quantity: item.quantity,
    price_set: { shop_money: { amount: plan.outlier ? "2500000.00" : item.product.price, currency_code: currency } },
    discount_allocations: [],
    properties: item.chatSessionId ? [{ name: "_chat_session_id", value: item.chatSessionId }] : [],
  }));
  const total = lines.reduce(
    (sum, line) => sum + parseMoney(line.price_set.shop_money.amount)! * BigInt(line.quantity),
    0n,
  );
  const money = (amount: bigint) => {
    const shop = { amount: formatMoney(amount), currency_code: currency };
    if (!plan.presentment) return { shop_money: shop, presentment_money: shop };
    const converted = (amount * BigInt(Math.round(plan.presentment.rate * 10_000))) / 10_000n;
    return {
      shop_money: shop,
      presentment_money: { amount: formatMoney(converted), currency_code: plan.presentment.currency },
    };
  };
  return {
    id: plan.id,
    name: `#${plan.id}`,
    created_at: iso,
    processed_at: iso,
    updated_at: iso,
    test: plan.test ?? false,
    financial_status: "paid",
    cancelled_at: plan.cancelled ? new Date(plan.at.getTime() + 3 * 3_600_000).toISOString() : null,
    currency,
    presentment_currency: plan.presentment?.currency ?? currency,
    total_price_set: money(total),
    current_total_price_set: money(plan.cancelled ? 0n : total),
    line_items: lines,
    // The embed stamps the visitor with every chat session it stamps, a chat card's line property included.
    note_attributes: [
      ...(plan.noteSession ? [{ name: "_chat_session_id", value: plan.noteSession }] : []),
      ...(plan.visitorKey && (plan.arm || plan.noteSession || plan.items.some((item) => item.chatSessionId))
        ? [{ name: "_chat_visitor_id", value: plan.visitorKey }]
        : []),
      ...(plan.arm ? [{ name: CHAT_ARM_KEY, value: plan.arm }] : []),
    ],
    checkout_token: `demo-checkout-${plan.id}`,
    cart_token: null,
    email: null, // protected customer data not approved: the normal case
    customer: plan.customerId ? { id: Number(plan.customerId) } : null,
    refunds: [],
  };
}

export async function deliverOrder(db: Db, shop: Shop, plan: OrderPlan, now: Date) {
  const payload = orderPayload(plan, shop.currency);
  const deliver = (topic: string, body: unknown, webhookId: string) =>
    processDeliveryOnce(db, { webhookId, shopDomain: shop.domain, topic }, (tx) =>
      handleOrderWebhook(prismaSql(tx), shop.domain, topic, body),
    );
  await deliver("ORDERS_PAID", payload, `demo-order-${plan.id}`);
  const refundAt = new Date(plan.at.getTime() + 2 * DAY);
  if (plan.refundRatio && refundAt < now) {
    const gross = parseMoney(payload.total_price_set.shop_money.amount)!;
    const amount = plan.refundRatio === 1 ? gross : gross / 2n;
    await deliver(
      "REFUNDS_CREATE",
      {
        id: plan.id * 7,
        order_id: plan.id,
        created_at: refundAt.toISOString(),
        processed_at: refundAt.toISOString(),
        transactions: [{ amount: formatMoney(amount), currency: shop.currency, kind: "refund", status: "success" }],
        refund_line_items: [],
      },
      `demo-refund-${plan.id}`,
    );
  }
}
