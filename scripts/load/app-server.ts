/**
 * The app as production runs it (the Remix build behind Express, server/serve.ts), in its own process, with
 * the benchmark's floor handlers served beside its directly served ingest routes: the least any webhook or event
 * endpoint can do — check the signature over the raw body and insert that body — on the same HTTP stack and the
 * same database client.
 * The ratio app ÷ floor is then the cost of everything the app adds (dedupe, parse, engine, persist).
 *
 * Started by scripts/load/app-process.ts; prints `READY <port> <API keys of BENCH_SHOP, comma-separated, or ->` when it listens.
 */
import { timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { prisma, sql } from "../../app/db.server";
import { authenticateApiKey, createApiKey } from "../../app/domain/api-keys/api-keys.server";
import { findOrCreateShop } from "../../app/domain/shops.server";
import { appProxySignature, webhookHmac } from "../../app/shopify/signing.server";
import { storefrontClient, setStorefrontApi } from "../../app/shopify/storefront.server";
import { requestBody, type NodeHandler } from "../../server/resource-routes";
import { startServer } from "../../server/serve";
import { adminClient } from "../../app/shopify/admin-api.server";

const secret = process.env.SHOPIFY_API_SECRET!;
const port = Number(process.env.PORT);

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

// The least an insert can cost here: one statement straight on the driver, as the app's ingest paths write.
const insertBody = (body: Buffer) => sql.query(`INSERT INTO "BenchFloor" (body) VALUES ($1)`, [body.toString("utf8")]);

/**
 * The bench shop and BENCH_API_KEYS server-side API keys for it (earlier bench keys are revoked). One key is held to
 * 50 requests/s by design (app/routes/api.v1.events.tsx); a load spread over several keys — several integrations —
 * measures the server, with every key's limiter still checked.
 */
async function benchApiKeys(domain: string | undefined, count: number): Promise<string[]> {
  if (!domain) return [];
  const shop = await findOrCreateShop(prisma, { domain });
  await prisma.apiKey.updateMany({ where: { shopId: shop.id, revokedAt: null }, data: { revokedAt: new Date() } });
  const keys: string[] = [];
  for (let index = 0; index < count; index++)
    keys.push((await createApiKey(prisma, shop.id, `bench ${index + 1}`)).key);
  return keys;
}

type FloorCheck = (req: IncomingMessage, body: Buffer) => boolean | Promise<boolean>;

/** POST only, then the check, then the insert: each floor is the least its way in can do. */
function floorHandler(check: FloorCheck): NodeHandler {
  return async (req, res) => {
    if (req.method !== "POST") return void res.writeHead(405).end();
    const body = await requestBody(req);
    if (!(await check(req, body))) return void res.writeHead(401).end();
    await insertBody(body);
    res.writeHead(200).end();
  };
}

// Served ahead of Express, as the app's own ingest routes are (server/resource-routes.ts).
const floorHandlers: Record<string, NodeHandler> = {
  "/bench/floor/webhook": floorHandler((req, body) =>
    sameText(webhookHmac(secret, body), String(req.headers["x-shopify-hmac-sha256"] ?? "")),
  ),
  "/bench/floor/api-events": floorHandler(async (req) =>
    Boolean(await authenticateApiKey(prisma, req.headers.authorization ?? null)),
  ),
  "/bench/floor/events": floorHandler((req) => {
    const params = new URL(req.url ?? "/", "http://floor").searchParams;
    return sameText(appProxySignature(secret, params), params.get("signature") ?? "");
  }),
};

// The run's Storefront API stand-in (app-process.ts) plays Shopify for the carts storefront events name.
if (process.env.STOREFRONT_API_URL) {
  const storefront = storefrontClient(process.env.STOREFRONT_API_URL, process.env.STOREFRONT_API_TOKEN ?? "");
  setStorefrontApi(async () => storefront);
}
await prisma.$executeRawUnsafe(
  `CREATE TABLE IF NOT EXISTS "BenchFloor" (id bigserial PRIMARY KEY, body text NOT NULL)`,
);
const apiKeys = await benchApiKeys(process.env.BENCH_SHOP, Number(process.env.BENCH_API_KEYS || 1));
// The fault run plays Shopify's Admin API with a stand-in (one access token per shop): the background jobs then run as
// in production, reconciliation among them. The benchmark measures requests alone: no jobs.
const adminApi = process.env.LOAD_ADMIN_API_URL;
await startServer({
  port,
  host: "127.0.0.1",
  alsoDirect: floorHandlers,
  backgroundJobs: adminApi ? { adminFor: async (domain) => adminClient(adminApi, `shpat_${domain}`) } : false,
});
process.stdout.write(`READY ${port} ${apiKeys.join(",") || "-"}\n`);
