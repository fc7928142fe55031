/**
 * Shopify's customer compliance webhooks. customers/redact erases what identifies one customer: the identity
 * links (customer id, e-mail hash), the identifiers on their orders, their chat text, and any data export
 * assembled for them; the orders keep their money and classification. customers/data_request assembles what
 * we hold for that customer so the merchant can download it from the admin and pass it on.
 */
import type { Prisma } from "@prisma/client";
import { englishSteps } from "../attribution/engine";
import { type EvidencePhrase, phrase } from "../attribution/evidence-text";
import { z } from "zod";
import type { DbTx } from "../../db.server";
import { storedEmailHash } from "../email-hash.server";
import { emailSha256Of } from "../orders/order-payload";
import { findIdentities, type ShopperKeys } from "../identities.server";
import { rejectionReason, shopifyId } from "../shopify-payload";
import { findShop } from "../shops.server";

const customer = z.object({ id: shopifyId.nullish(), email: z.string().nullish(), phone: z.string().nullish() });

export const customerRedactSchema = z.object({
  shop_domain: z.string(),
  customer,
  orders_to_redact: z.array(shopifyId).default([]),
});

export const customerDataRequestSchema = z.object({
  shop_domain: z.string(),
  customer,
  orders_requested: z.array(shopifyId).default([]),
  data_request: z.object({ id: shopifyId }),
});

export type ComplianceOutcome = { status: "PROCESSED" } | { status: "REJECTED"; reason: string };

interface CustomerKeys extends ShopperKeys {
  shopifyOrderIds: string[];
}

/** Everything of one shop that points at the customer: identity rows, their visitors, and their orders. */
async function customerFootprint(db: DbTx, shopId: string, keys: CustomerKeys) {
  const identities = await findIdentities(db, shopId, keys);
  const orderFilters = [
    keys.customerId ? { customerId: keys.customerId } : null,
    keys.emailHash ? { emailHash: keys.emailHash } : null,
    keys.shopifyOrderIds.length ? { shopifyOrderId: { in: keys.shopifyOrderIds } } : null,
  ].filter((f) => f !== null);
  const orders = orderFilters.length
    ? await db.order.findMany({
        where: { shopId, OR: orderFilters },
        include: { attribution: true },
        orderBy: { processedAt: "asc" },
      })
    : [];
  return { identities, visitorIds: [...new Set(identities.map((i) => i.visitorId))], orders };
}

function keysOf(shopDomain: string, payload: { customer: z.infer<typeof customer> }, orderIds: string[]): CustomerKeys {
  return {
    customerId: payload.customer.id ?? null,
    emailHash: storedEmailHash(shopDomain, emailSha256Of(payload.customer.email)),
    shopifyOrderIds: orderIds,
  };
}

const ERASED = phrase("evidence.erased");
/** How orders attributed before steps were recorded as facts say it. */
const ERASED_STEP = englishSteps([ERASED])[0];

export async function redactCustomer(db: DbTx, shopDomain: string, payload: unknown): Promise<ComplianceOutcome> {
  const parsed = customerRedactSchema.safeParse(payload);
  if (!parsed.success)
    return { status: "REJECTED", reason: rejectionReason(parsed.error, "a customers/redact payload") };
  const shop = await findShop(db, shopDomain);
  if (!shop) return { status: "PROCESSED" }; // nothing held (never installed, or already redacted)
  const keys = keysOf(shop.domain, parsed.data, parsed.data.orders_to_redact);
  const { identities, visitorIds, orders } = await customerFootprint(db, shop.id, keys);
  const orderIds = orders.map((o) => o.id);

  await db.visitorIdentity.deleteMany({ where: { id: { in: identities.map((i) => i.id) } } });
  // What the customer typed is theirs, whatever the shop's transcript setting was.
  // So are the topics they asked about.
  await db.touchpoint.updateMany({
    where: { shopId: shop.id, conversation: { visitorId: { in: visitorIds } } },
    data: { text: null, topic: null },
  });
  // Cart and checkout tokens tie the customer's browser to their orders: gone from their cart events, the links
  // their visitors made, their orders and the pixel's hits.
  await db.cartEvent.updateMany({
    where: { shopId: shop.id, visitorId: { in: visitorIds } },
    data: { cartToken: null },
  });
  const visitorKeys = (
    await db.visitor.findMany({ where: { id: { in: visitorIds } }, select: { visitorKey: true } })
  ).map((v) => v.visitorKey);
  const orderTokens = orders.flatMap((o) => [o.checkoutToken, o.cartToken]).filter((t): t is string => !!t);
  await db.cartLink.deleteMany({
    where: { shopId: shop.id, OR: [{ visitorKey: { in: visitorKeys } }, { token: { in: orderTokens } }] },
  });
  await db.order.updateMany({
    where: { id: { in: orderIds } },
    data: { customerId: null, emailHash: null, checkoutToken: null, cartToken: null, customerRedactedAt: new Date() },
  });
  // The hit's chat stamps and client id tie the buyer to their browsing.
  await db.pixelHit.updateMany({
    where: { shopId: shop.id, shopifyOrderId: { in: orders.map((o) => o.shopifyOrderId) } },
    data: { payload: {}, clientId: null, checkoutToken: null },
  });
  for (const order of orders) {
    if (!order.attribution) continue;
    // Evidence steps never quote a customer id or e-mail hash (attribute-order.server.ts words identity links
    // without them), so they stay as they are; the reader learns why the identifiers are gone.
    const evidence = order.attribution.evidence as { steps?: string[]; facts?: EvidencePhrase[] };
    // A repeated request (Shopify retries under a new webhook id) must not say it twice.
    if (evidence.facts?.some((fact) => fact.key === ERASED.key) || evidence.steps?.includes(ERASED_STEP)) continue;
    await db.attribution.update({
      where: { id: order.attribution.id },
      data: {
        // Phrases are JSON (text, numbers and objects of them); Prisma's JSON input type cannot see that.
        evidence: (evidence.facts
          ? { ...evidence, facts: [...evidence.facts, ERASED] }
          : { ...evidence, steps: [...(evidence.steps ?? []), ERASED_STEP] }) as unknown as Prisma.InputJsonObject,
      },
    });
  }
  const ownExports = [keys.customerId, ...orders.map((o) => o.customerId)].filter((v): v is string => !!v);
  await db.customerDataRequest.deleteMany({ where: { shopId: shop.id, customerId: { in: [...new Set(ownExports)] } } });
  return { status: "PROCESSED" };
}

