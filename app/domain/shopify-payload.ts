/**
 * Zod pieces shared by every Shopify REST webhook body the app reads (orders, refunds, compliance topics):
 * ids arrive as JSON numbers or numeric strings depending on the topic and API version, amounts as strings
 * (sometimes numbers), and a rejected body is recorded with its first problem.
 */
import { z } from "zod";
import { parseMoney } from "./money";

export const shopifyId = z.union([z.number().int().nonnegative(), z.string().regex(/^\d{1,20}$/)]).transform(String);
export const decimalAmount = z
  .union([z.string(), z.number()])
  .refine((v) => parseMoney(v) !== null, "must be a decimal amount");
export const isoTime = z.string().refine((v) => !Number.isNaN(Date.parse(v)), "must be an ISO 8601 time");
export const moneySet = z.object({
  shop_money: z.object({ amount: decimalAmount, currency_code: z.string().length(3) }),
  presentment_money: z.object({ amount: decimalAmount, currency_code: z.string().length(3) }).optional(),
});
export type MoneySet = z.infer<typeof moneySet>;

/** "not an order: line_items.0.title Required": what a rejected delivery records as its reason. */
export function rejectionReason(error: z.ZodError, notWhat: string): string {
  const issue = error.issues[0];
  return `not ${notWhat}: ${issue.path.join(".") || "(body)"} ${issue.message}`;
}
