/**
 * Starts scripts/load/app-server.ts as a child process (its own event loop and database connection, as in
 * production) and waits for it to listen.
 */
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { startStorefrontApi, type StandInShop } from "../../app/demo/storefront/storefront-api";
import { projectRoot } from "../../server/project-root";
import { freePort } from "../run";
import { trafficShop } from "./traffic";

const STOREFRONT_TOKEN = "load-run-storefront-token";

export interface AppProcess {
  url: string;
  child: ChildProcess;
  /** Warnings and errors the server printed to stderr (while the database is down, say). */
  errors: string[];
  /** Its last 500 to 1,000 lines, of any level (its request log among them). */
  recent: string[];
  /** Server-side API keys of the shop named by BENCH_SHOP (BENCH_API_KEYS of them, one by default); none without it. */
  apiKeys: string[];
  stop(): Promise<void>;
}

/**
 * `shopify`: what the Storefront API stand-in this run plays Shopify with answers for the carts and variants storefront
 * events name (by default the load traffic's). `root`: the checkout whose app to start (another revision's, for an
 * A/B run); this one by default. `port`: where to listen (a free one by default).
 */
export async function startAppProcess(
  env: {
    DATABASE_URL: string;
    SHOPIFY_API_SECRET: string;
    BENCH_SHOP?: string;
    BENCH_API_KEYS?: string;
    /** Runs the background jobs, reconciling against this Admin API stand-in (access token `shpat_<shop>`). */
    LOAD_ADMIN_API_URL?: string;
    RECONCILE_EVERY_MINUTES?: string;
  },
  {
    shopify = trafficShop,
    root = projectRoot,
    port: fixedPort,
  }: { shopify?: StandInShop; root?: string; port?: number } = {},
): Promise<AppProcess> {
  // A restarted instance comes back on its own port, as behind a load balancer.
  const port = fixedPort ?? (await freePort());
  const storefront = await startStorefrontApi(shopify, STOREFRONT_TOKEN);
  // APP_NODE_ARGS="--cpu-prof --cpu-prof-dir=prof" profiles the app under load (Node refuses them in NODE_OPTIONS).
  const nodeArgs = process.env.APP_NODE_ARGS?.split(" ").filter(Boolean) ?? [];
  const child = spawn(
    process.execPath,
    [...nodeArgs, "--import", "tsx", path.join(root, "scripts", "load", "app-server.ts")],
    {
      cwd: root,
      env: {
        ...process.env,
        ...env,
        NODE_ENV: "production",
        PORT: String(port),
        SHOPIFY_API_KEY: "bench-api-key",
        SHOPIFY_APP_URL: `http://127.0.0.1:${port}`,
        DEMO_MODE: "",
        STOREFRONT_API_URL: storefront.endpoint,
        STOREFRONT_API_TOKEN: STOREFRONT_TOKEN,
      },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  process.once("exit", () => child.kill()); // never outlive the run that started it
  const errors: string[] = [];
  const recent: string[] = [];
  // The app's request log and other info lines are not errors: only warnings and worse, and anything not pino's. The
  // load driver reads a line per request in this process, so the level is read off pino's first key, not parsed.
  const isError = (line: string) => !/^\{"level":(10|20|30),/.test(line);
  child.stderr!.setEncoding("utf8").on("data", (text: string) => {
    for (const line of text.split("\n")) {
      if (!line) continue;
      if (isError(line)) errors.push(line);
      recent.push(line);
      if (recent.length > 1000) recent.splice(0, 500);
    }
  });
  const apiKeys = await new Promise<string[]>((resolve, reject) => {
    let output = "";
    child.stdout!.setEncoding("utf8").on("data", (text: string) => {
      output += text;
      const ready = /READY \d+ (\S+)\n/.exec(output);
      if (ready) resolve(ready[1] === "-" ? [] : ready[1].split(","));
    });
    child.once("exit", (code) =>
      reject(new Error(`app server exited with ${code} before listening:\n${errors.join("\n")}`)),
    );
  });
  return {
    url: `http://127.0.0.1:${port}`,
    child,
    errors,
    recent,
    apiKeys,
    stop: async () => {
      await new Promise<void>((resolve) => {
        // A process killed by a signal has no exit code, only its signal.
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      });
      await storefront.close();
    },
  };
}
