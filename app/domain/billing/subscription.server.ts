/**
 * The shop's plan from Shopify: Admin GraphQL `currentAppInstallation.activeSubscriptions`, kept on the shop
 * (ShopSubscription) and asked again on install, on `app_subscriptions/update`, on the Plan page and when stale.
 * What a shop may do is decided from that record (plans.ts), server-side.
 */
import type { Prisma } from "@prisma/client";
import type { DbTx } from "../../db.server";
import { adminApiError, type AdminGraphql } from "../admin-graphql";
import { addDays, dayInZone, reportTimezone, startOfDayInZone } from "../reports/date-range";
import { jobQueue } from "../../jobs/queue.server";
import { planOf, type ShopPlan, type SubscriptionFacts, usageOf, type PlanUsage } from "./plans";

/** A record older than this is asked again (by a job, so no page waits on Shopify). */
const SUBSCRIPTION_STALE_MS = 6 * 3_600_000;

const ACTIVE_SUBSCRIPTIONS_QUERY = `#graphql
  query ActiveSubscriptions {
    currentAppInstallation {
      activeSubscriptions {
        id
        name
        status
        test
        trialDays
        createdAt
        currentPeriodEnd
        lineItems {
          plan {
            pricingDetails {
              __typename
              ... on AppRecurringPricing {
                interval
                price { amount currencyCode }
              }
            }
          }
        }
      }
    }
  }`;

export interface GraphqlSubscription {
  id: string;
  name: string;
  status: string;
  test: boolean;
  trialDays: number;
  createdAt: string | null;
  currentPeriodEnd: string | null;
  lineItems: {
    plan: {
      pricingDetails: { __typename: string; interval?: string; price?: { amount: string; currencyCode: string } };
    };
  }[];
}

/** The subscription Shopify reports for the app on this shop, or null when it has none (the Free plan). */
async function fetchSubscription(admin: AdminGraphql): Promise<SubscriptionFacts | null> {
  const response = await admin.graphql(ACTIVE_SUBSCRIPTIONS_QUERY);
  const json = (await response.json().catch(() => null)) as {
    data?: { currentAppInstallation: { activeSubscriptions: GraphqlSubscription[] } };
    errors?: unknown;
  } | null;
  if (!json?.data || json.errors) throw adminApiError(json, response.status);
  // An app has at most one active subscription; a pending replacement may be listed beside it.
  const subscriptions = json.data.currentAppInstallation.activeSubscriptions;
  const subscription = subscriptions.find((s) => s.status === "ACTIVE") ?? subscriptions[0];
  return subscription ? subscriptionFactsOf(subscription) : null;
}

/** What the app keeps of an `AppSubscription`. */
export function subscriptionFactsOf(subscription: GraphqlSubscription): SubscriptionFacts {
  const recurring = subscription.lineItems
    .map((item) => item.plan.pricingDetails)
    .find((details) => details.__typename === "AppRecurringPricing");
  return {
    subscriptionId: subscription.id,
    name: subscription.name,
    status: subscription.status,
    test: subscription.test,
    trialDays: subscription.trialDays ?? 0,
    createdAt: subscription.createdAt ? new Date(subscription.createdAt) : null,
    currentPeriodEnd: subscription.currentPeriodEnd ? new Date(subscription.currentPeriodEnd) : null,
    priceAmount: recurring?.price?.amount ?? null,
    priceCurrency: recurring?.price?.currencyCode ?? null,
    interval: recurring?.interval ?? null,
  };
}

const NO_SUBSCRIPTION: SubscriptionFacts = {
  subscriptionId: null,
  name: null,
  status: null,
  test: false,
  trialDays: 0,
  createdAt: null,
  currentPeriodEnd: null,
  priceAmount: null,
  priceCurrency: null,
  interval: null,
};

type StoredSubscription = Prisma.ShopSubscriptionGetPayload<object>;

function factsOf(row: StoredSubscription | null): SubscriptionFacts | null {
  if (!row || (row.subscriptionId === null && row.name === null)) return null;
  return {
    subscriptionId: row.subscriptionId,
    name: row.name,
    status: row.status,
    test: row.test,
    trialDays: row.trialDays,
    createdAt: row.createdAt,
    currentPeriodEnd: row.currentPeriodEnd,
    priceAmount: row.priceAmount?.toFixed(2) ?? null,
    priceCurrency: row.priceCurrency,
    interval: row.interval,
  };
}

/** Asks Shopify and keeps the answer; a failure leaves the record as it was and throws. */
export async function refreshShopPlan(
  db: DbTx,
  shopId: string,
  admin: AdminGraphql,
  now: Date = new Date(),
): Promise<ShopPlan> {
  const facts = await fetchSubscription(admin);
  await recordSubscription(db, shopId, facts, now);
  return planOf(facts, now);
}

