import { afterEach, describe, expect, it } from "vitest";
import { isPostgresUrl } from "../db/database-url";
import { inProcessQueue, type JobAttempt, type JobQueue, type QueueOverrides, startPgBossQueue } from "./queue.server";

const url = process.env.DATABASE_URL!;
const started: JobQueue[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((queue) => queue.stop(5_000)));
});

type Start = (overrides?: QueueOverrides) => Promise<JobQueue>;

const engines: [string, Start][] = [["in this process", async (overrides) => inProcessQueue(overrides)]];
// pg-boss needs a PostgreSQL server (npm run test:pg); on PGlite the app runs the in-process queue.
if (isPostgresUrl(url)) engines.push(["in pg-boss", (overrides) => startPgBossQueue(url, overrides)]);

/** Resolves once `predicate` holds, polling; fails after 20 s. */
async function until(predicate: () => boolean): Promise<void> {
  for (let waited = 0; !predicate(); waited += 25) {
    if (waited > 20_000) throw new Error("condition not reached in 20 s");
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe.each(engines)("the job queue %s", (engine, start) => {
  const queue = async (overrides?: QueueOverrides) => {
    const created = await start(overrides);
    started.push(created);
    return created;
  };

  it("runs a job with its data, keeps one waiting per key, and retries a failure with backoff until the last run", async () => {
    const jobs = await queue({ reattribute: { retryLimit: 2, retryDelaySeconds: 1 } });
    const runs: { data: object; attempt: JobAttempt; at: number }[] = [];
    // Queued before any worker: it waits for one.
    expect(await jobs.send("reattribute", { jobId: "a" }, "a")).not.toBeNull();
    expect(await jobs.send("reattribute", { jobId: "a" }, "a")).toBeNull();
    await jobs.work("reattribute", async (data, attempt) => {
      runs.push({ data, attempt, at: Date.now() });
      throw new Error("the database went away");
    });
    await until(() => runs.length === 3);
    expect(runs.map((run) => [run.data, run.attempt])).toEqual([
      [{ jobId: "a" }, { attempt: 1, final: false }],
      [{ jobId: "a" }, { attempt: 2, final: false }],
      [{ jobId: "a" }, { attempt: 3, final: true }],
    ]);
    // The wait before a retry doubles: at least 1 s, then at least 2 s.
    expect(runs[1].at - runs[0].at).toBeGreaterThanOrEqual(1_000);
    expect(runs[2].at - runs[1].at).toBeGreaterThanOrEqual(2_000);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(runs).toHaveLength(3);
  });

  it("queues one job per period however often, and by however many instances, it is asked", async () => {
    const first = await queue();
    // Two instances on one database; in one process there is one queue.
    const second = engine === "in pg-boss" ? await queue() : first;
    const period = 60;
    // Periods are aligned to the clock: the asks below must not straddle two.
    const toNextPeriod = period * 1_000 - (Date.now() % (period * 1_000));
    if (toNextPeriod < 5_000) await new Promise((resolve) => setTimeout(resolve, toNextPeriod + 50));
    const ids = await Promise.all([
      first.sendOncePer("report-rollups", { n: 1 }, period),
      second.sendOncePer("report-rollups", { n: 2 }, period),
      first.sendOncePer("report-rollups", { n: 3 }, period),
    ]);
    expect(ids.filter((id) => id !== null)).toHaveLength(1);
    const ran: object[] = [];
    for (const jobs of new Set([first, second]))
      await jobs.work("report-rollups", async (data) => {
        ran.push(data);
      });
    await until(() => ran.length === 1);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(ran).toHaveLength(1);
  });

  it("tells the job running that it is stopping, and waits for it", async () => {
    const jobs = await queue();
    let finished = false;
    let began = false;
    let toldToStop = false;
    await jobs.work("reconcile-shop", async (_data, _attempt, stopping) => {
      began = true;
      await new Promise((resolve) => setTimeout(resolve, 500));
      toldToStop = stopping.aborted;
      finished = true;
    });
    await jobs.send("reconcile-shop", { shop: "x" }, "x");
    await until(() => began);
    started.splice(started.indexOf(jobs), 1);
    await jobs.stop(5_000);
    expect(finished).toBe(true);
    expect(toldToStop).toBe(true);
  });
});
