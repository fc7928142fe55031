/**
 * npm run bench [-- --quick] [--only http,report,reattribution,fleet,engine,storefront,admin] [--scales 10000,100000,1000000]
 *               [--json <file>] [--no-build]
 * npm run bench -- --ab <rev> [--rounds 8]: only the order webhook at 500/s, this tree against <rev> in alternating
 *               rounds (scripts/bench/ab-bench.ts)
 *
 * Prints one table; every figure comes with a baseline measured in the same run on the same machine and the
 * ratio between them, so runs on different machines can be compared by their ratios. Everything runs on
 * loopback against databases it creates and deletes (a PGlite directory, a throwaway PostgreSQL cluster).
 * `--quick` shrinks every run (CI uses it to keep the command working); the README's figures are from a full run.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import pg from "pg";
import { startPostgresCluster, type PostgresCluster } from "./postgres-cluster";
import { migrate, productionBuild } from "./run";
import { runOrderWebhookAb } from "./bench/ab-bench";
import { runHttpBench } from "./bench/http-bench";
import { runStorefrontBench } from "./bench/storefront-bench";
import { runAdminBench } from "./bench/admin-bench";
import { runReportBench } from "./bench/report-bench";
import { FLEET, QUICK_FLEET, runFleetBench } from "./bench/fleet-bench";
import { runEngineBench, runReattributionBench } from "./bench/reattribution-bench";
import { renderTable, type BenchRow } from "./bench/results";
import { DEFAULT_SHAPE, generateShopHistory } from "./bench/scale-data";

const SECTIONS = ["http", "report", "reattribution", "fleet", "engine", "storefront", "admin"] as const;
type Section = (typeof SECTIONS)[number];

const { values } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    only: { type: "string" },
    scales: { type: "string" },
    json: { type: "string" },
    "no-build": { type: "boolean", default: false },
    ab: { type: "string" },
    rounds: { type: "string" },
  },
});
const quick = values.quick;
const only = new Set((values.ab ? [] : (values.only?.split(",") ?? SECTIONS)).map((name) => name.trim()) as Section[]);
for (const name of only)
  if (!SECTIONS.includes(name)) throw new Error(`unknown section "${name}" (one of ${SECTIONS.join(", ")})`);
const scales = (values.scales ?? (quick ? "2000" : "10000,100000")).split(",").map(Number);

for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => process.exit(1)); // exit handlers clean up
const log = (line: string) => console.error(`[bench] ${line}`);

/**
 * The ingest runs on PostgreSQL start on a database that already holds another shop's year of orders (and its
 * chats), analyzed, as a running app's database does: one "Order" table holds every shop's. On empty tables they
 * measured PostgreSQL's first minute instead: the plans its foreign-key checks cache per connection, made while
 * "Order" was a page or two, scan the table for every line item and attribution written until autovacuum next
 * analyzes it (about once a minute), and the table grows by thousands of orders a minute under the load (a batch
 * of 64 deliveries took 44 ms, then 170 ms at 7,000 orders; capacity with 64 senders dropped to a fifth whenever a
 * run fell in that window).
 */
async function holdOtherShopsHistory(databaseUrl: string, orders: number) {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await generateShopHistory(client, "history.myshopify.com", { orders, ...DEFAULT_SHAPE }, log); // ends with ANALYZE
  } finally {
    await client.end();
  }
}
const rows: BenchRow[] = [];
let cluster: PostgresCluster | undefined;
const scratch = mkdtempSync(path.join(tmpdir(), "chat-attribution-bench-"));
let failed = false;

try {
  if (only.has("http") || only.has("fleet") || only.has("storefront"))
    await productionBuild({ reuse: values["no-build"] });
  if (["http", "report", "reattribution", "fleet", "storefront"].some((section) => only.has(section as Section))) {
    cluster = await startPostgresCluster();
    log(`PostgreSQL ${path.basename(path.dirname(cluster.binDir))} on 127.0.0.1:${cluster.port}`);
  }

  if (only.has("http")) {
    const pgliteUrl = `pglite:${path.join(scratch, "pglite")}`;
    for (const [engine, databaseUrl, webhooksPerSecond, eventBatchesPerSecond, apiBatchesPerSecond] of [
      ["PGlite", pgliteUrl, 100, 50, 5],
      ["PostgreSQL", cluster!.databaseUrl, 500, 200, 20],
    ] as const) {
      await migrate({ ...process.env, DATABASE_URL: databaseUrl });
      if (engine === "PostgreSQL") await holdOtherShopsHistory(databaseUrl, quick ? 2_000 : 20_000);
      rows.push(
        ...(await runHttpBench(
          {
            engine,
            databaseUrl,
            concurrency: 16,
            saturatingConcurrency: 64,
            webhooksPerSecond,
            eventBatchesPerSecond,
            apiBatchesPerSecond,
            seconds: quick ? 2 : 10,
            targetLoadRuns: quick ? 1 : 3,
          },
          log,
        )),
      );
    }
  }
  if (only.has("report")) rows.push(...(await runReportBench(cluster!, scales, log)));
  if (only.has("reattribution")) rows.push(...(await runReattributionBench(cluster!, quick ? 2_000 : 20_000, log)));
  if (only.has("fleet")) rows.push(...(await runFleetBench(cluster!, quick ? QUICK_FLEET : FLEET, log)));
  if (only.has("storefront")) {
    await migrate({ ...process.env, DATABASE_URL: cluster!.databaseUrl });
    rows.push(...(await runStorefrontBench(cluster!.databaseUrl, quick ? 3 : 15, log)));
  }
  if (only.has("engine")) rows.push(...runEngineBench(quick ? 20_000 : 200_000, log));
  if (only.has("admin")) rows.push(...(await runAdminBench(quick ? 1 : 5, log)));
  if (values.ab) {
    await productionBuild({ reuse: values["no-build"] });
    cluster = await startPostgresCluster();
    rows.push(
      ...(await runOrderWebhookAb(
        {
          rev: values.ab,
          cluster,
          scratch,
          perSecond: quick ? 100 : 500,
          seconds: quick ? 2 : 10,
          rounds: Number(values.rounds ?? (quick ? 2 : 8)),
          historyOrders: quick ? 2_000 : 20_000,
        },
        log,
      )),
    );
  }
} catch (error) {
  failed = true;
  console.error(error);
} finally {
  cluster?.destroy();
  rmSync(scratch, { recursive: true, force: true });
}

console.log(renderTable(rows));
if (values.json)
  writeFileSync(values.json, JSON.stringify({ measuredAt: new Date().toISOString(), quick, rows }, null, 2));
const missed = rows.filter((row) => row.target && !row.target.met);
if (missed.length)
  console.log(
    `\n${missed.length} target(s) missed: ${missed.map((row) => `${row.section} ${row.measure}`).join("; ")}`,
  );
process.exit(failed ? 1 : 0);
