/**
 * The storefront SDK: its gzipped size against its budget, and the main-thread time it costs a shopper, measured
 * in Chromium on the simulator's theme page (the SDK's share of a CPU profile over the page load and its first
 * work: consent, cart stamping, first flush), against the same page with the embed switched off. Loads alternate
 * with and without, each in a fresh profile; medians are compared.
 */
import { readFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { gzipSync } from "node:zlib";
import { createStorefrontSimulator } from "../../app/demo/storefront/simulator.server";
import { EMBED_ASSET, EMBED_EXTENSION_DIR, EMBED_SIZE_BUDGET_GZIPPED } from "../build-embed";
import { launchBrowser, newPage } from "../chromium";
import { startAppProcess } from "../load/app-process";
import type { BenchRow } from "./results";

const SECRET = "bench-secret";
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

export async function runStorefrontBench(
  databaseUrl: string,
  loads: number,
  log: (line: string) => void,
): Promise<BenchRow[]> {
  const raw = readFileSync(EMBED_ASSET);
  const gzipped = gzipSync(raw, { level: 9 }).length;
  const rows: BenchRow[] = [
    {
      section: "Storefront SDK",
      measure: `size gzipped (${raw.length.toLocaleString("en-US")} B raw)`,
      value: gzipped,
      unit: "B",
      baseline: { name: "budget", value: EMBED_SIZE_BUDGET_GZIPPED },
      ratio: gzipped / EMBED_SIZE_BUDGET_GZIPPED,
      target: { text: `≤ ${EMBED_SIZE_BUDGET_GZIPPED} B`, met: gzipped <= EMBED_SIZE_BUDGET_GZIPPED },
    },
  ];

  // The app reads the simulator's carts through the run's Storefront API stand-in (the simulator needs the app's URL).
  let simulator: ReturnType<typeof createStorefrontSimulator> | undefined;
  const app = await startAppProcess(
    { DATABASE_URL: databaseUrl, SHOPIFY_API_SECRET: SECRET },
    {
      shopify: {
        cartOf: (cartGid) => simulator?.shop.cartOf(cartGid) ?? null,
        variantOf: (variantGid) => simulator?.shop.variantOf(variantGid) ?? null,
      },
    },
  );
  simulator = createStorefrontSimulator({
    appUrl: app.url,
    apiSecret: SECRET,
    shopDomain: "bench-storefront.myshopify.com",
    currency: "USD",
    extensionDir: EMBED_EXTENSION_DIR,
  });
  const server = await simulator.listen(0, "127.0.0.1");
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const browser = await launchBrowser();
  try {
    // Main-thread time of the whole page (Chrome's TaskDuration), and of the SDK alone: samples of a 0.1 ms CPU
    // profile whose stack holds a frame of chat-attribution.js (its own code and the browser work it calls).
    const measure = async (query: string) => {
      const page = await newPage(browser);
      const cdp = await page.context().newCDPSession(page);
      await cdp.send("Performance.enable");
      await cdp.send("Profiler.enable");
      await cdp.send("Profiler.setSamplingInterval", { interval: 100 });
      await cdp.send("Profiler.start");
      await page.goto(`${base}/${query}`, { waitUntil: "networkidle" });
      // Both pages get the same settle time after the network is idle (no polling in the page: it would be counted).
      await page.waitForTimeout(500);
      const { profile } = await cdp.send("Profiler.stop");
      const { metrics } = await cdp.send("Performance.getMetrics");
      await page.context().close();
      const parent = new Map<number, number>();
      for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
      const byId = new Map(profile.nodes.map((node) => [node.id, node]));
      const inSdk = new Map<number, boolean>();
      const isSdk = (id: number): boolean => {
        const known = inSdk.get(id);
        if (known !== undefined) return known;
        const own = byId.get(id)!.callFrame.url.includes("chat-attribution.js");
        const result = own || (parent.has(id) ? isSdk(parent.get(id)!) : false);
        inSdk.set(id, result);
        return result;
      };
      let sdkMicros = 0;
      (profile.samples ?? []).forEach((sample, index) => {
        if (isSdk(sample)) sdkMicros += profile.timeDeltas?.[index] ?? 0;
      });
      const task = (metrics.find((m) => m.name === "TaskDuration")?.value ?? Number.NaN) * 1000;
      return { task, sdk: sdkMicros / 1000 };
    };
    await measure("");
    await measure("?embed=off"); // warm-up: Chromium's caches and the server's first renders
    const on: { task: number; sdk: number }[] = [];
    const off: { task: number; sdk: number }[] = [];
    for (let i = 0; i < loads; i++) {
      on.push(await measure(""));
      off.push(await measure("?embed=off"));
    }
    const sdk = median(on.map((m) => m.sdk));
    const pageWith = median(on.map((m) => m.task));
    const pageWithout = median(off.map((m) => m.task));
    if (!(sdk > 0))
      throw new Error("the SDK never ran on the storefront page (no profile sample in chat-attribution.js)");
    log(
      `storefront main thread: SDK ${sdk.toFixed(2)} ms; page ${pageWith.toFixed(0)} ms with the embed, ${pageWithout.toFixed(0)} ms without`,
    );
    rows.push(
      {
        section: "Storefront SDK (Chromium, simulator theme page)",
        measure: `main-thread time in the SDK during a page load (consent, stamping, first flush), median of ${loads}`,
        value: sdk,
        unit: "ms",
        baseline: { name: "the page's whole main-thread time, embed off", value: pageWithout },
        ratio: sdk / pageWithout,
      },
      {
        section: "Storefront SDK (Chromium, simulator theme page)",
        measure: `page main-thread time with the embed, median of ${loads} (noisy: layout and network included)`,
        value: pageWith,
        unit: "ms",
        baseline: { name: "same page, embed off", value: pageWithout },
        ratio: pageWith / pageWithout,
      },
    );
    return rows;
  } finally {
    await browser.close();
    await new Promise((resolve) => server.close(resolve));
    await app.stop();
  }
}