export async function assembleCustomerDataRequest(
  db: DbTx,
  shopDomain: string,
  payload: unknown,
): Promise<ComplianceOutcome> {
  const parsed = customerDataRequestSchema.safeParse(payload);
  if (!parsed.success)
    return { status: "REJECTED", reason: rejectionReason(parsed.error, "a customers/data_request payload") };
  const shop = await findShop(db, shopDomain);
  if (!shop) return { status: "PROCESSED" };
  const keys = keysOf(shop.domain, parsed.data, parsed.data.orders_requested);
  const { identities, visitorIds, orders } = await customerFootprint(db, shop.id, keys);
  const visitors = await db.visitor.findMany({
    where: { id: { in: visitorIds } },
    include: {
      conversations: { include: { touchpoints: { orderBy: { occurredAt: "asc" } } }, orderBy: { startedAt: "asc" } },
      cartEvents: { orderBy: { occurredAt: "asc" } },
    },
  });
  const report = {
    shop: shop.domain,
    requestId: parsed.data.data_request.id,
    assembledAt: new Date().toISOString(),
    customer: { id: keys.customerId, emailHash: keys.emailHash },
    note: "E-mail addresses are never stored; only a hash keyed for this shop (HMAC-SHA256 of the address's SHA-256). Chat text is kept only when the shop stores transcripts.",
    identities: identities.map((i) => ({ kind: i.kind, value: i.value, seenAt: i.seenAt.toISOString() })),
    visitors: visitors.map((v) => ({
      visitorId: v.visitorKey,
      firstSeenAt: v.firstSeenAt.toISOString(),
      lastSeenAt: v.lastSeenAt.toISOString(),
      conversations: v.conversations.map((c) => ({
        conversationId: c.externalId,
        surface: c.surface,
        startedAt: c.startedAt.toISOString(),
        touches: c.touchpoints.map((t) => ({
          kind: t.kind,
          occurredAt: t.occurredAt.toISOString(),
          answerFound: t.answerFound,
          topic: t.topic,
          productIds: t.productIds,
          text: t.text,
        })),
      })),
      cartEvents: v.cartEvents.map((e) => ({
        type: e.type,
        productId: e.productId,
        variantId: e.variantId,
        quantity: e.quantity,
        unitValue: e.unitValue.toString(),
        currency: e.currency,
        occurredAt: e.occurredAt.toISOString(),
      })),
    })),
    orders: orders.map((o) => ({
      shopifyOrderId: o.shopifyOrderId,
      name: o.name,
      processedAt: o.processedAt.toISOString(),
      currency: o.currency,
      grossAmount: o.grossAmount?.toString() ?? null,
      netAmount: o.netAmount?.toString() ?? null,
      classification: o.attribution?.classification ?? null,
    })),
  };
  await db.customerDataRequest.upsert({
    where: { shopId_shopifyRequestId: { shopId: shop.id, shopifyRequestId: parsed.data.data_request.id } },
    create: { shopId: shop.id, shopifyRequestId: parsed.data.data_request.id, customerId: keys.customerId, report },
    update: { customerId: keys.customerId, report },
  });
  return { status: "PROCESSED" };
}

export async function listCustomerDataRequests(db: DbTx, shopDomain: string) {
  const shop = await findShop(db, shopDomain);
  if (!shop) return [];
  const rows = await db.customerDataRequest.findMany({ where: { shopId: shop.id }, orderBy: { createdAt: "desc" } });
  return rows.map((row) => ({
    id: row.id,
    shopifyRequestId: row.shopifyRequestId,
    customerId: row.customerId,
    createdAt: row.createdAt.toISOString(),
    orderCount: ((row.report as { orders?: unknown[] }).orders ?? []).length,
  }));
}

export async function findCustomerDataRequest(db: DbTx, shopDomain: string, id: string) {
  const shop = await findShop(db, shopDomain);
  if (!shop || !z.string().uuid().safeParse(id).success) return null;
  return db.customerDataRequest.findFirst({ where: { id, shopId: shop.id } });
}
