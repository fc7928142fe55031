/**
 * POST /api/v1/events through the real route: per-shop bearer keys, the event protocol's validation, idempotency
 * per event id and per Idempotency-Key, rate limits; every request and response checked against the OpenAPI
 * document the app serves.
 */
import { randomUUID } from "node:crypto";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { dispatch } from "../../test/app-routes";
import { eventsApiDocument, requestBodyErrors, responseErrors } from "../../test/openapi";
import { orderFixture, storedEmailOf } from "../../test/fixtures";
import { APP_URL, webhookRequest } from "../../test/shopify-requests";
import { prisma } from "../db.server";
import { createApiKey, revokeApiKey } from "../domain/api-keys/api-keys.server";
import { eventSchema } from "../domain/events/event-schema";
import { installShop } from "../domain/shops.server";

const PATH = "/api/v1/events";
let shop: { id: string; domain: string };
let key: string;

interface PostOptions {
  key?: string | null;
  idempotencyKey?: string;
  method?: string;
  rawBody?: string;
  query?: string;
  /** A whole Authorization header, instead of a bearer key. */
  authorization?: string;
}

/** Sends a request and checks the response against the OpenAPI document before handing it back. */
async function post(body: unknown, options: PostOptions = {}) {
  const headers: Record<string, string> = { "Content-Type": "application/json" };
  const bearer = options.key === undefined ? key : options.key;
  if (bearer !== null) headers.Authorization = `Bearer ${bearer}`;
  if (options.authorization) headers.Authorization = options.authorization;
  if (options.idempotencyKey !== undefined) headers["Idempotency-Key"] = options.idempotencyKey;
  const method = options.method ?? "POST";
  const response = await dispatch(
    new Request(`${APP_URL}${PATH}${options.query ?? ""}`, {
      method,
      headers,
      body: method === "GET" ? undefined : (options.rawBody ?? JSON.stringify(body)),
    }),
  );
  expect(await responseErrors(PATH, "post", response)).toEqual([]);
  return response;
}

const now = () => new Date().toISOString();
const validBatch = (conversationId = `c_${randomUUID().slice(0, 8)}`) => ({
  events: [
    { id: randomUUID(), type: "conversation_started", occurredAt: now(), conversationId, surface: "FAQ" },
    {
      id: randomUUID(),
      type: "message",
      occurredAt: now(),
      conversationId,
      role: "assistant",
      answerFound: true,
      productIds: ["632910392"],
    },
    {
      id: randomUUID(),
      type: "cart",
      occurredAt: now(),
      visitorId: "v_api",
      conversationId,
      cartType: "ITEM_ADDED",
      productId: "632910392",
      value: "19.90",
      currency: "EUR",
      quantity: 1,
      fromChat: true,
    },
    { id: randomUUID(), type: "identify", occurredAt: now(), visitorId: "v_api", email: "Shopper@Example.COM" },
  ],
});

const storedEvents = (shopId: string) => prisma.clientEvent.count({ where: { shopId } });

