/**
 * The app's background work as jobs in a queue (docs/decisions/018-jobs-in-pg-boss.md). On PostgreSQL the queue is
 * pg-boss: jobs live in the database, one instance claims each (SKIP LOCKED), a failed one is retried with backoff, and
 * one an instance dropped (killed mid-run) is retried when it expires. PGlite is one process (decision 002): the same
 * interface runs the jobs in that process, with the same retries. Handlers are idempotent either way: a job may run
 * again after a crash.
 */
import { createRequire } from "node:module";
import PgBoss from "pg-boss";
import { assertPatchable } from "../db/pinned-packages.server";
import { log } from "../lib/log.server";

/**
 * Patch (pg-boss 10.4.2): a worker marks a job done with `this.complete(…)` (or `this.fail(…)`) without awaiting or
 * catching it. While PostgreSQL is down that promise rejects unheard and Node ends the process — found by the fault
 * run (a job finishing during a database restart). A handler is attached to the promise; callers that await it still
 * see the rejection, and the job, left active, is retried when it expires (handlers are idempotent).
 */
function heedUnawaitedCompletions(): void {
  assertPatchable("pg-boss", "catch the worker's unawaited complete/fail");
  const Manager = createRequire(import.meta.url)("pg-boss/src/manager") as {
    prototype: Record<"complete" | "fail", (...args: unknown[]) => Promise<unknown>>;
  };
  for (const method of ["complete", "fail"] as const) {
    const original = Manager.prototype[method];
    if ((original as { heeded?: boolean }).heeded) continue;
    const heeded = function (this: unknown, ...args: unknown[]) {
      const result = original.apply(this, args);
      result.catch((error: unknown) => log.warn({ err: error }, `job queue: ${method} failed; the job will expire`));
      return result;
    };
    Manager.prototype[method] = Object.assign(heeded, { heeded: true });
  }
}

export interface QueueSettings {
  retryLimit: number;
  retryDelaySeconds: number;
  expireInSeconds: number;
}

/** Every queue, with how its jobs are retried; handlers are registered in server/jobs.ts. */
export const JOB_QUEUES = {
  /** A whole-shop re-attribution (ReattributionJob): resumable from its cursor, so a retry carries on. */
  reattribute: { retryLimit: 5, retryDelaySeconds: 10, expireInSeconds: 30 * 60 },
  /** Once per period across every instance: queues a `reconcile-shop` for each installed shop. */
  "reconcile-all": { retryLimit: 2, retryDelaySeconds: 30, expireInSeconds: 5 * 60 },
  /** One shop's reconciliation with Shopify (its state is on Setup). */
  "reconcile-shop": { retryLimit: 3, retryDelaySeconds: 60, expireInSeconds: 15 * 60 },
  /** A shop's app subscription, asked again from Shopify (on app_subscriptions/update, or when stale). */
  "refresh-plan": { retryLimit: 3, retryDelaySeconds: 30, expireInSeconds: 5 * 60 },
  /** The report roll-ups of every shop with marked days; the next period's run retries anything left. */
  "report-rollups": { retryLimit: 0, retryDelaySeconds: 0, expireInSeconds: 10 * 60 },
} as const satisfies Record<string, QueueSettings>;

export type JobName = keyof typeof JOB_QUEUES;

/** JOB_QUEUES with some settings replaced (a test's shorter retry delay). */
export type QueueOverrides = Partial<Record<JobName, Partial<QueueSettings>>>;

const settingsOf = (name: JobName, overrides: QueueOverrides): QueueSettings => ({
  ...JOB_QUEUES[name],
  ...overrides[name],
});

/** Which run of a job this is: `final` when a failure will not be retried. */
export interface JobAttempt {
  attempt: number;
  final: boolean;
}

/**
 * `stopping` is aborted when the queue stops: a long job ends at its next safe point and queues what is left (any
 * instance then carries on), rather than hold up a deploy.
 */
export type JobHandler<T> = (data: T, attempt: JobAttempt, stopping: AbortSignal) => Promise<void>;

