/**
 * Everything the app reads from the environment, in one place, with the demo defaults the README documents.
 */
export const DEMO_SHOP_DOMAIN = "demo-shop.myshopify.com";
export const DEMO_API_KEY = "demo-api-key";
export const DEMO_API_SECRET = "demo-api-secret";

/**
 * unauthenticated_read_checkouts and unauthenticated_read_product_listings: the Storefront API's carts and variants,
 * which storefront cart events are held to (decision 011).
 */
export const ACCESS_SCOPES = [
  "read_orders",
  "write_pixels",
  "read_customer_events",
  "write_app_proxy",
  "read_themes",
  "unauthenticated_read_checkouts",
  "unauthenticated_read_product_listings",
];

/** The App Proxy subpath from shopify.app.toml: the storefront calls /apps/<subpath>/… */
export const APP_PROXY_SUBPATH = "chat-attribution";
export const APP_PROXY_PREFIX = "apps";

export interface AppConfig {
  apiKey: string;
  apiSecret: string;
  /**
   * What the shops' e-mail keys derive from (decision 010): EMAIL_HASH_SECRET if set, else the app's secret. Set it
   * to the old secret when rotating the app's, or stored hashes stop matching new ones.
   */
  emailHashSecret: string;
  appUrl: string;
  /** The app's handle (shopify.app.toml `handle`): names its plan page on Shopify (SHOPIFY_APP_HANDLE). */
  appHandle: string;
  scopes: string[];
  demoMode: boolean;
}

/**
 * The value `npm run demo` gives DEMO_MODE: it names this very process, so a DEMO_MODE left in an environment (a
 * deploy's settings, a shell) never turns demo mode on — only the demo script does.
 */
export const demoModeToken = (pid: number = process.pid) => `npm-run-demo:${pid}`;

export function isDemoMode(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.DEMO_MODE === demoModeToken();
}

/** What `npm run demo` calls first. */
export function enableDemoMode(env: NodeJS.ProcessEnv = process.env): void {
  env.DEMO_MODE = demoModeToken();
}

/**
 * Demo mode mints session tokens for a fake shop; it must never run where real merchants are.
 */
export function assertDemoModeAllowed(env: NodeJS.ProcessEnv = process.env): void {
  if (isDemoMode(env) && env.NODE_ENV === "production") {
    throw new Error("Refusing to start: DEMO_MODE is on while NODE_ENV=production. Demo mode mints session tokens.");
  }
}

export function appConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const demoMode = isDemoMode(env);
  const apiKey = env.SHOPIFY_API_KEY || (demoMode ? DEMO_API_KEY : "");
  const apiSecret = env.SHOPIFY_API_SECRET || (demoMode ? DEMO_API_SECRET : "");
  const port = env.PORT || "3000";
  const appUrl = env.SHOPIFY_APP_URL || `http://localhost:${port}`;
  if (!apiKey || !apiSecret) {
    throw new Error("SHOPIFY_API_KEY and SHOPIFY_API_SECRET must be set (or run `npm run demo`).");
  }
  const scopes = env.SCOPES
    ? env.SCOPES.split(",")
        .map((s) => s.trim())
        .filter(Boolean)
    : ACCESS_SCOPES;
  return {
    apiKey,
    apiSecret,
    emailHashSecret: env.EMAIL_HASH_SECRET || apiSecret,
    appUrl,
    appHandle: env.SHOPIFY_APP_HANDLE || "chat-attribution",
    scopes,
    demoMode,
  };
}

/**
 * How one server process runs (server/serve.ts): its port, its HTTP timeouts and limits, how long a stop waits for
 * requests in flight, and its database pool. N instances on one PostgreSQL need N × databasePoolSize connections
 * (README, "Production"). Request body caps are per path, in server/body-limit.ts.
 */
export interface ServerConfig {
  port: number;
  host: string;
  /** An idle keep-alive connection is kept this long (KEEP_ALIVE_SECONDS, 65): longer than the proxies in front. */
  keepAliveMs: number;
  /** A whole request, headers and body, may take this long (REQUEST_TIMEOUT_SECONDS, 70). */
  requestTimeoutMs: number;
  /** Past this many open connections new ones are refused (MAX_CONNECTIONS, 4096). */
  maxConnections: number;
  /**
   * On SIGTERM the server stops taking connections and waits this long for requests in flight to be answered
   * (SHUTDOWN_GRACE_SECONDS, 20): Shopify gives a webhook 5 s and retries what is not answered.
   */
  shutdownGraceMs: number;
  /** PostgreSQL connections this process may hold (DATABASE_POOL_SIZE, 10). */
  databasePoolSize: number;
}

function positiveInteger(env: Record<string, string | undefined>, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive whole number, not "${raw}"`);
  return value;
}

export function serverConfig(env: Record<string, string | undefined> = process.env): ServerConfig {
  const keepAliveMs = positiveInteger(env, "KEEP_ALIVE_SECONDS", 65) * 1000;
  const requestTimeoutMs = positiveInteger(env, "REQUEST_TIMEOUT_SECONDS", 70) * 1000;
  // Node requires the request timeout to exceed the headers timeout, which must exceed the keep-alive one.
  if (requestTimeoutMs <= keepAliveMs + 1000)
    throw new Error("REQUEST_TIMEOUT_SECONDS must be more than KEEP_ALIVE_SECONDS + 1");
  return {
    port: positiveInteger(env, "PORT", 3000),
    host: env.HOST || "0.0.0.0",
    keepAliveMs,
    requestTimeoutMs,
    maxConnections: positiveInteger(env, "MAX_CONNECTIONS", 4096),
    shutdownGraceMs: positiveInteger(env, "SHUTDOWN_GRACE_SECONDS", 20) * 1000,
    databasePoolSize: positiveInteger(env, "DATABASE_POOL_SIZE", 10),
  };
}
