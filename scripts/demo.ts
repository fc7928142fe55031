/**
 * `npm run demo`: migrate the embedded database, create the demo shop, build, serve, print the URL.
 * Honours PORT, DATABASE_URL, SHOPIFY_API_KEY and SHOPIFY_API_SECRET; defaults are in the README.
 */
import path from "node:path";
import { assertDemoModeAllowed, DEMO_API_KEY, DEMO_API_SECRET, enableDemoMode } from "../app/config.server";
import { DEFAULT_DATABASE_URL } from "../app/db/database-url";
import { projectRoot } from "../server/project-root";
import { migrate, productionBuild } from "./run";

enableDemoMode();
process.env.DATABASE_URL ||= DEFAULT_DATABASE_URL;
process.env.SHOPIFY_API_KEY ||= DEMO_API_KEY;
process.env.SHOPIFY_API_SECRET ||= DEMO_API_SECRET;
process.env.PORT ||= "3000";
assertDemoModeAllowed();

const port = Number(process.env.PORT);
console.log(`[demo] database: ${process.env.DATABASE_URL}`);
await migrate();

await productionBuild({ reuse: process.argv.includes("--no-build") });

// The database module is imported only after migrating: PGlite is single-process, and the CLI above
// must have released the directory first.
const { prisma } = await import("../app/db.server");
const { seedDemoShop } = await import("../app/demo/seed.server");
const { seedDemoHistory } = await import("../app/demo/history.server");
const shop = await seedDemoShop(prisma);
console.log(`[demo] shop ${shop.domain} (${shop.currency}, ${shop.timezone})`);
const seededAt = Date.now();
const history = await seedDemoHistory(prisma, shop);
console.log(
  history.skipped
    ? "[demo] history already present; kept"
    : `[demo] 60 days of history through the real ingest: ${history.conversations} conversations, ${history.events} events, ${history.orders} orders (${((Date.now() - seededAt) / 1000).toFixed(1)} s)`,
);

const storefrontPort = Number(process.env.STOREFRONT_PORT || port + 1);
const { setStorefrontApi, storefrontClient } = await import("../app/shopify/storefront.server");
const { DEMO_STOREFRONT_TOKEN } = await import("../app/demo/storefront/simulator.server");
const { STOREFRONT_API_PATH } = await import("../app/demo/storefront/storefront-api");
// The app reads the carts storefront events name from the simulator's Storefront API, as it would from Shopify's.
const demoStorefront = storefrontClient(
  `http://127.0.0.1:${storefrontPort}${STOREFRONT_API_PATH}`,
  DEMO_STOREFRONT_TOKEN,
);
setStorefrontApi(async () => demoStorefront);

// The demo's terminal shows its URL and what goes wrong, not a line per request (REQUEST_LOG=on brings them back).
process.env.REQUEST_LOG ??= "off";
const { startServer } = await import("../server/serve");
// The demo's shop and its secret are public: it answers this machine only.
await startServer({ port, host: "127.0.0.1" });

// The storefront simulator plays Shopify's part: it serves a theme with the app embed, signs App Proxy
// requests and sends the signed orders/paid webhook when a shopper checks out.
const { createStorefrontSimulator } = await import("../app/demo/storefront/simulator.server");
await createStorefrontSimulator({
  appUrl: `http://127.0.0.1:${port}`, // where the app listens (loopback only)
  apiSecret: process.env.SHOPIFY_API_SECRET!,
  shopDomain: shop.domain,
  currency: shop.currency,
  adminUrl: `http://localhost:${port}/demo`,
  extensionDir: path.join(projectRoot, "extensions", "chat-attribution-embed"),
}).listen(storefrontPort, "127.0.0.1");

// The app tells the storefront what experiment runs through an app-data metafield; the simulator plays Shopify's
// Admin API for it and renders the embed's Liquid with what was set. The seeded history leaves one running.
const { adminClient, setAppAdminApi } = await import("../app/shopify/admin-api.server");
const { DEMO_ADMIN_TOKEN } = await import("../app/demo/storefront/simulator.server");
const { ADMIN_API_PATH } = await import("../app/demo/storefront/app-metafields-api");
const demoAdmin = adminClient(`http://127.0.0.1:${storefrontPort}${ADMIN_API_PATH}`, DEMO_ADMIN_TOKEN);
setAppAdminApi(demoAdmin);
const { publishRunningExperiment } = await import("../app/domain/experiments/experiments.server");
const published = await publishRunningExperiment(prisma, demoAdmin, shop.id);
if (!published.ok) console.warn(`[demo] the storefront was not told about the running experiment: ${published.reason}`);
// As at install, the app reads the shop's plan from Shopify: the demo shop is on a test trial of Pro.
const { refreshShopPlan } = await import("../app/domain/billing/subscription.server");
await refreshShopPlan(prisma, shop.id, demoAdmin);

console.log(
  `\n  Chat Attribution demo is running.\n` +
    `  Storefront (chat, add to cart, check out): http://localhost:${storefrontPort}/\n` +
    `  Open http://localhost:${port}/demo in your browser.\n`,
);
