/**
 * The app's plans, what each allows, and which one a shop is on (docs/decisions/021-plans-through-shopify-app-pricing.md).
 * Prices are not here: Shopify App Pricing holds them (Partner Dashboard) and the app shows them as Shopify reports
 * them. A shop is on Pro while Shopify reports an active subscription named like the Pro plan; on anything else —
 * no subscription, cancelled, declined, expired, frozen for non-payment — it is on Free, with all its data kept.
 */

import { z } from "zod";

export type PlanKey = "FREE" | "PRO";

export interface Plan {
  key: PlanKey;
  /** The plan's name in the Partner Dashboard, which Shopify reports as the subscription's name. */
  name: string;
  /** Attributed (led or assisted) orders a calendar month in the shop's zone; null: no cap. */
  attributedOrdersPerMonth: number | null;
  /** Holdout and variant experiments. */
  experiments: boolean;
  /** Trial Shopify grants on the plan (set in the Partner Dashboard; here for what the Plan page says). */
  trialDays: number;
}

export const PLANS: Record<PlanKey, Plan> = {
  FREE: { key: "FREE", name: "Free", attributedOrdersPerMonth: 50, experiments: false, trialDays: 0 },
  PRO: { key: "PRO", name: "Pro", attributedOrdersPerMonth: null, experiments: true, trialDays: 14 },
};

/** What the app keeps of the shop's subscription, as Admin GraphQL's `AppSubscription` reports it. */
export interface SubscriptionFacts {
  subscriptionId: string | null;
  name: string | null;
  /** ACTIVE, PENDING, FROZEN, CANCELLED, DECLINED, EXPIRED. */
  status: string | null;
  test: boolean;
  trialDays: number;
  createdAt: Date | null;
  currentPeriodEnd: Date | null;
  priceAmount: string | null;
  priceCurrency: string | null;
  /** EVERY_30_DAYS or ANNUAL. */
  interval: string | null;
}

export interface ShopPlan {
  plan: Plan;
  subscription: SubscriptionFacts | null;
  /** When the subscription's trial ends, while it runs. */
  trialEndsAt: Date | null;
}

const isPro = (subscription: SubscriptionFacts) =>
  subscription.status === "ACTIVE" && subscription.name?.trim().toLowerCase() === PLANS.PRO.name.toLowerCase();

export function planOf(subscription: SubscriptionFacts | null, now: Date): ShopPlan {
  if (!subscription || !isPro(subscription)) return { plan: PLANS.FREE, subscription, trialEndsAt: null };
  const trialEnd =
    subscription.createdAt && subscription.trialDays > 0
      ? new Date(subscription.createdAt.getTime() + subscription.trialDays * 86_400_000)
      : null;
  return { plan: PLANS.PRO, subscription, trialEndsAt: trialEnd && trialEnd > now ? trialEnd : null };
}

export interface PlanUsage {
  attributedOrders: number;
  cap: number | null;
  /** On a capped plan, this month's attributed orders have reached the cap: the report says so and keeps counting. */
  capReached: boolean;
  /** …and gone past it: exports stop until the month ends (or the shop upgrades). */
  overCap: boolean;
}

export function usageOf(plan: Plan, attributedOrders: number): PlanUsage {
  const cap = plan.attributedOrdersPerMonth;
  return {
    attributedOrders,
    cap,
    capReached: cap !== null && attributedOrders >= cap,
    overCap: cap !== null && attributedOrders > cap,
  };
}

/** Why a feature is refused on this plan and usage, or null when it is allowed. */
export type Refusal = { feature: "experiments" | "exports"; reason: string } | null;

export function experimentsRefusal(plan: Plan): Refusal {
  return plan.experiments
    ? null
    : { feature: "experiments", reason: `Experiments are part of the ${PLANS.PRO.name} plan.` };
}

export function exportRefusal(usage: PlanUsage): Refusal {
  return usage.overCap
    ? {
        feature: "exports",
        reason: `This month's attributed orders (${usage.attributedOrders}) are past the ${PLANS.FREE.name} plan's ${usage.cap}: exports need the ${PLANS.PRO.name} plan until the month ends.`,
      }
    : null;
}

/** Shopify's hosted plan page for the app (App Pricing): where Upgrade and Change plan send the merchant. */
export function pricingPlansUrl(shopDomain: string, appHandle: string): string {
  const store = shopDomain.replace(/\.myshopify\.com$/, "");
  return `https://admin.shopify.com/store/${encodeURIComponent(store)}/charges/${encodeURIComponent(appHandle)}/pricing_plans`;
}

/** What an `app_subscriptions/update` delivery says: the subscription's id, name and new status. */
export function subscriptionUpdateOf(
  payload: unknown,
): { ok: true; update: { subscriptionId: string; name: string; status: string } } | { ok: false; reason: string } {
  const parsed = subscriptionUpdateSchema.safeParse(payload);
  if (!parsed.success) return { ok: false, reason: `app_subscription: ${parsed.error.issues[0].message}` };
  const { admin_graphql_api_id, name, status } = parsed.data.app_subscription;
  return { ok: true, update: { subscriptionId: admin_graphql_api_id, name, status: status.toUpperCase() } };
}

const subscriptionUpdateSchema = z.object({
  app_subscription: z.object({
    admin_graphql_api_id: z.string().min(1).max(128),
    name: z.string().max(255),
    status: z.string().min(1).max(32),
  }),
});