/** Keeps what Shopify reported (null: no subscription) as read at `checkedAt`. */
export async function recordSubscription(
  db: DbTx,
  shopId: string,
  facts: SubscriptionFacts | null,
  checkedAt: Date,
): Promise<void> {
  const data = { ...(facts ?? NO_SUBSCRIPTION), checkedAt };
  await db.shopSubscription.upsert({ where: { shopId }, create: { shopId, ...data }, update: data });
}

/**
 * The plan as last recorded (Free if never), when Shopify was last asked (null: never, or a webhook said it changed),
 * and whether the record should be asked again.
 */
export async function recordedShopPlan(
  db: DbTx,
  shopId: string,
  now: Date = new Date(),
): Promise<{ plan: ShopPlan; checkedAt: Date | null; stale: boolean }> {
  const row = await db.shopSubscription.findUnique({ where: { shopId } });
  const checkedAt = row?.checkedAt ?? null;
  const stale = !checkedAt || now.getTime() - checkedAt.getTime() > SUBSCRIPTION_STALE_MS;
  return { plan: planOf(factsOf(row), now), checkedAt, stale };
}

/**
 * What `app_subscriptions/update` says (the subscription's id, name and status): recorded at once and marked for
 * asking again, since the full record (trial, price, period) comes only from the Admin API. A change of another
 * subscription than the recorded one counts only when it activates it: a replaced plan's cancellation arriving after
 * its successor's activation must not undo it.
 */
export async function recordSubscriptionUpdate(
  db: DbTx,
  shopId: string,
  update: { subscriptionId: string; name: string; status: string },
): Promise<void> {
  const row = await db.shopSubscription.findUnique({ where: { shopId } });
  const sameSubscription = row?.subscriptionId === update.subscriptionId;
  if (!sameSubscription && update.status !== "ACTIVE") {
    await db.shopSubscription.upsert({
      where: { shopId },
      create: { shopId, ...NO_SUBSCRIPTION, checkedAt: null },
      update: { checkedAt: null },
    });
    return;
  }
  const changed = sameSubscription
    ? { name: update.name, status: update.status }
    : { ...NO_SUBSCRIPTION, subscriptionId: update.subscriptionId, name: update.name, status: update.status };
  await db.shopSubscription.upsert({
    where: { shopId },
    create: { shopId, ...NO_SUBSCRIPTION, ...changed, checkedAt: null },
    update: { ...changed, checkedAt: null },
  });
}

/** Led and assisted orders processed this calendar month in the shop's zone (the Free plan's cap counts these). */
async function attributedOrdersThisMonth(
  db: DbTx,
  shop: { id: string; timezone: string },
  now: Date = new Date(),
): Promise<number> {
  const timezone = reportTimezone(shop);
  const firstDay = `${dayInZone(now, timezone).slice(0, 7)}-01`;
  const nextMonth = `${addDays(firstDay, 31).slice(0, 7)}-01`; // the 1st + 31 days is always in the next month
  return db.attribution.count({
    where: {
      shopId: shop.id,
      classification: { in: ["LED", "ASSISTED"] },
      order: {
        processedAt: { gte: startOfDayInZone(firstDay, timezone), lt: startOfDayInZone(nextMonth, timezone) },
      },
    },
  });
}

/** This month's usage of a capped plan; null on a plan without a cap (nothing is counted then). */
export async function cappedUsage(
  db: DbTx,
  shop: { id: string; timezone: string },
  now: Date = new Date(),
): Promise<PlanUsage | null> {
  const { plan } = await recordedShopPlan(db, shop.id, now);
  if (plan.plan.attributedOrdersPerMonth === null) return null;
  return usageOf(plan.plan, await attributedOrdersThisMonth(db, shop, now));
}

/** The shop's plan as recorded, when Shopify was last asked, and this month's usage of the plan. */
export async function shopPlanAndUsage(
  db: DbTx,
  shop: { id: string; timezone: string },
  now: Date = new Date(),
): Promise<{ plan: ShopPlan; checkedAt: Date | null; usage: PlanUsage }> {
  const [{ plan, checkedAt }, attributed] = await Promise.all([
    recordedShopPlan(db, shop.id, now),
    attributedOrdersThisMonth(db, shop, now),
  ]);
  return { plan, checkedAt, usage: usageOf(plan.plan, attributed) };
}

/** Asks Shopify again for the shop's subscription, in a job (server/jobs.ts): no request waits on the Admin API. */
export async function queuePlanRefresh(shopDomain: string): Promise<void> {
  await jobQueue().send("refresh-plan", { shop: shopDomain }, shopDomain);
}