export interface JobQueue {
  /** Runs `name`'s jobs in this process, one at a time. */
  work<T extends object>(name: JobName, handler: JobHandler<T>): Promise<void>;
  /**
   * Queues a job. With `key`, none is added while one with that key is waiting to start: resolves with the new job's
   * id, or null when it was already waiting.
   */
  send(name: JobName, data: object, key?: string): Promise<string | null>;
  /** Queues one job of `name` per `periodSeconds` time slot across every instance: null when the slot has one. */
  sendOncePer(name: JobName, data: object, periodSeconds: number): Promise<string | null>;
  /** Takes no more jobs and waits up to `timeoutMs` for those running. */
  stop(timeoutMs: number): Promise<void>;
}

/**
 * Backoff before run `attempt` (2, 3, …), as pg-boss's retryBackoff computes it: the delay doubles each time, and up
 * to as much again at random, so retries of many jobs that failed together spread out.
 */
function retryDelayMs(settings: QueueSettings, attempt: number, random = Math.random()): number {
  return settings.retryDelaySeconds * 1_000 * 2 ** (attempt - 2) * (1 + random);
}

/** Runs one attempt; both engines log the same lines, with the job's name and attempt and never its data. */
async function runAttempt<T>(
  name: JobName,
  handler: JobHandler<T>,
  data: T,
  attempt: JobAttempt,
  stopping: AbortSignal,
): Promise<void> {
  try {
    await handler(data, attempt, stopping);
  } catch (error) {
    if (attempt.final) log.error({ job: name, attempt: attempt.attempt, err: error }, "job failed for good");
    else log.warn({ job: name, attempt: attempt.attempt, err: error }, "job failed; it will be retried");
    throw error;
  }
}

/** The queue on PostgreSQL: pg-boss in its own schema, with a small pool of its own. */
export async function startPgBossQueue(connectionString: string, overrides: QueueOverrides = {}): Promise<JobQueue> {
  heedUnawaitedCompletions();
  const boss = new PgBoss({
    connectionString,
    schema: "pgboss",
    max: 3,
    application_name: "chat-attribution-jobs",
    // Completed jobs are kept a day (a throttled job's slot must outlive its period), failed ones a week.
    archiveCompletedAfterSeconds: 24 * 3_600,
    archiveFailedAfterSeconds: 7 * 24 * 3_600,
  });
  // pg-boss reports what goes wrong in its own loops (a poll while the database restarts) as events; unheard, Node
  // would end the process.
  boss.on("error", (error) => log.warn({ err: error }, "job queue"));
  await boss.start();
  for (const name of Object.keys(JOB_QUEUES) as JobName[]) {
    const queue = settingsOf(name, overrides);
    const options = {
      name,
      policy: "short" as const, // one waiting job per key; handlers tolerate two running
      retryLimit: queue.retryLimit,
      retryDelay: queue.retryDelaySeconds,
      retryBackoff: queue.retryDelaySeconds > 0,
      expireInSeconds: queue.expireInSeconds,
    };
    // createQueue is not idempotent under a race between instances starting together: the loser's insert conflicts.
    if (await boss.getQueue(name)) await boss.updateQueue(name, options);
    else await boss.createQueue(name, options).catch(() => boss.updateQueue(name, options));
  }
  const workers = new Map<JobName, string>();
  const stopping = new AbortController();
  return {
    async work<T extends object>(name: JobName, handler: JobHandler<T>) {
      const id = await boss.work<T>(
        name,
        { includeMetadata: true, batchSize: 1, pollingIntervalSeconds: 1 },
        async ([job]) => {
          // retryCount counts the runs before this one.
          const attempt = { attempt: job.retryCount + 1, final: job.retryCount >= job.retryLimit };
          await runAttempt(name, handler, job.data, attempt, stopping.signal);
        },
      );
      workers.set(name, id);
    },
    async send(name, data, key) {
      const id = await boss.send(name, data, key === undefined ? {} : { singletonKey: key });
      // A job queued here is started here at once rather than at the next poll.
      const worker = workers.get(name);
      if (id && worker) boss.notifyWorker(worker);
      return id;
    },
    sendOncePer(name, data, periodSeconds) {
      // pg-boss keeps slots in whole seconds.
      return boss.send(name, data, { singletonSeconds: Math.max(1, Math.round(periodSeconds)) });
    },
    async stop(timeoutMs) {
      stopping.abort();
      await boss.stop({ graceful: true, wait: true, timeout: timeoutMs, close: true });
    },
  };
}

