/**
 * Event batches written set-based (one statement per table whatever the batch size): many sessions in one batch,
 * a conversation's start arriving after its messages, a visitor learned later, and two batches racing to create
 * the same conversation (a real race on PostgreSQL in `npm run test:pg`).
 */
import type { Shop } from "@prisma/client";
import { randomUUID } from "node:crypto";
import { beforeEach, describe, expect, it } from "vitest";
import { storedEmailOf } from "../../../test/fixtures";
import { prisma, sqlTransaction } from "../../db.server";
import { emailSha256Of } from "../orders/order-payload";
import { parseEventBatch, type ClientEvent } from "./event-schema";
import { recordEventBatch, recordEventBatchesByShop, type ShopEventBatch } from "./record-events.server";

const NOW = Date.now();
const at = (secondsAgo: number) => new Date(NOW - secondsAgo * 1000).toISOString();

function batch(events: Record<string, unknown>[]): ClientEvent[] {
  const parsed = parseEventBatch(
    { events: events.map((event) => ({ id: randomUUID(), ...event })) },
    { now: new Date(NOW), requireVisitorId: false, allowRawEmail: false },
  );
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return parsed.events;
}

const record = (shop: Shop, events: ClientEvent[]) => recordEventBatch(prisma, shop, events, { source: "SERVER_API" });

function session(n: number): Record<string, unknown>[] {
  const visitorId = `v_${n}`;
  const conversationId = `c_${n}`;
  return [
    { type: "conversation_started", visitorId, conversationId, surface: "FAQ", occurredAt: at(300) },
    { type: "message", visitorId, conversationId, role: "shopper", topic: "sizing", occurredAt: at(290) },
    { type: "message", visitorId, conversationId, role: "assistant", answerFound: true, occurredAt: at(285) },
    {
      type: "cart",
      visitorId,
      conversationId,
      cartType: "ITEM_ADDED",
      productId: "8001",
      value: "10.00",
      currency: "EUR",
      quantity: 2,
      fromChat: true,
      occurredAt: at(280),
    },
    {
      type: "cart",
      visitorId,
      conversationId,
      cartType: "QUANTITY_DECREASED",
      productId: "8001",
      value: "10.00",
      currency: "EUR",
      quantity: 1,
      fromChat: false,
      occurredAt: at(270),
    },
    { type: "identify", visitorId, emailSha256: emailSha256Of(`shopper${700 + n}@example.com`), occurredAt: at(260) },
  ];
}

