/**
 * What the shop's plan refuses, checked on the server (docs/decisions/021-plans-through-shopify-app-pricing.md): the
 * APIs answer 403 with the reason, a page's action 402 with it; pages show it with the way to upgrade. Ingest is
 * never gated.
 */
import { prisma } from "../db.server";
import { experimentsRefusal, exportRefusal, type Refusal } from "../domain/billing/plans";
import { cappedUsage, recordedShopPlan } from "../domain/billing/subscription.server";
import { jsonResponse } from "./json";

type Shop = { id: string; timezone: string };

/** Why experiments are refused on the shop's plan, or null. */
export async function experimentsRefused(shop: Shop): Promise<Refusal> {
  return experimentsRefusal((await recordedShopPlan(prisma, shop.id)).plan.plan);
}

/** Why the orders export is refused this month on the shop's plan, or null. */
export async function exportRefused(shop: Shop): Promise<Refusal> {
  const usage = await cappedUsage(prisma, shop);
  return usage && exportRefusal(usage);
}

/** An API's refusal: 403, the reason, and where the merchant changes plan. */
export function apiRefusal(refusal: NonNullable<Refusal>): Response {
  return jsonResponse(
    { error: refusal.reason, feature: refusal.feature, plan: "/app/plan" },
    { status: 403, headers: { "Cache-Control": "no-store" } },
  );
}

/** A page action's refusal: 402 (payment required), with the reason for the page to show. */
export function actionRefusal(refusal: NonNullable<Refusal>): Response {
  return jsonResponse({ ok: false, planRequired: refusal }, { status: 402 });
}