describe("POST /api/v1/events", () => {
  beforeEach(async () => {
    shop = await installShop(prisma, { domain: `api-${randomUUID().slice(0, 8)}.myshopify.com`, currency: "EUR" });
    key = (await createApiKey(prisma, shop.id, "Chat backend")).key;
  });

  it("re-attributes an order its evidence came after: the server API's times are the shop's own", async () => {
    const clock = Date.now();
    const orderTime = new Date(clock - 10 * 60_000).toISOString();
    const order = {
      ...orderFixture(),
      processed_at: orderTime,
      created_at: orderTime,
      note_attributes: [{ name: "_chat_session_id", value: "c_backfill" }],
    };
    await dispatch(webhookRequest({ path: "/webhooks/orders", topic: "orders/paid", shop: shop.domain, body: order }));
    expect((await prisma.attribution.findFirstOrThrow({ where: { shopId: shop.id } })).classification).toBe(
      "UNATTRIBUTED",
    );
    const answeredAt = new Date(clock - 30 * 60_000).toISOString();
    await post({
      events: [
        {
          id: randomUUID(),
          type: "message",
          occurredAt: answeredAt,
          conversationId: "c_backfill",
          role: "assistant",
          answerFound: true,
        },
      ],
    });
    expect(await prisma.attribution.findFirstOrThrow({ where: { shopId: shop.id } })).toMatchObject({
      classification: "LED",
      minutesFromLastTouch: 20,
    });
    expect((await prisma.touchpoint.findFirstOrThrow({ where: { shopId: shop.id } })).receivedAt).toBeNull();
  });

  it("stores a valid batch for the key's shop, hashing a raw e-mail on receipt and keeping no trace of it", async () => {
    const batch = validBatch();
    expect(requestBodyErrors(PATH, "post", batch)).toEqual([]);
    const response = await post(batch);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ accepted: 4, duplicates: 0, rejected: [] });
    expect(await prisma.clientEvent.findMany({ where: { shopId: shop.id }, select: { source: true } })).toEqual(
      Array(4).fill({ source: "SERVER_API" }),
    );
    const identities = await prisma.visitorIdentity.findMany({ where: { visitor: { shopId: shop.id } } });
    expect(identities.map((identity) => identity.value)).toEqual([storedEmailOf(shop.domain, "shopper@example.com")]);
    const stored = JSON.stringify([
      identities,
      await prisma.visitor.findMany({ where: { shopId: shop.id } }),
      await prisma.clientEvent.findMany({ where: { shopId: shop.id } }),
    ]);
    expect(stored).not.toMatch(/example\.com/i);

    // The same events again (a retry without Idempotency-Key): recognised by their ids.
    const again = await post(batch);
    expect(await again.json()).toEqual({ accepted: 0, duplicates: 4, rejected: [] });
    expect(await storedEvents(shop.id)).toBe(4);
  });

  it("identifies a conversation's visitor when a chat backend names the conversation, and refuses what could never match", async () => {
    // Issue 32.7: a backend knows the conversation, not the visitor. The storefront reported the conversation first.
    const storeVisitor = await prisma.visitor.create({
      data: { shopId: shop.id, visitorKey: "v_store", firstSeenAt: new Date(), lastSeenAt: new Date() },
    });
    await prisma.conversation.create({
      data: { shopId: shop.id, externalId: "c_known", startedAt: new Date(), visitorId: storeVisitor.id },
    });
    await prisma.conversation.create({ data: { shopId: shop.id, externalId: "c_no_visitor", startedAt: new Date() } });
    const identify = (fields: Record<string, unknown>) => ({
      id: randomUUID(),
      type: "identify",
      occurredAt: now(),
      ...fields,
    });

    const batch = {
      events: [
        identify({ conversationId: "c_known", customerId: "4242" }),
        identify({ conversationId: "c_no_visitor", customerId: "4243" }),
        identify({ conversationId: "c_never_seen", customerId: "4244" }),
      ],
    };
    expect(requestBodyErrors(PATH, "post", batch)).toEqual([]);
    const response = await post(batch);
    expect(response.status).toBe(200);
    expect((await response.json()).rejected).toEqual([
      {
        index: 1,
        id: batch.events[1].id,
        reason: expect.stringMatching(/c_no_visitor has no visitor yet.*send visitorId/),
      },
      { index: 2, id: batch.events[2].id, reason: expect.stringMatching(/c_never_seen is unknown/) },
    ]);
    const identities = await prisma.visitorIdentity.findMany({
      where: { shopId: shop.id },
      include: { visitor: true },
    });
    expect(identities.map((i) => [i.visitor.visitorKey, i.kind, i.value])).toEqual([
      ["v_store", "CUSTOMER_ID", "4242"],
    ]);

    // Neither a visitor nor a conversation: an identity that could never match is a 400 that says what to send.
    const orphan = { events: [identify({ customerId: "4245" })] };
    expect(requestBodyErrors(PATH, "post", orphan)).not.toEqual([]);
    const refused = await post(orphan);
    expect(refused.status).toBe(400);
    expect((await refused.json()).errors).toEqual([
      { index: 0, field: "visitorId", message: expect.stringMatching(/visitorId or conversationId/) },
    ]);
  });

  it.each([
    ["no Authorization header", () => null, undefined],
    ["another scheme", () => null, "Basic dXNlcjpwYXNz"],
    ["an unknown key", () => `ca_${randomUUID()}`, undefined],
  ])("answers %s with 401 and stores nothing", async (_name, bearer, authorization) => {
    const response = await post(validBatch(), { key: bearer(), authorization });
    expect(response.status).toBe(401);
    expect(response.headers.get("WWW-Authenticate")).toContain("Bearer");
    expect(await storedEvents(shop.id)).toBe(0);
  });

  it("refuses a revoked key, a key of a shop that uninstalled, and a key of another shop than ?shop= names", async () => {
    const revoked = await createApiKey(prisma, shop.id, "Old backend");
    expect(await revokeApiKey(prisma, shop.id, revoked.id)).toBe(true);
    expect((await post(validBatch(), { key: revoked.key })).status).toBe(401);

    const other = await installShop(prisma, {
      domain: `api-other-${randomUUID().slice(0, 8)}.myshopify.com`,
      currency: "EUR",
    });
    const otherKey = (await createApiKey(prisma, other.id, "Theirs")).key;
    expect((await post(validBatch(), { key: otherKey, query: `?shop=${shop.domain}` })).status).toBe(401);
    expect(
      await revokeApiKey(prisma, shop.id, (await prisma.apiKey.findFirstOrThrow({ where: { shopId: other.id } })).id),
    ).toBe(false);
    // Without ?shop= the other shop's key records into its own shop, never into ours.
    expect((await post(validBatch(), { key: otherKey })).status).toBe(200);
    expect(await storedEvents(shop.id)).toBe(0);
    expect(await storedEvents(other.id)).toBe(4);
    expect((await post(validBatch(), { query: `?shop=${shop.domain}` })).status).toBe(200);

    await prisma.shop.update({ where: { id: other.id }, data: { status: "UNINSTALLED", uninstalledAt: new Date() } });
    expect((await post(validBatch(), { key: otherKey })).status).toBe(401);
  });

  it.each([
    ["no events array", { batch: {} }, null, "events"],
    ["an empty batch", { events: [] }, null, "events"],
    ["101 events", { events: Array.from({ length: 101 }, () => validBatch().events[0]) }, null, "events"],
    ["an unknown type", { events: [{ id: "e1", type: "purchase", occurredAt: now() }] }, 0, "type"],
    [
      "a time 10 minutes ahead",
      { events: [{ ...validBatch().events[0], occurredAt: new Date(Date.now() + 600_000).toISOString() }] },
      0,
      "occurredAt",
    ],
    [
      "a message without conversationId",
      { events: [{ id: "e1", type: "message", occurredAt: now(), role: "shopper" }] },
      0,
      "conversationId",
    ],
    ["a cart quantity of 0", { events: [{ ...validBatch().events[2], quantity: 0 }] }, 0, "quantity"],
    ["a lower-case currency", { events: [{ ...validBatch().events[2], currency: "eur" }] }, 0, "currency"],
    ["a negative value", { events: [{ ...validBatch().events[2], value: "-1.00" }] }, 0, "value"],
    [
      "an identify with nothing to identify by",
      { events: [{ id: "e1", type: "identify", occurredAt: now() }] },
      0,
      "emailSha256",
    ],
    // Found by the fuzz run: PostgreSQL cannot store NUL and Prisma refuses lone surrogates; both were 500s.
    ["a NUL character in a topic", { events: [{ ...validBatch().events[1], topic: "dry\u0000skin" }] }, 0, "topic"],
    ["a lone UTF-16 surrogate in an id", { events: [{ ...validBatch().events[0], id: "\ud800" }] }, 0, "id"],
    ["an e-mail that is not one", { events: [{ ...validBatch().events[3], email: "not-an-address" }] }, 0, "email"],
  ])("answers %s with 400 naming the field, and stores nothing", async (name, body, index, field) => {
    const payload = "batch" in body ? body.batch : body;
    // A JSON Schema cannot compare with the clock; every other rule the document states too.
    if (!/minutes ahead|NUL|surrogate/.test(name)) expect(requestBodyErrors(PATH, "post", payload)).not.toEqual([]);
    const response = await post(payload);
    expect(response.status).toBe(400);
    expect((await response.json()).errors).toContainEqual(expect.objectContaining({ index, field }));
    expect(await storedEvents(shop.id)).toBe(0);
  });

  it("keeps the variant a conversation started with: a later start names no other, a malformed one is a 400", async () => {
    const start = (variant: string, occurredAt: string) => ({
      events: [{ id: randomUUID(), type: "conversation_started", occurredAt, conversationId: "c_variant", variant }],
    });
    const first = new Date(Date.now() - 60_000).toISOString();
    expect((await post(start("prompt-a", first))).status).toBe(200);
    expect((await post(start("prompt-b", now()))).status).toBe(200);
    const stored = await prisma.conversation.findFirstOrThrow({ where: { shopId: shop.id, externalId: "c_variant" } });
    expect(stored.variant).toBe("prompt-a");
    const bad = await post(start("prompt a; drop", now()));
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({ errors: [{ index: 0, field: "variant", message: expect.any(String) }] });
  });

  it("stores nothing of a batch in which one event is invalid", async () => {
    const batch = validBatch();
    const response = await post({
      events: batch.events.map((event, index) => (index === 2 ? { ...event, quantity: 1000 } : event)),
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ errors: [{ index: 2, field: "quantity", message: expect.any(String) }] });
    expect(await storedEvents(shop.id)).toBe(0);
    expect(await prisma.conversation.count({ where: { shopId: shop.id } })).toBe(0);
  });

  it("answers a retried request with the same Idempotency-Key with the first response, storing nothing twice", async () => {
    const batch = validBatch();
    const first = await post(batch, { idempotencyKey: "order-sync-42" });
    expect(first.status).toBe(200);
    const firstBody = await first.json();
    // Meanwhile the events were recorded by other means: a plain retry would now say "duplicates: 4".
    const retries = await Promise.all([
      post(batch, { idempotencyKey: "order-sync-42" }),
      post(batch, { idempotencyKey: "order-sync-42" }),
    ]);
    for (const retry of retries) {
      expect(retry.status).toBe(200);
      expect(retry.headers.get("Idempotent-Replayed")).toBe("true");
      expect(await retry.json()).toEqual(firstBody);
    }
    expect(await storedEvents(shop.id)).toBe(4);
    expect(await prisma.idempotencyRecord.count({ where: { shopId: shop.id } })).toBe(1);

    // A different body under a used key is a client bug; answering with the old response would hide it.
    const reused = await post(validBatch(), { idempotencyKey: "order-sync-42" });
    expect(reused.status).toBe(422);
    expect(await storedEvents(shop.id)).toBe(4);

    // A failed request is remembered too: its retry gets the same 400.
    const bad = { events: [{ id: "e1", type: "identify", occurredAt: now() }] };
    const badFirst = await post(bad, { idempotencyKey: "bad-1" });
    const badRetry = await post(bad, { idempotencyKey: "bad-1" });
    expect([badFirst.status, badRetry.status]).toEqual([400, 400]);
    expect(await badRetry.json()).toEqual(await badFirst.json());
  });

  it("answers two simultaneous requests with one Idempotency-Key once", async () => {
    const batch = validBatch();
    const [a, b] = await Promise.all([
      post(batch, { idempotencyKey: "same-time" }),
      post(batch, { idempotencyKey: "same-time" }),
    ]);
    expect([a.status, b.status]).toEqual([200, 200]);
    expect(await a.json()).toEqual(await b.json());
    expect(await storedEvents(shop.id)).toBe(4);
  });

  it("rate-limits per key with 429 and Retry-After, without slowing other keys", async () => {
    // The clock stands still, so no tokens refill however slow this machine is: the 101st request is refused.
    vi.useFakeTimers({ toFake: ["Date"] });
    let limited: Response | null = null;
    try {
      for (let i = 0; i < 101; i++) {
        const response = await post(null, { rawBody: "{" });
        if (i < 100) expect(response.status).toBe(400);
        else limited = response;
      }
    } finally {
      vi.useRealTimers();
    }
    expect(limited?.status).toBe(429);
    expect(Number(limited!.headers.get("Retry-After"))).toBeGreaterThanOrEqual(1);
    const otherKey = (await createApiKey(prisma, shop.id, "Second backend")).key;
    expect((await post(validBatch(), { key: otherKey })).status).toBe(200);
  });

  it("answers a body over 256 KB with 413, a bad Idempotency-Key with 400 and other methods with 405", async () => {
    const huge = { events: [{ ...validBatch().events[1], text: "x".repeat(300_000) }] };
    expect((await post(huge)).status).toBe(413);
    const badKey = await post(validBatch(), { idempotencyKey: "with space" });
    expect(badKey.status).toBe(400);
    expect((await badKey.json()).errors[0].field).toBe("Idempotency-Key");
    expect((await post(validBatch(), { method: "PUT" })).status).toBe(405);
    const get = await dispatch(new Request(`${APP_URL}${PATH}`, { headers: { Authorization: `Bearer ${key}` } }));
    expect(get.status).toBe(405);
    expect(await storedEvents(shop.id)).toBe(0);
  });

  it("serves its OpenAPI document, whose event types are the protocol's", async () => {
    const response = await dispatch(new Request(`${APP_URL}/api/v1/openapi.json`));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual(eventsApiDocument);
    const documented = Object.keys(eventsApiDocument.components.schemas.Event.discriminator.mapping).sort();
    expect(documented).toEqual(eventSchema.options.map((option) => option.shape.type.value).sort());
  });
});
