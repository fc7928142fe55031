/**
 * Fuzz of what a hostile visitor can claim in a validly signed storefront request (issue 25's high items), through
 * the real App Proxy route: events in another visitor's conversation, backdated evidence, identity sprays and
 * unbounded values. Each family keeps the invariant of the whole fuzz run — nothing is stored that was not validly
 * sent — in its own words, checked against the database after every generated request.
 */
import fc from "fast-check";
import { randomUUID } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { cartWith } from "../storefront-standin";
import { prisma } from "../../app/db.server";
import { STOREFRONT_MAX_DELAY_MS } from "../../app/domain/events/ingest-events.server";
import { installShop } from "../../app/domain/shops.server";
import { dispatch } from "../app-routes";
import { orderFixture } from "../fixtures";
import { appProxyRequest, webhookRequest } from "../shopify-requests";

const RUNS = Number(process.env.FUZZ_CLAIM_CASES || 300);
const SEED = Number(process.env.FUZZ_SEED || 20261122);
const settings = { numRuns: RUNS, seed: SEED, endOnFailure: true };

let shop: Awaited<ReturnType<typeof installShop>>;
let sequence = 0;
/** A visitor of its own for every request, so the per-visitor rate limit never answers instead of validation. */
const freshVisitor = () => `v_claim_${++sequence}`;

async function post(events: unknown[], loggedInCustomerId?: string) {
  const response = await dispatch(
    appProxyRequest({ shop: shop.domain, path: "/proxy/events", method: "POST", body: { events }, loggedInCustomerId }),
  );
  expect(response.status).toBeLessThan(500);
  return response;
}

const minutes = (n: number) => n * 60_000;
const isoAt = (ms: number) => new Date(ms).toISOString();

beforeAll(async () => {
  shop = await installShop(prisma, { domain: `claims-${randomUUID().slice(0, 8)}.myshopify.com`, currency: "EUR" });
});

