/**
 * npm run test:abuse [-- --no-build]
 *
 * A hostile visitor and a hostile network against the running production server (its own process, on a throwaway
 * PostgreSQL cluster), after a little genuine traffic: events into another visitor's conversation, evidence
 * backdated before an order it arrives after, a spray of 10,000 customer ids in 118 requests, cart values of
 * trillions, 500 MB bodies with and without a length, a signed compliance delivery replayed under another shop's
 * headers, and 700 forged web-pixel hits from as many client ids. Before and after, it reads what a merchant sees — the 30-day headline (attributed net revenue, through
 * the app's own summary report), cart GMV, the row counts — and the server's memory, prints what moved, and exits 1
 * unless every figure stayed where it was (memory: within its bound).
 */
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import http from "node:http";
import { parseArgs } from "node:util";
import { StandInCarts } from "../app/demo/storefront/storefront-api";
import { signedAppProxyParams, signedWebhookHeaders } from "../app/shopify/signing.server";
import { orderFixture } from "../test/fixtures";
import { startAppProcess } from "./load/app-process";
import { startPostgresCluster } from "./postgres-cluster";
import { migrate, productionBuild } from "./run";

const { values } = parseArgs({ options: { "no-build": { type: "boolean", default: false } } });
const SECRET = "abuse-run-secret";
const SHOP = "abuse-victim.myshopify.com";
const OTHER_SHOP = "abuse-other.myshopify.com";
/** How much the server may grow while 500 MB bodies are thrown at it (it holds none of them). */
const MEMORY_BOUND_MB = 64;
const log = (line: string) => console.log(`[abuse] ${line}`);

