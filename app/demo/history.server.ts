/**
 * About 60 days of believable history for the demo shop, fed through the code real traffic takes: chat and
 * cart events through the event-batch validator and ingest (as the App Proxy route does), orders and refunds
 * through the order-webhook handler with its once-per-delivery ledger (as the webhook route does after
 * verifying the HMAC). The demo's numbers are therefore the engine's numbers. A fixed seed makes every run
 * the same shape, shifted to end today.
 */
import type { Shop } from "@prisma/client";
import type { Db } from "../db.server";
import { parseEventBatch } from "../domain/events/event-schema";
import { recordEventBatch } from "../domain/events/record-events.server";
import { seededRandom } from "../lib/seeded-random";
import { DEMO_CATALOG } from "./catalog";
import { deliverOrder, type OrderPlan } from "./demo-orders.server";
import { seedDemoExperiments } from "./experiment-history.server";

const MINUTE = 60_000;
const DAY = 1440 * MINUTE;

const CATALOG = DEMO_CATALOG;

const TOPICS = [
  "dry skin",
  "sensitive skin",
  "sunscreen for kids",
  "gift ideas",
  "shipping times",
  "vegan ingredients",
  "oily skin",
  "returns",
];

export const DEMO_CHAT_COSTS = { chatMonthlyCost: "99", chatCostPerConversation: "0.05", grossMarginPercent: "45" };

export interface HistorySummary {
  skipped: boolean;
  conversations: number;
  events: number;
  orders: number;
}