describe("event batch ingest", () => {
  let shop: Shop;
  beforeEach(async () => {
    shop = await prisma.shop.create({ data: { domain: `events-${randomUUID()}.myshopify.com`, currency: "EUR" } });
  });

  it("stores a batch of many sessions: each visitor, conversation and identity once, every touch and cart event", async () => {
    const events = batch(Array.from({ length: 16 }, (_, n) => session(n)).flat());
    const summary = await record(shop, events);
    expect(summary).toMatchObject({ accepted: 96, duplicates: 0, rejected: [] });
    const where = { shopId: shop.id };
    expect(await prisma.visitor.count({ where })).toBe(16);
    expect(await prisma.conversation.count({ where: { ...where, surface: "FAQ" } })).toBe(16);
    expect(await prisma.touchpoint.count({ where })).toBe(32);
    expect(await prisma.cartEvent.count({ where })).toBe(32);
    expect(await prisma.visitorIdentity.count({ where: { ...where, kind: "EMAIL_HASH" } })).toBe(16);
    expect(await prisma.clientEvent.count({ where })).toBe(96);
    const conversation = await prisma.conversation.findFirstOrThrow({
      where: { ...where, externalId: "c_3" },
      include: { visitor: true },
    });
    expect(conversation).toMatchObject({
      startedAt: new Date(at(300)),
      visitor: { visitorKey: "v_3" },
      lastTouchAt: new Date(at(285)),
      firstQualifyingTouchAt: new Date(at(285)),
    });
    expect(await record(shop, events)).toMatchObject({ accepted: 0, duplicates: 96 });
    expect(await prisma.touchpoint.count({ where })).toBe(32);
  });

  it("lets a later conversation_started with an earlier time set the start, surface and nudge; a later start changes nothing", async () => {
    await record(
      shop,
      batch([{ type: "message", visitorId: "v1", conversationId: "c1", role: "shopper", occurredAt: at(100) }]),
    );
    expect(await prisma.conversation.findFirstOrThrow({ where: { shopId: shop.id } })).toMatchObject({
      surface: "CHAT_WIDGET",
      startedAt: new Date(at(100)),
    });
    await record(
      shop,
      batch([
        {
          type: "conversation_started",
          visitorId: "v1",
          conversationId: "c1",
          surface: "CHAT_WIDGET",
          nudgeId: "n-7",
          occurredAt: at(120),
        },
      ]),
    );
    expect(await prisma.conversation.findFirstOrThrow({ where: { shopId: shop.id } })).toMatchObject({
      surface: "NUDGE_CLICK",
      nudgeId: "n-7",
      startedAt: new Date(at(120)),
    });
    await record(
      shop,
      batch([
        { type: "conversation_started", visitorId: "v1", conversationId: "c1", surface: "FAQ", occurredAt: at(50) },
      ]),
    );
    expect(await prisma.conversation.findFirstOrThrow({ where: { shopId: shop.id } })).toMatchObject({
      surface: "NUDGE_CLICK",
      startedAt: new Date(at(120)),
    });
  });

  it("gives a conversation first seen without a visitor the visitor of a later event", async () => {
    await record(shop, batch([{ type: "message", conversationId: "c2", role: "shopper", occurredAt: at(100) }]));
    expect(await prisma.conversation.findFirstOrThrow({ where: { shopId: shop.id } })).toMatchObject({
      visitorId: null,
    });
    await record(
      shop,
      batch([
        {
          type: "message",
          visitorId: "v2",
          conversationId: "c2",
          role: "assistant",
          answerFound: true,
          occurredAt: at(90),
        },
      ]),
    );
    const visitor = await prisma.visitor.findFirstOrThrow({ where: { shopId: shop.id, visitorKey: "v2" } });
    expect(await prisma.conversation.findFirstOrThrow({ where: { shopId: shop.id } })).toMatchObject({
      visitorId: visitor.id,
    });
  });

  it("lands two batches that race to create the same conversation and visitor, each row once", async () => {
    const first = batch(session(1).slice(0, 3));
    const second = batch(session(1).slice(3));
    const summaries = await Promise.all([record(shop, first), record(shop, second)]);
    expect(summaries.map((s) => s.accepted)).toEqual([3, 3]);
    expect(await prisma.visitor.count({ where: { shopId: shop.id } })).toBe(1);
    expect(await prisma.conversation.count({ where: { shopId: shop.id } })).toBe(1);
    expect(await prisma.touchpoint.count({ where: { shopId: shop.id } })).toBe(2);
    expect(await prisma.cartEvent.count({ where: { shopId: shop.id } })).toBe(2);
  });

  describe("several requests' batches in one transaction (the App Proxy's group commit)", () => {
    /** Requests as storefronts send them: two visitors, a removal whose add came in an earlier request, a retry. */
    function requests(domain: string): ShopEventBatch[] {
      const [started, shopperMessage, answer, add, decrease, identify] = batch(session(1));
      const other = batch(session(2));
      const request = (events: ClientEvent[], loggedInCustomerId: string | null = null): ShopEventBatch => ({
        shopDomain: domain,
        events,
        context: { source: "STOREFRONT", loggedInCustomerId },
      });
      return [
        request([started, shopperMessage, answer]),
        request(other.slice(0, 4), "9002"), // visitor 2 is logged in
        request([add]),
        request([decrease, identify]), // the decrease follows the add of the request before
        request([add, answer]), // a retry of events already sent: duplicates
        request(other.slice(4)),
      ];
    }

    /** The shoppers' addresses the batches identify with, to name a stored (keyed, per shop) hash by its address. */
    const addresses = Array.from({ length: 100 }, (_, n) => `shopper${700 + n}@example.com`);
    const addressOf = (shopDomain: string, value: string) =>
      addresses.find((address) => storedEmailOf(shopDomain, address) === value) ?? `unknown hash ${value}`;

    async function stored({ id: shopId, domain }: { id: string; domain: string }) {
      const where = { shopId };
      return {
        visitors: await prisma.visitor.count({ where }),
        conversations: await prisma.conversation.findMany({
          where,
          orderBy: { externalId: "asc" },
          select: { externalId: true, startedAt: true, lastTouchAt: true, firstQualifyingTouchAt: true },
        }),
        touches: await prisma.touchpoint.count({ where }),
        cartEvents: await prisma.cartEvent.findMany({
          where,
          orderBy: [{ occurredAt: "asc" }, { type: "asc" }],
          select: { type: true, quantity: true, fromChat: true },
        }),
        identities: (
          await prisma.visitorIdentity.findMany({ where, select: { kind: true, value: true, seenAt: true } })
        )
          .map((identity) => ({
            ...identity,
            value: identity.kind === "EMAIL_HASH" ? addressOf(domain, identity.value) : identity.value,
          }))
          .sort((a, b) => a.kind.localeCompare(b.kind) || a.value.localeCompare(b.value)),
        ledger: await prisma.clientEvent.count({ where }),
      };
    }

    it("answers each request as if it had been stored alone, after the ones before it, and stores the same rows", async () => {
      const merged = await recordEventBatchesByShop(sqlTransaction, requests(shop.domain));
      expect(
        merged.map(({ accepted, duplicates, rejected }) => ({ accepted, duplicates, rejected: rejected.length })),
      ).toEqual([
        { accepted: 3, duplicates: 0, rejected: 0 },
        { accepted: 4, duplicates: 0, rejected: 0 },
        { accepted: 1, duplicates: 0, rejected: 0 },
        { accepted: 2, duplicates: 0, rejected: 0 },
        { accepted: 0, duplicates: 2, rejected: 0 },
        { accepted: 2, duplicates: 0, rejected: 0 },
      ]);

      const alone = await prisma.shop.create({
        data: { domain: `events-${randomUUID()}.myshopify.com`, currency: "EUR" },
      });
      const oneByOne = [];
      for (const request of requests(alone.domain))
        oneByOne.push(...(await recordEventBatchesByShop(sqlTransaction, [request])));
      expect(oneByOne.map((s) => [s.accepted, s.duplicates, s.rejected.length])).toEqual(
        merged.map((s) => [s.accepted, s.duplicates, s.rejected.length]),
      );

      const rows = await stored(shop);
      expect(rows).toEqual(await stored(alone));
      expect(rows.identities.map((i) => [i.kind, i.value])).toEqual([
        ["CUSTOMER_ID", "9002"],
        ["EMAIL_HASH", "shopper701@example.com"],
        ["EMAIL_HASH", "shopper702@example.com"],
      ]);
      expect(rows.cartEvents).toHaveLength(4);
    });

    it("keeps two shops apart in one transaction, even for the same visitor, conversation and event ids", async () => {
      const other = await prisma.shop.create({
        data: { domain: `events-${randomUUID()}.myshopify.com`, currency: "EUR" },
      });
      const events = batch(session(3));
      const summaries = await recordEventBatchesByShop(sqlTransaction, [
        { shopDomain: shop.domain, events, context: { source: "STOREFRONT" } },
        { shopDomain: other.domain, events, context: { source: "STOREFRONT" } },
      ]);
      expect(summaries.map((s) => [s.accepted, s.duplicates])).toEqual([
        [6, 0],
        [6, 0],
      ]);
      expect(await stored(shop)).toEqual(await stored(other));
      expect((await stored(shop)).ledger).toBe(6);
    });

    it("refuses a removal with no earlier add in any request of the transaction, and only in its own request", async () => {
      const [, , , , decrease] = batch(session(5));
      const summaries = await recordEventBatchesByShop(sqlTransaction, [
        { shopDomain: shop.domain, events: batch(session(6)), context: { source: "STOREFRONT" } },
        { shopDomain: shop.domain, events: [decrease], context: { source: "STOREFRONT" } },
      ]);
      expect(summaries[0]).toMatchObject({ accepted: 6, rejected: [] });
      expect(summaries[1]).toMatchObject({
        accepted: 0,
        rejected: [{ index: 0, reason: expect.stringMatching(/no earlier add/) }],
      });
    });
  });
});
