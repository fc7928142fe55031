/**
 * A rate limit that holds across every app instance: `points` requests per key per `perSeconds` window, counted in
 * PostgreSQL by rate-limiter-flexible (table "RateLimit", decision 019). This process's token bucket of the same
 * limit (app/lib/rate-limit.ts) filters first: a key over its limit here is refused without a database round trip,
 * so a flood costs memory that is bounded and no queries. Should the database not answer, the local bucket decides.
 */
import { RateLimiterPostgres, RateLimiterRes } from "rate-limiter-flexible";
import { sql } from "../db.server";
import { log } from "../lib/log.server";
import { type RateDecision, RateLimiter } from "../lib/rate-limit";

export interface SharedLimit {
  /** Names the limit: the prefix of its keys in the table. */
  name: string;
  points: number;
  perSeconds: number;
}

/** rate-limiter-flexible's Postgres store speaks node-postgres' `query({ text, values })`; this is the app's SQL. */
const storeClient = {
  async query({ text, values }: { text: string; values?: unknown[] }) {
    const rows = await sql.query<{ points: number | string; expire: number | string | bigint | null }>(text, values);
    // int8 comes back as a string or a BigInt depending on the engine: the store does arithmetic on it.
    const numeric = rows.map((row) => ({
      ...row,
      points: Number(row.points),
      expire: row.expire === null ? null : Number(row.expire),
    }));
    return { rows: numeric, rowCount: numeric.length };
  },
};

const WARN_EVERY_MS = 60_000;
let lastWarning = 0;

export class SharedRateLimit {
  private readonly local: RateLimiter;
  private readonly store: RateLimiterPostgres;

  constructor(limit: SharedLimit) {
    this.local = new RateLimiter({ capacity: limit.points, refillPerSecond: limit.points / limit.perSeconds });
    this.store = new RateLimiterPostgres({
      storeClient,
      storeType: "pool",
      tableName: "RateLimit",
      tableCreated: true, // by the migration
      keyPrefix: limit.name,
      points: limit.points,
      duration: limit.perSeconds,
    });
  }

  async take(key: string): Promise<RateDecision> {
    const local = this.local.take(key);
    if (!local.allowed) return local;
    try {
      await this.store.consume(key);
      return { allowed: true };
    } catch (rejection) {
      if (rejection instanceof RateLimiterRes)
        return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(rejection.msBeforeNext / 1_000)) };
      if (Date.now() - lastWarning > WARN_EVERY_MS) {
        lastWarning = Date.now();
        log.warn({ err: rejection }, "shared rate limit unavailable; this instance's limit applies");
      }
      return local;
    }
  }
}
