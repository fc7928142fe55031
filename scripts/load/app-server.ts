/**
 * The app as production runs it (the Remix build behind Express, scripts/serve.ts), in its own process, with
 * the benchmark's floor handlers mounted in front: the least any webhook or event endpoint can do — check the
 * signature over the raw body and insert that body — on the same HTTP stack and the same database client.
 * The ratio app ÷ floor is then the cost of everything the app adds (dedupe, parse, engine, persist).
 *
 * Started by scripts/load/app-process.ts; prints `READY <port> <API key of BENCH_SHOP, or ->` when it listens.
 */
import { timingSafeEqual } from "node:crypto";
import type { Express, Request } from "express";
import { prisma, sql } from "../../app/db.server";
import { authenticateApiKey, createApiKey } from "../../app/domain/api-keys/api-keys.server";
import { findOrCreateShop } from "../../app/domain/shops.server";
import { appProxySignature, webhookHmac } from "../../app/shopify/signing.server";
import { startServer } from "../serve";

const secret = process.env.SHOPIFY_API_SECRET!;
const port = Number(process.env.PORT);

function rawBody(request: Request): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => resolve(Buffer.concat(chunks)));
    request.on("error", reject);
  });
}

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

// The least an insert can cost here: one statement straight on the driver, as the app's ingest paths write.
const insertBody = (body: Buffer) => sql.query(`INSERT INTO "BenchFloor" (body) VALUES ($1)`, [body.toString("utf8")]);

/** The bench shop and a server-side API key for it (the API ingest way needs one; earlier bench keys are revoked). */
async function benchApiKey(domain: string | undefined): Promise<string> {
  if (!domain) return "-";
  const shop = await findOrCreateShop(prisma, { domain });
  await prisma.apiKey.updateMany({ where: { shopId: shop.id, revokedAt: null }, data: { revokedAt: new Date() } });
  return (await createApiKey(prisma, shop.id, "bench")).key;
}

function mountFloor(app: Express) {
  app.post("/bench/floor/webhook", async (request, response) => {
    const body = await rawBody(request);
    if (!sameText(webhookHmac(secret, body), request.get("X-Shopify-Hmac-Sha256") ?? "")) return void response.status(401).end();
    await insertBody(body);
    response.status(200).end();
  });
  app.post("/bench/floor/api-events", async (request, response) => {
    const body = await rawBody(request);
    if (!(await authenticateApiKey(prisma, request.get("Authorization") ?? null))) return void response.status(401).end();
    await insertBody(body);
    response.status(200).end();
  });
  app.post("/bench/floor/events", async (request, response) => {
    const body = await rawBody(request);
    const params = new URL(request.originalUrl, "http://floor").searchParams;
    if (!sameText(appProxySignature(secret, params), params.get("signature") ?? "")) return void response.status(401).end();
    await insertBody(body);
    response.status(200).end();
  });
}

await prisma.$executeRawUnsafe(`CREATE TABLE IF NOT EXISTS "BenchFloor" (id bigserial PRIMARY KEY, body text NOT NULL)`);
const apiKey = await benchApiKey(process.env.BENCH_SHOP);
await startServer({ port, host: "127.0.0.1", backgroundJobs: false, mountFirst: mountFloor });
process.stdout.write(`READY ${port} ${apiKey}\n`);
