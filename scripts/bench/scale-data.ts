/**
 * One shop's history at scale, generated inside PostgreSQL (generate_series; a million orders take minutes, not
 * hours): per order 5 touchpoints and 2 cart events on average, like a shop where about one visit in three
 * that buys talked to the assistant. Distributions: order volume grows over the year (more recent days are
 * busier), order values are skewed (many small, few large), products follow a long tail, ~1 % test orders, ~1 %
 * only seen by the pixel (unverified), 0.1 % outliers. 6 % of orders carry the chat's stamps (session and visitor)
 * of a conversation held 15 minutes to 3 days before them, so the engine credits them as the rules say (led within
 * the led window, assisted after it) and a change of the led window moves orders between the two; the stored
 * attributions start about as the engine would leave them under the default settings.
 *
 * Pseudo-random but deterministic: every column is a hash of the row number, so two runs build the same shop.
 */
import type pg from "pg";

export interface ScaleShape {
  orders: number;
  touchpointsPerOrder: number;
  cartEventsPerOrder: number;
  /** ANALYZE when done (default): a caller that generates many shops analyzes once at the end. */
  analyze?: boolean;
}

export const DEFAULT_SHAPE = { touchpointsPerOrder: 5, cartEventsPerOrder: 2 };

// A uniform [0,1) value from a row number and a salt (PostgreSQL's hashint8 spread over 32 bits).
const u = (expr: string, salt: number) =>
  `(((hashint8((${expr})::bigint * 1000 + ${salt})::bigint & 2147483647)::float8) / 2147483648.0)`;
// More recent instants more likely: age = year × (1 − √u) puts the density rising linearly towards now.
const recentInstant = (now: string, expr: string, salt: number) =>
  `(${now} - interval '365 days' * (1 - sqrt(${u(expr, salt)})))`;
// An order's instant; a stamped order's conversation started this long before it (15 minutes to 3 days, most within a day).
const orderInstant = (now: string, expr: string) => recentInstant(now, expr, 10);
const chatGap = (expr: string) => `(interval '15 minutes' + interval '72 hours' * ${u(expr, 8)} ^ 2)`;
/** 6 % of orders carry the stamps of conversation `expr` (there are `conversations` of them). */
const stamped = (expr: string, conversations: number) => `(${u(expr, 15)} < 0.06 AND ${expr} <= ${conversations})`;
const surfaceOf = (expr: string) =>
  `(CASE WHEN ${u(expr, 7)} < 0.8 THEN 'CHAT_WIDGET' WHEN ${u(expr, 7)} < 0.92 THEN 'FAQ' ELSE 'NUDGE_CLICK' END)::"Surface"`;

