/**
 * Refunds. An order's net is Shopify's own `current_total_price_set.shop_money`, which already deducts the
 * refunds the payload lists in `refunds[]`. A `refunds/create` can arrive before the order, or before the
 * `orders/updated` that reflects it, so a stored refund the payload does not list yet is deducted here.
 */
import { z } from "zod";
import { formatMoney, parseMoney, sumMoney, type Money } from "../money";
import { decimalAmount, isoTime, moneySet, rejectionReason, shopifyId, type MoneySet } from "../shopify-payload";

export const refundPayloadSchema = z.object({
  id: shopifyId,
  order_id: shopifyId,
  created_at: isoTime,
  processed_at: isoTime.nullish(),
  transactions: z
    .array(
      z.object({
        amount: decimalAmount,
        currency: z.string().length(3).nullish(),
        kind: z.string(),
        status: z.string().nullish(),
      }),
    )
    .default([]),
  refund_line_items: z
    .array(z.object({ subtotal_set: moneySet.nullish(), total_tax_set: moneySet.nullish() }))
    .default([]),
  refund_shipping_lines: z.array(z.object({ subtotal_amount_set: moneySet.nullish() })).nullish(),
});

export interface ParsedRefund {
  shopifyRefundId: string;
  shopifyOrderId: string;
  processedAt: Date;
  /** Shop money returned to the buyer. */
  amount: string;
}

export type RefundParseResult = { ok: true; refund: ParsedRefund } | { ok: false; reason: string };

const amountOf = (set: MoneySet | null | undefined): Money => (set ? parseMoney(set.shop_money.amount)! : 0n);

/**
 * The money actually returned is the successful refund transactions. Their `amount` is in the transaction's
 * (presentment) currency, so when that is not the shop currency the shop-money line and shipping amounts are
 * used instead: reports never convert currencies.
 */
export function parseRefundPayload(payload: unknown, shopCurrency: string): RefundParseResult {
  const parsed = refundPayloadSchema.safeParse(payload);
  if (!parsed.success) {
    return { ok: false, reason: rejectionReason(parsed.error, "a refund") };
  }
  const r = parsed.data;
  const returned = r.transactions.filter((t) => t.kind === "refund" && (t.status ?? "success") === "success");
  const inShopCurrency = returned.every((t) => !t.currency || t.currency === shopCurrency);
  const amount =
    returned.length > 0 && inShopCurrency
      ? sumMoney(returned.map((t) => parseMoney(t.amount)!))
      : sumMoney([
          ...r.refund_line_items.map((line) => amountOf(line.subtotal_set) + amountOf(line.total_tax_set)),
          ...(r.refund_shipping_lines ?? []).map((line) => amountOf(line.subtotal_amount_set)),
        ]);
  return {
    ok: true,
    refund: {
      shopifyRefundId: r.id,
      shopifyOrderId: r.order_id,
      processedAt: new Date(r.processed_at ?? r.created_at),
      amount: formatMoney(amount, 4),
    },
  };
}

/** A decimal string, or a Prisma Decimal as read from the database. */
type DecimalLike = string | { toString(): string };

export interface NetInputs {
  cancelledAt: Date | null;
  /** The payload's current total (shop money). */
  currentTotalAmount: DecimalLike;
  reflectedRefundIds: readonly string[];
}

/** Net = 0 when cancelled; else the payload's current total less refunds it did not list yet, never below 0. */
export function netAmountOf(
  order: NetInputs,
  refunds: readonly { shopifyRefundId: string; amount: DecimalLike }[],
): string {
  if (order.cancelledAt) return formatMoney(0n, 4);
  const reflected = new Set(order.reflectedRefundIds);
  const pending = sumMoney(
    refunds.filter((r) => !reflected.has(r.shopifyRefundId)).map((r) => parseMoney(r.amount.toString())!),
  );
  const net = parseMoney(order.currentTotalAmount.toString())! - pending;
  return formatMoney(net < 0n ? 0n : net, 4);
}
