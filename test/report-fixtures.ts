/**
 * Rows for report tests, written straight into the real database: the report queries are what is under
 * test, so each order gets exactly the stored attribution the case needs (the engine has its own tests).
 */
import type { Classification, ExclusionReason, MatchedBy, Surface } from "@prisma/client";
import { prisma } from "../app/db.server";
import { recordSubscription } from "../app/domain/billing/subscription.server";

let sequence = 0;
const next = () => ++sequence;

export async function createReportShop(profile: { domain?: string; timezone?: string; currency?: string } = {}) {
  return prisma.shop.create({
    data: {
      domain: profile.domain ?? `report-${next()}.myshopify.com`,
      timezone: profile.timezone ?? "Europe/Berlin",
      currency: profile.currency ?? "EUR",
    },
  });
}

export interface ConversationSpec {
  externalId?: string;
  /** The embed's visitor id (`_chat_visitor_id`); one is made up when not given. */
  visitorKey?: string;
  surface?: Surface;
  /** The chat's variant, as conversation_started reports it. */
  variant?: string;
  startedAt: string;
  touches?: {
    at: string;
    answerFound?: boolean | null;
    topic?: string;
    kind?: "SHOPPER_MESSAGE" | "ASSISTANT_ANSWER";
    /** Products the answer recommended. */
    productIds?: string[];
    /** When the storefront event reached the app; null (the server API) when not given. */
    receivedAt?: string;
  }[];
  cartEvents?: {
    at: string;
    type: "ITEM_ADDED" | "QUANTITY_INCREASED" | "QUANTITY_DECREASED" | "ITEM_REMOVED";
    quantity: number;
    unitValue: string;
    currency?: string;
    productId?: string;
    receivedAt?: string;
  }[];
}

export async function createConversation(shop: { id: string; currency: string }, spec: ConversationSpec) {
  const n = next();
  const visitor = await prisma.visitor.create({
    data: {
      shopId: shop.id,
      visitorKey: spec.visitorKey ?? `v-${n}`,
      firstSeenAt: new Date(spec.startedAt),
      lastSeenAt: new Date(spec.startedAt),
    },
  });
  const conversation = await prisma.conversation.create({
    data: {
      shopId: shop.id,
      externalId: spec.externalId ?? `c-${n}`,
      visitorId: visitor.id,
      surface: spec.surface ?? "CHAT_WIDGET",
      variant: spec.variant,
      startedAt: new Date(spec.startedAt),
    },
  });
  for (const touch of spec.touches ?? []) {
    await prisma.touchpoint.create({
      data: {
        shopId: shop.id,
        conversationId: conversation.id,
        kind: touch.kind ?? "ASSISTANT_ANSWER",
        answerFound: touch.answerFound === undefined ? true : touch.answerFound,
        topic: touch.topic,
        productIds: touch.productIds ?? [],
        occurredAt: new Date(touch.at),
        receivedAt: touch.receivedAt ? new Date(touch.receivedAt) : null,
        source: "STOREFRONT",
      },
    });
  }
  for (const event of spec.cartEvents ?? []) {
    await prisma.cartEvent.create({
      data: {
        shopId: shop.id,
        visitorId: visitor.id,
        conversationId: conversation.id,
        type: event.type,
        productId: event.productId ?? "p-1",
        unitValue: event.unitValue,
        currency: event.currency ?? shop.currency,
        quantity: event.quantity,
        occurredAt: new Date(event.at),
        receivedAt: event.receivedAt ? new Date(event.receivedAt) : null,
        source: "STOREFRONT",
      },
    });
  }
  return conversation;
}

export interface OrderSpec {
  at: string;
  classification?: Classification;
  surface?: Surface;
  matchedBy?: MatchedBy;
  conversationId?: string;
  gross: string;
  net?: string;
  excludedReason?: ExclusionReason;
  lineItems?: { productId: string | null; title: string; quantity: number; amount: string }[];
  name?: string;
  /** When the app heard of the order (its row's createdAt); now when not given. */
  receivedAt?: string;
  /** The app's `_chat_*` stamps the order carried, by name. */
  stamps?: Record<string, string>;
  cancelledAt?: string;
}

export async function createOrder(shop: { id: string; currency: string }, spec: OrderSpec) {
  const n = next();
  const classification = spec.classification ?? "UNATTRIBUTED";
  return prisma.order.create({
    data: {
      shopId: shop.id,
      shopifyOrderId: String(9_000_000 + n),
      name: spec.name ?? `#${1000 + n}`,
      processedAt: new Date(spec.at),
      ...(spec.cancelledAt ? { cancelledAt: new Date(spec.cancelledAt) } : {}),
      ...(spec.receivedAt ? { createdAt: new Date(spec.receivedAt) } : {}),
      currency: shop.currency,
      grossAmount: spec.gross,
      netAmount: spec.net ?? spec.gross,
      verified: spec.excludedReason !== "UNVERIFIED",
      noteAttributes: Object.entries(spec.stamps ?? {}).map(([name, value]) => ({ name, value })),
      test: spec.excludedReason === "TEST",
      source: spec.excludedReason === "UNVERIFIED" ? "PIXEL" : "WEBHOOK",
      lineItems: {
        create: (spec.lineItems ?? []).map((item, index) => ({
          shopId: shop.id,
          shopifyLineItemId: `${n}-${index}`,
          ...item,
        })),
      },
      attribution: {
        create: {
          shopId: shop.id,
          classification,
          surface: classification === "UNATTRIBUTED" ? null : (spec.surface ?? "CHAT_WIDGET"),
          matchedBy: classification === "UNATTRIBUTED" ? null : (spec.matchedBy ?? "CART_ATTRIBUTE"),
          conversationId: spec.conversationId,
          excludedReason: spec.excludedReason,
          evidence: { steps: [`Fixture order classified ${classification}.`] },
          settingsVersion: 1,
        },
      },
    },
  });
}

/** The shop on Pro, as Shopify would report it (the record the app keeps), for tests of what Pro unlocks. */
export async function onProPlan(shopId: string) {
  await recordSubscription(
    prisma,
    shopId,
    {
      subscriptionId: `gid://shopify/AppSubscription/${next()}`,
      name: "Pro",
      status: "ACTIVE",
      test: true,
      trialDays: 0,
      createdAt: new Date(),
      currentPeriodEnd: null,
      priceAmount: null,
      priceCurrency: null,
      interval: null,
    },
    new Date(),
  );
}