export async function seedDemoHistory(db: Db, shop: Shop, now: Date = new Date(), days = 60): Promise<HistorySummary> {
  if ((await db.order.count({ where: { shopId: shop.id } })) > 0)
    return { skipped: true, conversations: 0, events: 0, orders: 0 };
  // What the demo's chat costs, set with the history (once), so Insights opens on its return; Settings can change it.
  await db.shop.update({ where: { id: shop.id }, data: DEMO_CHAT_COSTS });
  const rng = seededRandom(20261122);
  const start = now.getTime() - days * DAY;
  let nextOrderId = 7001;
  let eventCount = 0;
  let conversationCount = 0;
  let undelivered: OrderPlan[] = [];
  let delivered = 0;

  for (let day = 0; day < days; day++) {
    const dayStart = start + day * DAY;
    // The event API refuses events older than 30 days: replay each day as if it were happening then.
    const clock = new Date(Math.min(dayStart + DAY, now.getTime()));
    const events: Record<string, unknown>[] = [];
    const loggedIn = new Map<string, string>(); // visitor id → Shopify customer id
    const conversationsToday = rng.int(3, 8) + (day > days / 2 ? 2 : 0); // the assistant gets busier
    for (let c = 0; c < conversationsToday; c++) {
      const conversationId = `demo_c_${day}_${c}`;
      const visitorId = `demo_v_${day}_${c}`;
      let t = dayStart + rng.int(8 * 60, 21 * 60) * MINUTE;
      if (t > clock.getTime() - 60 * MINUTE) continue;
      conversationCount++;
      const surface = rng.chance(0.6) ? "CHAT_WIDGET" : rng.chance(0.6) ? "FAQ" : "NUDGE_CLICK";
      /** One event of this conversation, `minutesLater` after the previous one. */
      const emit = (suffix: string, type: string, minutesLater: number, fields: Record<string, unknown>) => {
        t += minutesLater * MINUTE;
        events.push({
          id: `${conversationId}_${suffix}`,
          type,
          occurredAt: new Date(t).toISOString(),
          visitorId,
          conversationId,
          ...fields,
        });
      };
      emit("start", "conversation_started", 0, {
        surface: surface === "NUDGE_CLICK" ? "CHAT_WIDGET" : surface,
        ...(surface === "NUDGE_CLICK" ? { nudgeId: rng.pick(["welcome-10", "bundle-offer", "exit-intent"]) } : {}),
        // The last three weeks the chat tries two prompts, alternating (no random draw: the rest of the history stays).
        ...(day >= days - 21 ? { variant: (day + c) % 2 === 0 ? "prompt-a" : "prompt-b" } : {}),
      });
      emit("q", "message", 1, { role: "shopper", topic: rng.pick(TOPICS) });
      const answered = rng.chance(0.75);
      const product = rng.pick(CATALOG);
      emit("a", "message", 1, {
        role: "assistant",
        answerFound: answered,
        productIds: answered ? [product.productId] : [],
      });
      // A logged-in shopper: the App Proxy signs the customer id on each of the visitor's requests.
      const customerId = rng.chance(0.3) ? String(900_000 + day * 10 + c) : undefined;
      if (customerId) loggedIn.set(visitorId, customerId);
      const added = answered && rng.chance(0.6);
      const quantity = rng.int(1, 2);
      if (added) {
        const line = {
          productId: product.productId,
          variantId: product.variantId,
          productName: product.title,
          value: product.price,
          currency: shop.currency,
        };
        emit("add", "cart", 2, { cartType: "ITEM_ADDED", ...line, quantity, fromChat: true });
        if (rng.chance(0.15)) emit("rm", "cart", 3, { cartType: "QUANTITY_DECREASED", ...line, quantity: 1 });
      }
      // Some shoppers buy: soon (led), days later (assisted), or with only their customer account to go by.
      if (added && rng.chance(0.65)) {
        const delay = rng.chance(0.7) ? rng.int(10, 600) : rng.int(26 * 60, 6 * 1440);
        const viaIdentityOnly = customerId !== undefined && rng.chance(0.3);
        const viaLineItem = !viaIdentityOnly && rng.chance(0.25);
        undelivered.push({
          id: nextOrderId++,
          at: new Date(t + delay * MINUTE),
          items: [
            { product, quantity, chatSessionId: viaLineItem ? conversationId : undefined },
            ...(rng.chance(0.3) ? [{ product: rng.pick(CATALOG), quantity: 1 }] : []),
          ],
          noteSession: viaIdentityOnly || viaLineItem ? undefined : conversationId,
          visitorKey: visitorId,
          customerId,
          refundRatio: rng.chance(0.08) ? (rng.chance(0.5) ? 1 : 0.5) : undefined,
          presentment: rng.chance(0.15) ? { currency: "USD", rate: 1.08 } : undefined,
        });
      }
    }
    // Orders no chat had anything to do with.
    for (let o = rng.int(4, 9); o > 0; o--) {
      undelivered.push({
        id: nextOrderId++,
        at: new Date(dayStart + rng.int(7 * 60, 23 * 60) * MINUTE),
        items: [{ product: rng.pick(CATALOG), quantity: rng.int(1, 3) }],
        customerId: rng.chance(0.4) ? String(500_000 + rng.int(0, 9999)) : undefined,
        test: rng.chance(0.03),
        cancelled: rng.chance(0.03),
        refundRatio: rng.chance(0.05) ? 1 : undefined,
        presentment: rng.chance(0.15)
          ? { currency: rng.pick(["USD", "GBP", "CHF"]), rate: rng.pick([1.08, 0.86, 0.95]) }
          : undefined,
        outlier: day === Math.floor(days / 3) && o === 1,
      });
    }
    // As the embed would send them: in time order, each batch reaching the app just after its last event (a
    // storefront event may be dated at most STOREFRONT_MAX_DELAY_MS before it arrives).
    for (const batch of storefrontBatches(events)) {
      const parsed = parseEventBatch({ events: batch }, { now: clock, requireVisitorId: true, allowRawEmail: false });
      if (!parsed.ok) throw new Error(`demo history produced an invalid event: ${JSON.stringify(parsed.errors[0])}`);
      const receivedAt = new Date(Date.parse(String(batch.at(-1)!.occurredAt)) + 5_000);
      const loggedInCustomerId = loggedIn.get(String(batch[0].visitorId)) ?? null;
      await recordEventBatch(db, shop, parsed.events, { source: "STOREFRONT", receivedAt, loggedInCustomerId });
      eventCount += parsed.events.length;
    }
    // Orders are delivered once their day has happened, after the day's chat events, as webhooks would be.
    const due = undelivered.filter((o) => o.at < clock);
    undelivered = undelivered.filter((o) => o.at >= clock);
    for (const plan of due) await deliverOrder(db, shop, plan, now);
    delivered += due.length;
  }
  const experiments = await seedDemoExperiments(db, shop, rng, now, nextOrderId);
  return {
    skipped: false,
    conversations: conversationCount,
    events: eventCount + experiments.events,
    orders: delivered + experiments.orders,
  };
}

/**
 * A day's events as browsers send them: one visitor's to a batch, in time order, at most 100 a batch and spanning
 * at most a few minutes; the batches in the order they arrive.
 */
function storefrontBatches(events: Record<string, unknown>[]): Record<string, unknown>[][] {
  const time = (event: Record<string, unknown>) => Date.parse(String(event.occurredAt));
  const batches: Record<string, unknown>[][] = [];
  const open = new Map<string, Record<string, unknown>[]>(); // visitor → its batch being filled
  for (const event of [...events].sort((a, b) => time(a) - time(b))) {
    const visitor = String(event.visitorId);
    const current = open.get(visitor);
    if (current && current.length < 100 && time(event) - time(current[0]) <= 5 * MINUTE) {
      current.push(event);
      continue;
    }
    const batch = [event];
    open.set(visitor, batch);
    batches.push(batch);
  }
  return batches.sort((a, b) => time(a.at(-1)!) - time(b.at(-1)!));
}
