/**
 * `npm run bench -- --ab <rev>`: this tree's order webhook against another revision's, at one fixed load, in
 * alternating rounds within one run (decision 009: a change's own effect is measured by A/B rounds, not across runs
 * on a machine whose speed drifts). The other revision is checked out into a scratch worktree, installed and built
 * there; each side gets its own database in one PostgreSQL cluster, migrated and filled with another shop's history
 * by its own code, and its own app process. Rounds take turns (A B, then B A, …) so that a slow minute falls on both.
 * Per side: pooled p50/p99, each round's p99, and the app process's CPU time per delivery (from /proc).
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import pg from "pg";
import { projectRoot } from "../../server/project-root";
import { startAppProcess, type AppProcess } from "../load/app-process";
import {
  closedLoop,
  LoopbackClient,
  openLoop,
  percentile,
  pooled,
  type LoadResult,
  type Shot,
} from "../load/http-load";
import { orderPayload, webhookShot } from "../load/traffic";
import type { PostgresCluster } from "../postgres-cluster";
import { run } from "../run";
import type { BenchRow } from "./results";

const SECRET = "bench-secret";
const SHOP = "bench.myshopify.com";

export interface AbPlan {
  /** The revision to compare with (anything `git worktree add` takes). */
  rev: string;
  cluster: PostgresCluster;
  /** A scratch directory for the worktree. */
  scratch: string;
  perSecond: number;
  seconds: number;
  rounds: number;
  historyOrders: number;
}

/** The database for one side: migrated by that side's own migrations, with another shop's history from its own code. */
async function prepareDatabase(root: string, cluster: PostgresCluster, name: string, orders: number): Promise<string> {
  const admin = new pg.Client({ connectionString: cluster.serverUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = cluster.databaseUrlFor(name);
  await run("prisma", ["migrate", "deploy"], { ...process.env, DATABASE_URL: url }, root);
  const fill = `import pg from "pg";
    import { DEFAULT_SHAPE, generateShopHistory } from "./scripts/bench/scale-data.ts";
    const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await client.connect();
    await generateShopHistory(client, "history.myshopify.com", { orders: ${orders}, ...DEFAULT_SHAPE }, () => {});
    await client.end();`;
  await run(
    process.execPath,
    ["--import", "tsx", "--input-type=module", "-e", fill],
    { ...process.env, DATABASE_URL: url },
    root,
  );
  return url;
}

let ticksPerSecond: number | undefined;

/** CPU time (user + system) the process has used so far, in ms. */
function cpuMs(pid: number): number {
  ticksPerSecond ??= Number(execFileSync("getconf", ["CLK_TCK"]).toString().trim()); // asked once, not per round
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15 of stat)
  return (ticks * 1000) / ticksPerSecond;
}

interface Side {
  name: string;
  app: AppProcess;
  client: LoopbackClient;
  results: LoadResult[];
  cpuMs: number;
}

export async function runOrderWebhookAb(plan: AbPlan, log: (line: string) => void): Promise<BenchRow[]> {
  const other = path.join(plan.scratch, "ab-tree");
  execFileSync("git", ["worktree", "add", "--detach", other, plan.rev], { cwd: projectRoot, stdio: "ignore" });
  try {
    log(`A/B: installing and building ${plan.rev} in a scratch worktree`);
    await run("npm", ["ci", "--no-audit", "--no-fund", "--loglevel=error"], process.env, other);
    await run("remix", ["vite:build"], { ...process.env, NODE_ENV: "production" }, other);
    const [thisUrl, otherUrl] = [
      await prepareDatabase(projectRoot, plan.cluster, "ab_this", plan.historyOrders),
      await prepareDatabase(other, plan.cluster, "ab_other", plan.historyOrders),
    ];
    const env = { SHOPIFY_API_SECRET: SECRET, BENCH_SHOP: SHOP };
    const sides: Side[] = [];
    for (const [name, root, url] of [
      ["this tree", projectRoot, thisUrl],
      [plan.rev, other, otherUrl],
    ] as const) {
      const app = await startAppProcess({ ...env, DATABASE_URL: url }, { root });
      sides.push({ name, app, client: new LoopbackClient(app.url, 1024), results: [], cpuMs: 0 });
    }
    try {
      let order = 0;
      const now = Date.now();
      const shot = (): Shot => {
        const processedAt = new Date(now - 10_000);
        const body = JSON.stringify(
          orderPayload({
            index: order++,
            processedAt,
            updatedAt: processedAt,
            financialStatus: "paid",
            cancelledAt: null,
          }),
        );
        return webhookShot(SECRET, SHOP, "orders/paid", body);
      };
      for (const side of sides) await closedLoop(side.client, Array.from({ length: 300 }, shot), 16); // warm-up
      for (let round = 0; round < plan.rounds; round++) {
        const turn = round % 2 === 0 ? sides : [...sides].reverse();
        for (const side of turn) {
          const before = cpuMs(side.app.child.pid!);
          side.results.push(await openLoop(side.client, shot, plan.perSecond, plan.seconds * 1000));
          side.cpuMs += cpuMs(side.app.child.pid!) - before;
        }
        log(
          `A/B round ${round + 1}: ${sides.map((side) => `${side.name} p99 ${percentile(side.results[round].latenciesMs, 99).toFixed(1)} ms`).join(", ")}`,
        );
      }
    } finally {
      for (const side of sides) await side.app.stop();
    }
    const rows: BenchRow[] = [];
    const [mine, theirs] = sides.map((side) => ({ side, all: pooled(side.results) }));
    for (const [p, label] of [
      [50, "p50"],
      [99, "p99"],
    ] as const) {
      const value = percentile(mine.all.latenciesMs, p);
      const baseline = percentile(theirs.all.latenciesMs, p);
      rows.push({
        section: `Order webhooks (PostgreSQL), this tree vs ${plan.rev}`,
        measure: `${label} at ${plan.perSecond}/s, ${plan.rounds} alternating rounds of ${plan.seconds} s pooled`,
        value,
        unit: "ms",
        baseline: { name: plan.rev, value: baseline },
        ratio: value / baseline,
      });
    }
    const perDelivery = (entry: typeof mine) => entry.side.cpuMs / entry.all.requests;
    rows.push({
      section: `Order webhooks (PostgreSQL), this tree vs ${plan.rev}`,
      measure: "app CPU time per delivery",
      value: perDelivery(mine),
      unit: "ms",
      baseline: { name: plan.rev, value: perDelivery(theirs) },
      ratio: perDelivery(mine) / perDelivery(theirs),
    });
    for (const entry of [mine, theirs]) {
      const failed = entry.all.requests - (entry.all.statuses["200"] ?? 0);
      if (failed > 0)
        log(
          `A/B: ${entry.side.name} answered ${failed} of ${entry.all.requests} deliveries with another status than 200`,
        );
    }
    return rows;
  } finally {
    execFileSync("git", ["worktree", "remove", "--force", other], { cwd: projectRoot, stdio: "ignore" });
  }
}