describe(`claims fuzz (${RUNS} requests per family, seed ${SEED})`, () => {
  it("cross-visitor events: a conversation only ever holds its own visitor's touches and cart events", async () => {
    const owner = freshVisitor();
    await post([
      {
        id: randomUUID(),
        type: "conversation_started",
        occurredAt: isoAt(Date.now()),
        visitorId: owner,
        conversationId: "c_claimed",
      },
    ]);
    const event = fc.oneof(
      fc.record({
        type: fc.constant("message"),
        role: fc.constantFrom("shopper", "assistant"),
        answerFound: fc.option(fc.boolean(), { nil: undefined }),
      }),
      fc.record({
        type: fc.constant("cart"),
        cartType: fc.constant("ITEM_ADDED"),
        productId: fc.constant("8101"),
        value: fc.constant("10.00"),
        currency: fc.constant("EUR"),
        quantity: fc.integer({ min: 1, max: 5 }),
        fromChat: fc.boolean(),
      }),
      fc.record({ type: fc.constant("conversation_started"), surface: fc.constantFrom("CHAT_WIDGET", "FAQ") }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(event, { minLength: 1, maxLength: 8 }), async (events) => {
        const intruder = freshVisitor();
        const response = await post(
          events.map((e) => ({
            ...e,
            id: randomUUID(),
            occurredAt: isoAt(Date.now()),
            visitorId: intruder,
            conversationId: "c_claimed",
          })),
        );
        if (response.status === 200) expect((await response.json()).accepted).toBe(0);
        const conversation = await prisma.conversation.findFirstOrThrow({
          where: { shopId: shop.id, externalId: "c_claimed" },
          include: { visitor: true, touchpoints: true, cartEvents: true },
        });
        expect(conversation.visitor?.visitorKey).toBe(owner);
        expect(conversation.touchpoints).toHaveLength(0);
        expect(conversation.cartEvents).toHaveLength(0);
      }),
      settings,
    );
  }, 600_000);

  it("backdated evidence: every stored time lies within 30 minutes before its arrival, and an order already in stays unattributed", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: -minutes(5), max: minutes(29 * 24 * 60) }), { minLength: 1, maxLength: 6 }),
        async (agesMs) => {
          // The order's own visitor and conversation, so only the time rule can refuse the evidence.
          const visitorId = freshVisitor();
          const conversationId = `c_${visitorId}`;
          const orderId = 777_000 + sequence;
          const orderTime = isoAt(Date.now() - minutes(5));
          const order = {
            ...orderFixture(),
            id: orderId,
            processed_at: orderTime,
            created_at: orderTime,
            note_attributes: [
              { name: "_chat_session_id", value: conversationId },
              { name: "_chat_visitor_id", value: visitorId },
            ],
          };
          expect(
            (
              await dispatch(
                webhookRequest({ path: "/webhooks/orders", topic: "orders/paid", shop: shop.domain, body: order }),
              )
            ).status,
          ).toBe(200);
          const sent = Date.now();
          await post(
            agesMs.map((age) => ({
              id: randomUUID(),
              type: "message",
              occurredAt: isoAt(sent - age),
              visitorId,
              conversationId,
              role: "assistant",
              answerFound: true,
            })),
          );
          const stored = await prisma.touchpoint.findMany({
            where: { shopId: shop.id, conversation: { externalId: conversationId } },
          });
          expect(stored).toHaveLength(agesMs.length);
          for (const touch of stored) {
            expect(touch.receivedAt).not.toBeNull();
            expect(touch.occurredAt.getTime()).toBeLessThanOrEqual(touch.receivedAt!.getTime());
            expect(touch.receivedAt!.getTime() - touch.occurredAt.getTime()).toBeLessThanOrEqual(
              STOREFRONT_MAX_DELAY_MS,
            );
          }
          const attributed = await prisma.order.findFirstOrThrow({
            where: { shopId: shop.id, shopifyOrderId: String(orderId) },
            include: { attribution: true },
          });
          expect(attributed.attribution?.classification).toBe("UNATTRIBUTED");
        },
      ),
      settings,
    );
  }, 600_000);

  it("identity sprays: no customer id from a body, at most 3 e-mail hashes a visitor, whatever the mix", async () => {
    const hash = fc.stringMatching(/^[0-9a-f]{64}$/);
    const identify = fc.oneof(
      fc.record({ customerId: fc.bigInt({ min: 1n, max: 10n ** 15n }).map(String) }),
      fc.record({ emailSha256: hash }),
      fc.record({ emailSha256: hash, customerId: fc.bigInt({ min: 1n, max: 10n ** 15n }).map(String) }),
    );
    const signed = "820982911946154508";
    await fc.assert(
      fc.asyncProperty(fc.array(identify, { minLength: 1, maxLength: 12 }), fc.boolean(), async (claims, loggedIn) => {
        const visitorId = freshVisitor();
        await post(
          claims.map((claim) => ({
            ...claim,
            id: randomUUID(),
            type: "identify",
            occurredAt: isoAt(Date.now()),
            visitorId,
          })),
          loggedIn ? signed : undefined,
        );
        const identities = await prisma.visitorIdentity.findMany({
          where: { shopId: shop.id, visitor: { visitorKey: visitorId } },
        });
        expect(identities.filter((i) => i.kind === "CUSTOMER_ID").map((i) => i.value)).toEqual(
          loggedIn ? [signed] : [],
        );
        expect(identities.filter((i) => i.kind === "EMAIL_HASH").length).toBeLessThanOrEqual(3);
      }),
      settings,
    );
  }, 600_000);

  it("values: a stored add never exceeds Shopify's price, the cart's quantity or the shop's outlier threshold, and no value is a 5xx", async () => {
    const value = fc.oneof(
      fc.bigInt({ min: 0n, max: 10n ** 20n }).map(String),
      fc.double({ min: 0, max: 1e18, noNaN: true }).map((v) => v.toFixed(4)),
      fc.constantFrom("999999999999999", "1000000000000000", "1000000", "1000000.0001", "-1", "1e9", "0.00001"),
    );
    const max = BigInt(shop.maxOrderValue.toFixed(0)) * 10_000n;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ value, quantity: fc.integer({ min: 1, max: 999 }) }), { minLength: 1, maxLength: 5 }),
        fc.integer({ min: 1, max: 999 }),
        fc.bigInt({ min: 0n, max: 10n ** 12n }),
        async (adds, inCart, priceCents) => {
          const visitorId = freshVisitor();
          const unitPrice = (Number(priceCents) / 100).toFixed(2);
          const cartToken = cartWith({
            productId: "8101",
            variantId: "48101",
            quantity: inCart,
            unitPrice,
            currency: "EUR",
          });
          await post(
            adds.map((add) => ({
              id: randomUUID(),
              type: "cart",
              occurredAt: isoAt(Date.now()),
              visitorId,
              cartType: "ITEM_ADDED",
              productId: "8101",
              variantId: "48101",
              value: add.value,
              currency: "EUR",
              quantity: add.quantity,
              cartToken,
            })),
          );
          const stored = await prisma.cartEvent.findMany({
            where: { shopId: shop.id, visitor: { visitorKey: visitorId } },
          });
          const price = BigInt(priceCents) * 100n;
          for (const event of stored) {
            const units = BigInt(event.unitValue.mul(10_000).toFixed(0));
            expect(units).toBeLessThanOrEqual(max);
            expect(units).toBeLessThanOrEqual(price);
          }
          expect(stored.reduce((total, event) => total + event.quantity, 0)).toBeLessThanOrEqual(inCart);
        },
      ),
      settings,
    );
  }, 600_000);
});