export async function generateShopHistory(
  db: pg.Client,
  shopDomain: string,
  shape: ScaleShape,
  log: (line: string) => void,
): Promise<string> {
  const orders = shape.orders;
  const conversations = Math.round((orders * shape.touchpointsPerOrder) / 5); // 5 touches each
  const visitors = Math.max(1, Math.round(conversations * 0.8));
  const cartEvents = orders * shape.cartEventsPerOrder;
  const now = `(now() AT TIME ZONE 'UTC')`;
  const step = async (what: string, sql: string) => {
    const started = performance.now();
    await db.query(sql);
    log(`  ${what} (${((performance.now() - started) / 1000).toFixed(1)} s)`);
  };
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO "Shop" (id, domain, currency, timezone, "pixelAccountId", "updatedAt") VALUES (gen_random_uuid(), $1, 'USD', 'America/New_York', gen_random_uuid(), now()) RETURNING id`,
    [shopDomain],
  );
  const shop = `'${rows[0].id}'::uuid`;
  // Row ids derived from the row number, so child rows can point at parents without a lookup.
  const id = (kind: string, expr: string) => `md5('${shopDomain}:${kind}:' || (${expr}))::uuid`;

  await step(
    `${visitors.toLocaleString("en-US")} visitors`,
    `
    INSERT INTO "Visitor" (id, "shopId", "visitorKey", "firstSeenAt", "lastSeenAt")
    SELECT ${id("v", "g")}, ${shop}, 'v_' || g, ${recentInstant(now, "g", 1)}, ${now} FROM generate_series(1, ${visitors}) g`,
  );
  await step(
    `${conversations.toLocaleString("en-US")} conversations`,
    `
    INSERT INTO "Conversation" (id, "shopId", "externalId", "visitorId", surface, "startedAt", "firstQualifyingTouchAt", "lastTouchAt")
    SELECT ${id("c", "g")}, ${shop}, 'c_' || g, ${id("v", `1 + g % ${visitors}`)}, ${surfaceOf("g")},
           t, t + interval '1 minute', t + interval '4 minutes'
    FROM (SELECT g, CASE WHEN g <= ${orders} THEN ${orderInstant(now, "g")} - ${chatGap("g")} ELSE ${recentInstant(now, "g", 2)} END AS t
          FROM generate_series(1, ${conversations}) g) s`,
  );
  await step(
    `${(conversations * 5).toLocaleString("en-US")} touchpoints`,
    `
    INSERT INTO "Touchpoint" (id, "shopId", "conversationId", kind, "answerFound", "productIds", topic, "occurredAt", source)
    SELECT gen_random_uuid(), ${shop}, c.id,
           (CASE WHEN k % 2 = 0 THEN 'SHOPPER_MESSAGE' ELSE 'ASSISTANT_ANSWER' END)::"TouchKind",
           CASE WHEN k % 2 = 1 THEN ${u("g * 5 + k", 3)} < 0.75 END,
           CASE WHEN k % 2 = 1 THEN ARRAY[(8000 + floor(40 * ${u("g", 4)} ^ 2))::text] ELSE '{}' END,
           CASE WHEN k = 0 THEN (ARRAY['dry skin','sensitive skin','sunscreen for kids','gift ideas','shipping times','vegan ingredients','oily skin','returns'])[1 + floor(8 * ${u("g", 5)} ^ 1.5)::int] END,
           c."startedAt" + k * interval '1 minute', 'STOREFRONT'
    FROM generate_series(1, ${conversations}) g JOIN "Conversation" c ON c.id = ${id("c", "g")}, generate_series(0, 4) k`,
  );
  await step(
    `${orders.toLocaleString("en-US")} orders`,
    `
    INSERT INTO "Order" (id, "shopId", "shopifyOrderId", name, "processedAt", "shopifyCreatedAt", "shopifyUpdatedAt", test, "financialStatus",
                         currency, "grossAmount", "netAmount", "currentTotalAmount", "customerId", verified, source, "noteAttributes", "updatedAt")
    SELECT ${id("o", "g")}, ${shop}, (4000000000 + g)::text, '#' || (1000 + g), t, t, t, ${u("g", 11)} < 0.01, 'paid', 'USD',
           gross, gross * (CASE WHEN ${u("g", 12)} < 0.05 THEN 0.5 ELSE 1 END), gross,
           CASE WHEN ${u("g", 13)} < 0.4 THEN (7000000 + g % ${visitors})::text END,
           ${u("g", 14)} >= 0.01, (CASE WHEN ${u("g", 14)} < 0.01 THEN 'PIXEL' ELSE 'WEBHOOK' END)::"OrderSource",
           CASE WHEN ${stamped("g", conversations)}
                THEN jsonb_build_array(jsonb_build_object('name', '_chat_session_id', 'value', 'c_' || g),
                                       jsonb_build_object('name', '_chat_visitor_id', 'value', 'v_' || (1 + g % ${visitors})))
                ELSE '[]'::jsonb END,
           now()
    FROM (SELECT g, ${orderInstant(now, "g")} AS t,
                 round((12 + 400 * ${u("g", 16)} ^ 3 + CASE WHEN ${u("g", 17)} < 0.001 THEN 2000000 ELSE 0 END)::numeric, 2) AS gross
          FROM generate_series(1, ${orders}) g) s`,
  );
  await step(
    `${Math.round(orders * 2).toLocaleString("en-US")} line items`,
    `
    INSERT INTO "OrderLineItem" (id, "shopId", "orderId", "shopifyLineItemId", "productId", "variantId", title, quantity, amount)
    SELECT gen_random_uuid(), ${shop}, o.id, (o."shopifyOrderId"::bigint * 10 + k)::text, p::text, ('4' || p)::text, 'Product ' || p,
           q, round(o."grossAmount" / (1 + g % 3), 2)
    FROM generate_series(1, ${orders}) g JOIN "Order" o ON o.id = ${id("o", "g")}, generate_series(1, 1 + g % 3) k,
         LATERAL (SELECT 8000 + floor(40 * ${u("g * 3 + k", 18)} ^ 2)::int AS p, 1 + floor(3 * ${u("g * 3 + k", 19)} ^ 4)::int AS q) pick`,
  );
  await step(
    `${orders.toLocaleString("en-US")} attributions`,
    `
    INSERT INTO "Attribution" (id, "shopId", "orderId", classification, "conversationId", surface, "matchedBy", "minutesFromLastTouch", "excludedReason", evidence, "settingsVersion")
    SELECT gen_random_uuid(), ${shop}, o.id, cls, CASE WHEN cls <> 'UNATTRIBUTED' THEN ${id("c", "g")} END,
           CASE WHEN cls <> 'UNATTRIBUTED' THEN ${surfaceOf("g")} END,
           (CASE WHEN cls <> 'UNATTRIBUTED' THEN 'CART_ATTRIBUTE' END)::"MatchedBy",
           CASE WHEN cls <> 'UNATTRIBUTED' THEN (extract(epoch FROM ${chatGap("g")}) / 60)::int END,
           (CASE WHEN o.test THEN 'TEST' WHEN NOT o.verified THEN 'UNVERIFIED' WHEN o."grossAmount" > 1000000 THEN 'OUTLIER' END)::"ExclusionReason",
           '{"steps":[]}'::jsonb, 1
    FROM generate_series(1, ${orders}) g JOIN "Order" o ON o.id = ${id("o", "g")},
         LATERAL (SELECT (CASE WHEN NOT ${stamped("g", conversations)} THEN 'UNATTRIBUTED'
                               WHEN ${chatGap("g")} <= interval '24 hours' THEN 'LED' ELSE 'ASSISTED' END)::"Classification" AS cls) c`,
  );
  await step(
    `${cartEvents.toLocaleString("en-US")} cart events`,
    `
    INSERT INTO "CartEvent" (id, "shopId", "visitorId", "conversationId", type, "productId", "variantId", "unitValue", currency, quantity, "fromChat", "occurredAt", source)
    SELECT gen_random_uuid(), ${shop}, ${id("v", `1 + g % ${visitors}`)},
           CASE WHEN ${u("g", 31)} < 0.6 THEN ${id("c", `1 + g % ${conversations}`)} END,
           (CASE WHEN ${u("g", 32)} < 0.8 THEN 'ITEM_ADDED' WHEN ${u("g", 32)} < 0.9 THEN 'QUANTITY_INCREASED' WHEN ${u("g", 32)} < 0.95 THEN 'QUANTITY_DECREASED' ELSE 'ITEM_REMOVED' END)::"CartEventType",
           (8000 + floor(40 * ${u("g", 33)} ^ 2))::text, NULL, round((8 + 90 * ${u("g", 34)} ^ 2)::numeric, 2),
           CASE WHEN ${u("g", 35)} < 0.02 THEN 'EUR' ELSE 'USD' END, 1, ${u("g", 31)} < 0.3, ${recentInstant(now, "g", 36)}, 'STOREFRONT'
    FROM generate_series(1, ${cartEvents}) g`,
  );
  if (shape.analyze !== false) await step("ANALYZE", "ANALYZE");
  return rows[0].id;
}
