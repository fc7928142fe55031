/**
 * The shop's attribution settings (attribution-spec.md, "Classification"). A change to any setting the
 * engine reads bumps the shop's settingsVersion and queues a re-attribution of its history.
 */
import type { ReattributionJob, Shop } from "@prisma/client";
import { z } from "zod";
import type { Db } from "../db.server";
import { settingsOf } from "./attribution/attribute-order.server";
import { requestReattribution } from "./attribution/reattribution.server";
import { fitsStoredMoney, formatDecimal, parseMoney } from "./money";

/** An optional amount: empty means "not set" (null). */
const optionalAmount = z
  .string()
  .trim()
  .refine((v) => v === "" || (parseMoney(v) ?? -1n) >= 0n, "must be an amount of 0 or more, or empty")
  .refine((v) => v === "" || fitsStoredMoney(parseMoney(v)), "must be less than 1,000,000,000,000,000")
  .transform((v) => (v === "" ? null : v));

const optionalPercent = z
  .string()
  .trim()
  .refine((v) => v === "" || /^\d{1,3}(\.\d{1,2})?$/.test(v), "must be a percentage with at most 2 decimals, or empty")
  .refine((v) => v === "" || Number(v) <= 100, "must be at most 100")
  .transform((v) => (v === "" ? null : v));

const checkbox = z
  .union([z.boolean(), z.enum(["true", "false", "on"])])
  .transform((v) => v === true || v === "true" || v === "on");

export const settingsInputSchema = z
  .object({
    ledWindowHours: z.coerce
      .number()
      .int("must be a whole number of hours")
      .min(1, "must be at least 1 hour")
      .max(720, "must be at most 720 hours (30 days)"),
    assistedWindowDays: z.coerce
      .number()
      .int("must be a whole number of days")
      .min(1, "must be at least 1 day")
      .max(90, "must be at most 90 days"),
    requireAnswerFound: checkbox,
    countTestOrders: checkbox,
    maxOrderValue: z
      .string()
      .trim()
      .refine((v) => (parseMoney(v) ?? -1n) > 0n, "must be an amount above 0")
      .refine(
        (v) => parseMoney(v) === null || fitsStoredMoney(parseMoney(v)),
        "must be less than 1,000,000,000,000,000",
      ),
    storeTranscripts: checkbox,
    // What the chat costs (attribution-spec.md, "Return on the chat's cost"); absent from a post means unchanged.
    chatMonthlyCost: optionalAmount.nullable().optional(),
    chatCostPerConversation: optionalAmount.nullable().optional(),
    grossMarginPercent: optionalPercent.nullable().optional(),
  })
  .refine((s) => s.assistedWindowDays * 24 >= s.ledWindowHours, {
    path: ["assistedWindowDays"],
    message: "the assisted window must be at least as long as the led window",
  });

export type SettingsInput = z.output<typeof settingsInputSchema>;

export function settingsFormOf(shop: Shop): SettingsInput {
  return {
    ...settingsOf(shop),
    storeTranscripts: shop.storeTranscripts,
    chatMonthlyCost: shop.chatMonthlyCost === null ? null : formatDecimal(shop.chatMonthlyCost),
    chatCostPerConversation: shop.chatCostPerConversation === null ? null : formatDecimal(shop.chatCostPerConversation),
    grossMarginPercent: shop.grossMarginPercent === null ? null : String(Number(shop.grossMarginPercent)),
  };
}

const ENGINE_SETTINGS = [
  "ledWindowHours",
  "assistedWindowDays",
  "requireAnswerFound",
  "countTestOrders",
  "maxOrderValue",
] as const;

export interface SettingsUpdate {
  shop: Shop;
  /** The re-attribution queued because an engine setting changed; null when none did. */
  job: ReattributionJob | null;
}

export async function updateShopSettings(db: Db, shop: Shop, input: SettingsInput): Promise<SettingsUpdate> {
  const before = settingsFormOf(shop);
  const engineChanged = ENGINE_SETTINGS.some((key) =>
    key === "maxOrderValue" ? parseMoney(before[key]) !== parseMoney(input[key]) : before[key] !== input[key],
  );
  const updated = await db.shop.update({
    where: { id: shop.id },
    data: { ...input, ...(engineChanged ? { settingsVersion: { increment: 1 } } : {}) },
  });
  return { shop: updated, job: engineChanged ? await requestReattribution(db, shop.id, "SETTINGS") : null };
}