interface Waiting {
  data: object;
  key: string | undefined;
  attempt: number;
  notBefore: number;
}

/**
 * The queue in this process (PGlite): jobs wait in memory and are lost with the process, which the handlers allow
 * for — a re-attribution is resumed from the database on start, and the periodic jobs come round again.
 */
export function inProcessQueue(overrides: QueueOverrides = {}): JobQueue {
  const waiting = new Map<JobName, Waiting[]>();
  const handlers = new Map<JobName, JobHandler<object>>();
  const running = new Map<JobName, Promise<void>>();
  const lastSlot = new Map<JobName, number>();
  const timers = new Map<JobName, { at: number; timer: NodeJS.Timeout }>();
  const stopping = new AbortController();
  let sequence = 0;

  const queueOf = (name: JobName) => {
    const list = waiting.get(name) ?? [];
    waiting.set(name, list);
    return list;
  };
  /** One timer per queue, for the earliest retry due. */
  const wakeAt = (name: JobName, at: number) => {
    const set = timers.get(name);
    if (set && set.at <= at) return;
    if (set) clearTimeout(set.timer);
    const timer = setTimeout(
      () => {
        timers.delete(name);
        drain(name);
      },
      Math.max(0, Math.ceil(at - Date.now())),
    );
    timer.unref();
    timers.set(name, { at, timer });
  };
  function drain(name: JobName): void {
    const handler = handlers.get(name);
    if (stopping.signal.aborted || !handler || running.has(name)) return;
    const list = queueOf(name);
    const now = Date.now();
    const index = list.findIndex((job) => job.notBefore <= now);
    if (index < 0) {
      // A timer may fire a moment before the time it was set for.
      if (list.length > 0) wakeAt(name, Math.min(...list.map((job) => job.notBefore)));
      return;
    }
    const [job] = list.splice(index, 1);
    const settings = settingsOf(name, overrides);
    const attempt = { attempt: job.attempt, final: job.attempt > settings.retryLimit };
    const run = runAttempt(name, handler, job.data, attempt, stopping.signal)
      .catch(() => {
        if (attempt.final) return;
        const notBefore = Date.now() + retryDelayMs(settings, job.attempt + 1);
        list.push({ ...job, attempt: job.attempt + 1, notBefore });
        wakeAt(name, notBefore);
      })
      .finally(() => {
        running.delete(name);
        drain(name);
      });
    running.set(name, run);
  }
  const add = (name: JobName, data: object, key?: string) => {
    const list = queueOf(name);
    if (key !== undefined && list.some((job) => job.key === key && job.attempt === 1)) return null;
    list.push({ data, key, attempt: 1, notBefore: 0 });
    queueMicrotask(() => drain(name));
    return `in-process-${++sequence}`;
  };
  return {
    async work(name, handler) {
      handlers.set(name, handler as JobHandler<object>);
      drain(name);
    },
    async send(name, data, key) {
      return add(name, data, key);
    },
    async sendOncePer(name, data, periodSeconds) {
      const slot = Math.floor(Date.now() / 1_000 / periodSeconds);
      if (lastSlot.get(name) === slot) return null;
      lastSlot.set(name, slot);
      return add(name, data);
    },
    async stop(timeoutMs) {
      stopping.abort();
      for (const { timer } of timers.values()) clearTimeout(timer);
      timers.clear();
      let timeout: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.all(running.values()),
        new Promise((resolve) => {
          timeout = setTimeout(resolve, timeoutMs);
          timeout.unref();
        }),
      ]);
      clearTimeout(timeout);
    },
  };
}

// On globalThis: the server runs the routes from the Remix build, which carries its own copy of this module; a route
// must queue into the queue server/jobs.ts started, not a copy of its own that nothing works.
const CURRENT = Symbol.for("chat-attribution.job-queue");
const holder = globalThis as { [CURRENT]?: JobQueue | null };

/**
 * The process's queue: the one the server started (server/jobs.ts), else an in-process one whose jobs wait until
 * something works them (a CLI, a test).
 */
export function jobQueue(): JobQueue {
  holder[CURRENT] ??= inProcessQueue();
  return holder[CURRENT];
}

export function setJobQueue(queue: JobQueue | null): void {
  holder[CURRENT] = queue;
}