await productionBuild({ reuse: values["no-build"] });
const cluster = await startPostgresCluster();
let exitCode = 1;
try {
  await migrate({ ...process.env, DATABASE_URL: cluster.databaseUrl });
  // Shopify's carts (the run's Storefront API stand-in): every visitor here, attackers too, holds one real iPod.
  const carts = new StandInCarts();
  const cartTokens = new Map<string, string>();
  const cartOfVisitor = (visitorId: string) => {
    if (!cartTokens.has(visitorId))
      cartTokens.set(
        visitorId,
        carts.put([
          { productId: "632910392", variantId: "39072856", quantity: 1, unitPrice: "199.00", currency: "USD" },
        ]),
      );
    return cartTokens.get(visitorId)!;
  };
  const app = await startAppProcess(
    { DATABASE_URL: cluster.databaseUrl, SHOPIFY_API_SECRET: SECRET },
    { shopify: carts },
  );
  process.env.DATABASE_URL = cluster.databaseUrl; // the app's own report code reads the same database
  const { prisma, disconnectDatabase } = await import("../app/db.server");
  const { loadSummaryReport } = await import("../app/domain/reports/summary-report.server");
  const { parseReportQuery } = await import("../app/domain/reports/report-query");
  const { installShop } = await import("../app/domain/shops.server");
  const { PIXEL_SHOP_LIMIT } = await import("../app/http/rate-limits");
  const { MAX_UNVERIFIED_ORDERS_PER_HOUR } = await import("../app/domain/pixel/ingest-pixel.server");

  const proxy = (events: unknown[], loggedInCustomerId?: string) => {
    const params = signedAppProxyParams(SECRET, {
      shop: SHOP,
      pathPrefix: "/apps/chat-attribution",
      loggedInCustomerId,
    });
    return fetch(`${app.url}/proxy/events?${params}`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ events }),
    });
  };
  const webhook = (topic: string, body: unknown, shop = SHOP) => {
    const text = JSON.stringify(body);
    return fetch(
      `${app.url}/webhooks/${topic.startsWith("orders") ? "orders" : topic === "app/uninstalled" ? "app/uninstalled" : "compliance"}`,
      {
        method: "POST",
        headers: signedWebhookHeaders(SECRET, text, { topic, shop }),
        body: text,
      },
    );
  };
  const at = (minutesAgo: number) => new Date(Date.now() - minutesAgo * 60_000).toISOString();
  const order = (id: number, minutesAgo: number, extra: Record<string, unknown>) => ({
    ...orderFixture(),
    id,
    name: `#A${id}`,
    processed_at: at(minutesAgo),
    created_at: at(minutesAgo),
    updated_at: at(minutesAgo),
    ...extra,
  });
  const expectOk = async (what: string, response: Promise<Response>) => {
    const answer = await response;
    if (answer.status !== 200) throw new Error(`${what}: ${answer.status} ${await answer.text()}`);
    return answer;
  };

  // Genuine traffic: a chat that leads an order, a chat without a found answer, and orders of logged-in customers.
  const chat = (conversationId: string, visitorId: string, answerFound: boolean, minutesAgo: number) => [
    { id: randomUUID(), type: "conversation_started", occurredAt: at(minutesAgo + 2), visitorId, conversationId },
    {
      id: randomUUID(),
      type: "message",
      occurredAt: at(minutesAgo),
      visitorId,
      conversationId,
      role: "assistant",
      answerFound,
      productIds: ["632910392"],
    },
    {
      id: randomUUID(),
      type: "cart",
      occurredAt: at(minutesAgo),
      visitorId,
      conversationId,
      cartType: "ITEM_ADDED",
      productId: "632910392",
      variantId: "39072856",
      value: "199.00",
      currency: "USD",
      quantity: 1,
      fromChat: true,
      cartToken: cartOfVisitor(visitorId),
    },
  ];
  await expectOk("genuine chat", proxy(chat("c_genuine", "v_genuine", true, 20)));
  await expectOk("unanswered chat", proxy(chat("c_unanswered", "v_shopper", false, 20)));
  const stamp = (session: string, visitor: string) => [
    { name: "_chat_session_id", value: session },
    { name: "_chat_visitor_id", value: visitor },
  ];
  await expectOk(
    "led order",
    webhook("orders/paid", order(1, 10, { note_attributes: stamp("c_genuine", "v_genuine") })),
  );
  await expectOk(
    "unattributed order",
    webhook("orders/paid", order(2, 10, { note_attributes: stamp("c_unanswered", "v_shopper") })),
  );
  const customers = Array.from({ length: 40 }, (_, i) => 1_000 + i * 250);
  for (const [i, customer] of customers.entries())
    await expectOk(
      "customer order",
      webhook("orders/paid", order(100 + i, 30, { customer: { id: customer }, email: null })),
    );
  // The other tenant is installed (order webhooks for a shop that is not store nothing), so there is something to erase.
  await installShop(prisma, { domain: OTHER_SHOP, currency: "USD" });
  await expectOk("other shop's order", webhook("orders/paid", order(9, 10, {}), OTHER_SHOP));

  const shopRow = await prisma.shop.findUniqueOrThrow({ where: { domain: SHOP } });
  const rss = () => {
    const status = readFileSync(`/proc/${app.child.pid}/status`, "utf8");
    return Number(/VmRSS:\s+(\d+)/.exec(status)![1]) / 1024;
  };
  const snapshot = async () => {
    const parsed = parseReportQuery(new URLSearchParams("preset=30d"), { now: new Date(), timezone: shopRow.timezone });
    if (!parsed.ok) throw new Error("report query");
    const report = await loadSummaryReport(prisma, shopRow, parsed.query);
    const where = { shopId: shopRow.id };
    return {
      "attributed net revenue (30 days)": report.totals.attributed.netRevenue,
      "attributed orders": String(report.totals.attributed.orders),
      "cart GMV": report.cart.gmv,
      conversations: String(await prisma.conversation.count({ where })),
      touches: String(await prisma.touchpoint.count({ where })),
      "cart events": String(await prisma.cartEvent.count({ where })),
      "customer ids": String(await prisma.visitorIdentity.count({ where: { ...where, kind: "CUSTOMER_ID" } })),
      orders: String(await prisma.order.count({ where })),
      "unverified orders": String(await prisma.order.count({ where: { ...where, verified: false } })),
      "pixel hits": String(await prisma.pixelHit.count({ where })),
      "other shop's orders": String(await prisma.order.count({ where: { shop: { domain: OTHER_SHOP } } })),
    };
  };
  const before = await snapshot();
  const memoryBefore = rss();

  // 1. Events into another visitor's conversation: touches and a chat add for c_genuine from visitors of its own.
  for (let i = 0; i < 20; i++) await proxy(chat("c_genuine", `v_intruder_${i}`, true, 1).slice(1));
  // 2. Evidence backdated before an order it arrives after: a found answer "20 minutes ago" for the unanswered chat.
  await proxy([
    {
      id: randomUUID(),
      type: "message",
      occurredAt: at(15),
      visitorId: "v_shopper",
      conversationId: "c_unanswered",
      role: "assistant",
      answerFound: true,
    },
  ]);
  // 3. 10,000 customer ids in 118 requests, each visitor with a qualified chat and a chat add (what made it ASSISTED).
  for (let request = 0; request < 118; request++) {
    const visitorId = `v_spray_${request}`;
    const ids = Array.from({ length: 85 }, (_, i) => String(1_000 + (request * 85 + i)));
    await proxy([
      ...chat(`c_spray_${request}`, visitorId, true, 40),
      ...ids.map((customerId) => ({ id: randomUUID(), type: "identify", occurredAt: at(40), visitorId, customerId })),
    ]);
  }
  // 4. Cart values of trillions in a qualified conversation of the attacker's own.
  const hugeAdd = (value: string) => ({
    id: randomUUID(),
    type: "cart",
    occurredAt: at(1),
    visitorId: "v_values",
    conversationId: "c_values",
    cartType: "ITEM_ADDED",
    productId: "1",
    value,
    currency: "USD",
    quantity: 999,
    fromChat: true,
  });
  await proxy([...chat("c_values", "v_values", true, 1).slice(0, 2), hugeAdd("999999999999999")]); // the add refused, the chat kept
  await proxy([hugeAdd("1000000000000000")]); // a 400: nothing of the batch kept
  // 8 (before the bodies, whose memory bound is separate). Cart GMV made up by a visitor with a real cart of one unit
  // in a qualified chat: the add sent 50 more times, 60 carts that do not exist, a price above Shopify's.
  await proxy(chat("c_cart", "v_cart", true, 1));
  const cartAdd = (extra: Record<string, unknown>) => ({
    ...chat("c_cart", "v_cart", true, 1)[2],
    id: randomUUID(),
    ...extra,
  });
  const forgedAnswers = [
    await proxy(Array.from({ length: 50 }, () => cartAdd({}))),
    await proxy(Array.from({ length: 30 }, (_, i) => cartAdd({ cartToken: `c1-madeup${i}?key=k${i}` }))),
    await proxy(Array.from({ length: 30 }, (_, i) => cartAdd({ cartToken: `c1-madeup${30 + i}?key=k${i}` }))),
    await proxy([cartAdd({ value: "5000.00", quantity: 1 })]),
  ];
  const forgedRefused = (
    await Promise.all(forgedAnswers.map(async (answer) => ((await answer.json()).rejected ?? []).length))
  ).reduce((total, count) => total + count, 0);
  // 5. 500 MB bodies, unsigned: chunked and with a declared length, on a directly served route and through Express.
  const oversize: string[] = [];
  for (const [path, declared] of [
    ["/webhooks/orders", false],
    ["/webhooks/orders", true],
    ["/webhooks/compliance", false],
    ["/proxy/events", true],
  ] as const) {
    oversize.push(
      `${path} ${declared ? "with length" : "chunked"}: ${await streamBody(app.url, path, 500 * 1024 * 1024, declared)}`,
    );
  }
  // 6. A signed shop/redact of the other shop replayed under the victim's headers (and app/uninstalled alike).
  const replayed = [
    (await webhook("shop/redact", { shop_id: 1, shop_domain: OTHER_SHOP }, SHOP)).status,
    (await webhook("app/uninstalled", { id: 1, myshopify_domain: OTHER_SHOP }, SHOP)).status,
  ];

  // The bound is for the bodies above; the pixel hits below are ordinary requests the server keeps some of.
  const memoryAfter = rss();

  // 7. Forged pixel hits: each from a new client id, 300 with made-up order ids stamped with the genuine chat, then
  // a burst of 400 more. Unverified orders stop at the hourly cap; the shop's bucket bounds the hits.
  const pixel = (index: number, orderId: string | null) =>
    fetch(`${app.url}/api/pixel`, {
      method: "POST",
      body: JSON.stringify({
        v: 1,
        eventId: `forged-${index}`,
        clientId: `client-${index}`,
        timestamp: at(60 * 24),
        shop: SHOP,
        accountId: shopRow.pixelAccountId,
        checkout: {
          orderId,
          token: `forged-checkout-${index}`,
          attributes: [
            { key: "_chat_session_id", value: "c_genuine" },
            { key: "_chat_visitor_id", value: "v_genuine" },
          ],
        },
      }),
    });
  const pixelStarted = Date.now();
  const pixelStatuses: Record<string, number> = {};
  // Fifty at a time, so the burst outruns the bucket's refill.
  for (let first = 0; first < 700; first += 50) {
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, i) => pixel(first + i, first + i < 300 ? String(7_000_000 + first + i) : null)),
    );
    for (const { status } of answers) pixelStatuses[status] = (pixelStatuses[status] ?? 0) + 1;
  }
  const pixelSeconds = (Date.now() - pixelStarted) / 1000;

  const after = await snapshot();
  // What the attacks may add as valid claims: the spray's 118 chats (a conversation, a found answer and a 199.00
  // chat add each), the value attack's chat and answer, and the backdated answer (stored with its arrival: it
  // credits no order, but it qualifies its conversation, whose earlier 199.00 add then counts in cart GMV).
  // The cart family's chat is one more valid claim: its conversation, its answer and its one real 199.00 add.
  const allowed: Partial<Record<keyof typeof before, number>> = {
    "cart GMV": 120 * 199,
    conversations: 120,
    touches: 121,
    "cart events": 119,
    orders: MAX_UNVERIFIED_ORDERS_PER_HOUR,
    "unverified orders": MAX_UNVERIFIED_ORDERS_PER_HOUR,
  };
  // The pixel hits are bounded, not counted exactly: the shop's window may start again while the burst is sent.
  const hitBound = PIXEL_SHOP_LIMIT.points * (Math.floor(pixelSeconds / PIXEL_SHOP_LIMIT.perSeconds) + 1);
  const rows = (Object.keys(before) as (keyof typeof before)[]).map((what) => {
    if (what === "pixel hits") {
      const expected = Number(before[what]) + hitBound;
      return { what, was: before[what], now: after[what], expected, moved: Number(after[what]) > expected };
    }
    const expected = Number(before[what]) + (allowed[what] ?? 0);
    return { what, was: before[what], now: after[what], expected, moved: Number(after[what]) !== expected };
  });
  const grewMb = memoryAfter - memoryBefore;
  console.log(
    "\n| what | before | after | the attacks' valid claims allow | verdict |\n| --- | --- | --- | --- | --- |",
  );
  for (const row of rows)
    console.log(
      `| ${row.what} | ${row.was} | ${row.now} | ${row.what === "pixel hits" ? `at most +${hitBound}` : allowed[row.what] ? `+${allowed[row.what]}` : "nothing"} | ${row.moved ? "MOVED" : "held"} |`,
    );
  console.log(
    `| server memory (RSS) | ${memoryBefore.toFixed(0)} MB | ${memoryAfter.toFixed(0)} MB | ${MEMORY_BOUND_MB} MB | ${grewMb > MEMORY_BOUND_MB ? "MOVED" : "held"} |\n`,
  );
  for (const line of oversize) log(`500 MB body to ${line}`);
  log(`replayed compliance deliveries answered ${replayed.join(", ")}`);
  log(`111 made-up cart adds: ${forgedRefused} refused`);
  log(`700 forged pixel hits in ${pixelSeconds.toFixed(1)} s answered ${JSON.stringify(pixelStatuses)}`);

  const problems = [
    ...rows
      .filter((row) => row.moved)
      .map((row) => `${row.what} moved: ${row.was} → ${row.now} (expected ${row.expected})`),
    ...(grewMb > MEMORY_BOUND_MB ? [`server memory grew ${grewMb.toFixed(0)} MB`] : []),
    ...oversize.filter((line) => !/: (413|reset)/.test(line)).map((line) => `oversize body not refused: ${line}`),
    ...replayed.filter((status) => status !== 400).map((status) => `a replayed delivery answered ${status}`),
    ...(forgedRefused !== 111 ? [`only ${forgedRefused} of 111 made-up cart adds were refused`] : []),
    ...(app.child.exitCode !== null ? [`the app process died (exit ${app.child.exitCode})`] : []),
  ];
  await disconnectDatabase();
  await app.stop();
  if (problems.length) console.error(`[abuse] FAILED:\n  ${problems.join("\n  ")}`);
  else {
    log(
      "OK: nothing a hostile visitor or network sent moved the headline, cart GMV or a row count past its valid claims; memory stayed bounded.",
    );
    exitCode = 0;
  }
} catch (error) {
  console.error("[abuse] FAILED:", error);
} finally {
  cluster.destroy();
}
process.exit(exitCode);

/** Streams `total` bytes of junk to `path` (with or without a Content-Length) and says how the server answered. */
function streamBody(baseUrl: string, path: string, total: number, declared: boolean): Promise<string> {
  const url = new URL(path, baseUrl);
  return new Promise((resolve) => {
    let sent = 0;
    const req = http.request({
      host: url.hostname,
      port: url.port,
      method: "POST",
      path,
      headers: declared ? { "Content-Length": String(total) } : {},
    });
    const done = (how: string) => {
      req.destroy();
      resolve(`${how} after ${(sent / 1024 / 1024).toFixed(1)} MB sent`);
    };
    req.on("response", (res) => done(String(res.statusCode)));
    req.on("error", () => done("reset"));
    const chunk = Buffer.alloc(64 * 1024, "x");
    const pump = () => {
      while (sent < total && !req.destroyed) {
        sent += chunk.length;
        if (!req.write(chunk)) return void req.once("drain", pump);
      }
      if (!req.destroyed) req.end();
    };
    pump();
  });
}
