/**
 * Gathers the evidence for one stored order (the conversations its chat stamps, tokens and shopper
 * identities point to), runs the pure engine with the shop's settings, and stores the result.
 */
import type { Prisma, Shop } from "@prisma/client";
import type { DbTx } from "../../db.server";
import { findIdentities } from "../identities.server";
import { CHAT_SESSION_KEY, chatStampOf } from "../orders/order-payload";
import { attributeOrder, type AttributionResult, type CandidateConversation, type MatchedBy } from "./engine";

type OrderWithItems = Prisma.OrderGetPayload<{ include: { lineItems: true } }>;

export function settingsOf(shop: Shop) {
  return {
    ledWindowHours: shop.ledWindowHours,
    assistedWindowDays: shop.assistedWindowDays,
    requireAnswerFound: shop.requireAnswerFound,
    countTestOrders: shop.countTestOrders,
    maxOrderValue: shop.maxOrderValue.toString(),
  };
}

async function findCandidates(db: DbTx, order: OrderWithItems): Promise<CandidateConversation[]> {
  const links = new Map<string, { by: MatchedBy; detail: string }[]>(); // by conversation external id
  const addLink = (externalId: string, by: MatchedBy, detail: string) =>
    links.set(externalId, [...(links.get(externalId) ?? []), { by, detail }]);

  const cartSession = chatStampOf((order.noteAttributes as { name: string; value: string }[]) ?? [], CHAT_SESSION_KEY);
  if (cartSession) addLink(cartSession, "CART_ATTRIBUTE", `carries cart attribute _chat_session_id = ${cartSession}`);
  for (const item of order.lineItems) {
    if (item.chatSessionId) {
      addLink(item.chatSessionId, "LINE_ITEM_PROPERTY", `has line item "${item.title}" with property _chat_session_id = ${item.chatSessionId}`);
    }
  }
  const tokens = [
    order.checkoutToken ? { kind: "CHECKOUT_TOKEN" as const, token: order.checkoutToken } : null,
    order.cartToken ? { kind: "CART_TOKEN" as const, token: order.cartToken } : null,
  ].filter((t) => t !== null);
  if (tokens.length > 0) {
    const cartLinks = await db.cartLink.findMany({
      where: { shopId: order.shopId, OR: tokens.map((t) => ({ kind: t.kind, token: t.token })) },
    });
    for (const link of cartLinks) {
      const what = link.kind === "CHECKOUT_TOKEN" ? "checkout token" : "cart token";
      addLink(link.conversationExternalId, link.kind, `has a ${what} seen with chat session ${link.conversationExternalId}`);
    }
  }

  const identities = await findIdentities(db, order.shopId, order);
  const identityByVisitor = new Map<string, MatchedBy[]>();
  for (const identity of identities) {
    const by: MatchedBy = identity.kind === "CUSTOMER_ID" ? "CUSTOMER_ID" : "EMAIL";
    identityByVisitor.set(identity.visitorId, [...(identityByVisitor.get(identity.visitorId) ?? []), by]);
  }
  // Most orders name no chat at all: nothing to look up (three queries saved per unattributed order).
  if (links.size === 0 && identityByVisitor.size === 0) return [];

  const conversations = await db.conversation.findMany({
    where: {
      shopId: order.shopId,
      OR: [{ externalId: { in: [...links.keys()] } }, { visitorId: { in: [...identityByVisitor.keys()] } }],
    },
    include: { touchpoints: { orderBy: { occurredAt: "asc" } }, cartEvents: true },
  });
  const visitorIds = [...new Set(conversations.map((c) => c.visitorId).filter((v) => v !== null))];
  const chatAddsByVisitor = visitorIds.length
    ? await db.cartEvent.findMany({ where: { shopId: order.shopId, visitorId: { in: visitorIds }, fromChat: true } })
    : [];

  return conversations.map((conversation) => {
    const identityLinks = (conversation.visitorId ? identityByVisitor.get(conversation.visitorId) ?? [] : []).map((by) => ({
      by,
      detail: by === "CUSTOMER_ID" ? `was placed by the logged-in customer who chatted in ${conversation.externalId}` : `was placed with the e-mail address identified in ${conversation.externalId}`,
    }));
    const ownEvents = conversation.cartEvents.map((e) => ({ type: e.type, occurredAt: e.occurredAt, fromChat: e.fromChat, inConversation: true }));
    const visitorChatAdds = chatAddsByVisitor
      .filter((e) => e.visitorId === conversation.visitorId && e.conversationId !== conversation.id)
      .map((e) => ({ type: e.type, occurredAt: e.occurredAt, fromChat: true, inConversation: false }));
    return {
      id: conversation.id,
      externalId: conversation.externalId,
      surface: conversation.surface,
      links: [...(links.get(conversation.externalId) ?? []), ...identityLinks],
      touches: conversation.touchpoints.map((t) => ({ kind: t.kind, answerFound: t.answerFound, occurredAt: t.occurredAt })),
      cartEvents: [...ownEvents, ...visitorChatAdds],
    };
  });
}

const IDENTITY_MATCHES = new Set<string>(["CUSTOMER_ID", "EMAIL"]);

/**
 * Recomputes and stores the attribution of one order. Safe to repeat: the result replaces the last one.
 * Returns null when the stored result is kept: an order whose credit rested on a customer identity that
 * customers/redact has since erased keeps the classification it had (the evidence cannot be re-read).
 */
export async function attributeStoredOrder(db: DbTx, shop: Shop, orderId: string): Promise<AttributionResult | null> {
  const order = await db.order.findUniqueOrThrow({
    where: { id: orderId },
    include: { lineItems: true, attribution: { select: { matchedBy: true } } },
  });
  if (order.customerRedactedAt && order.attribution?.matchedBy && IDENTITY_MATCHES.has(order.attribution.matchedBy)) return null;
  const result = attributeOrder(
    {
      name: order.name ?? `#${order.shopifyOrderId}`,
      orderTime: order.processedAt,
      test: order.test,
      verified: order.verified,
      grossAmount: order.grossAmount?.toString() ?? null,
      currency: order.currency,
    },
    await findCandidates(db, order),
    settingsOf(shop),
  );
  const data = {
    classification: result.classification,
    conversationId: result.conversationId,
    surface: result.surface,
    matchedBy: result.matchedBy,
    minutesFromLastTouch: result.minutesFromLastTouch,
    excludedReason: result.excludedReason,
    evidence: { steps: result.steps, settings: { ...result.settings } },
    settingsVersion: shop.settingsVersion,
    computedAt: new Date(),
  };
  await db.attribution.upsert({
    where: { orderId: order.id },
    create: { shopId: shop.id, orderId: order.id, ...data },
    update: data,
  });
  return result;
}
