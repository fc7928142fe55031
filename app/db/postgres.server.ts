/** A PostgreSQL server: one node-postgres pool for Prisma's driver adapter and for the ingest paths' plain SQL. */
import type { SqlDriverAdapter, SqlDriverAdapterFactory, Transaction } from "@prisma/driver-adapter-utils";
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { serverConfig } from "../config.server";
import { assertPatchable } from "./pinned-packages.server";
import type { SqlDriver, SqlQuery } from "./sql-driver";

/**
 * Patch (Prisma 6.19 with adapter-pg 6.19.3): when the server goes away mid-transaction (restart, failover),
 * Prisma's ROLLBACK fails and it never calls the adapter's rollback(), the only place the pool client is
 * released. After `max` such transactions the pool is empty and every later request waits for a connection
 * forever — found by the fault run (scripts/fault-run.ts). A transaction whose COMMIT or ROLLBACK fails releases
 * its client with the error (pg then discards the connection instead of reusing it).
 */
function releaseBrokenTransactions(adapter: SqlDriverAdapter): SqlDriverAdapter {
  assertPatchable("@prisma/adapter-pg", "release a transaction's client when COMMIT or ROLLBACK fails");
  const startTransaction = adapter.startTransaction.bind(adapter);
  adapter.startTransaction = async (isolationLevel) => {
    const tx = (await startTransaction(isolationLevel)) as Transaction & {
      client: { release(error?: Error): void };
      cleanup?: () => void;
    };
    let released = false;
    const closeOnce = (close: () => Promise<void>) => async () => {
      if (released) return;
      released = true;
      await close();
    };
    const discard = closeOnce(async () => {
      tx.cleanup?.();
      tx.client.release(new Error("transaction connection broken"));
    });
    tx.commit = closeOnce(tx.commit.bind(tx));
    tx.rollback = closeOnce(tx.rollback.bind(tx));
    const executeRaw = tx.executeRaw.bind(tx);
    tx.executeRaw = async (query) => {
      try {
        return await executeRaw(query);
      } catch (error) {
        if (query.sql === "COMMIT" || query.sql === "ROLLBACK") await discard();
        throw error;
      }
    };
    return tx;
  };
  return adapter;
}

export class PgAdapterFactory implements SqlDriverAdapterFactory, SqlDriver {
  readonly provider = "postgres" as const;
  readonly adapterName = "@prisma/adapter-pg";
  private readonly inner: PrismaPg;
  /** One pool for Prisma and for the SQL transactions of the ingest paths. */
  private readonly pool: pg.Pool;
  constructor(url: string) {
    // A bounded wait for a pooled connection: should the pool ever run dry, requests fail (and Shopify retries)
    // instead of hanging.
    //
    // Pipelined connections: a statement is sent as soon as it is issued, not once the one before has answered,
    // so BEGIN and a transaction's first statement, or statements issued together, share one round trip. Each
    // still has its own Sync: one that fails fails alone (in a transaction, those behind it then fail as aborted).
    // Prisma waits for each of its statements before the next, so for it nothing changes.
    //
    // Idle connections are kept (pg closes them after 10 s): a new backend starts cold, and a burst after a quiet
    // spell would pay for warming each (docs/decisions/007-keep-idle-pool-connections.md). allowExitOnIdle: idle
    // ones do not keep a finished script alive.
    this.pool = new pg.Pool({
      connectionString: url,
      max: serverConfig().databasePoolSize,
      connectionTimeoutMillis: 10_000,
      idleTimeoutMillis: 0,
      allowExitOnIdle: true,
      pipeline: true,
    });
    // No JIT compilation: the app's statements are index probes and small aggregates, for which compiling took
    // longer than running (53 of 132 ms of a recompute batch's evidence read; decision 023). Set on each new
    // connection rather than as a startup option, which some poolers refuse.
    this.pool.on("connect", (client) => {
      client.query("SET jit = off").catch(() => undefined); // a broken connection fails its next statement anyway
    });
    this.inner = new PrismaPg(this.pool, { disposeExternalPool: true });
  }
  async connect() {
    return releaseBrokenTransactions(await this.inner.connect());
  }
  readonly query: SqlQuery = async (text, params = []) => (await this.pool.query(text, [...params])).rows;
  async transaction<T>(work: (query: SqlQuery) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    // A connection that breaks between two statements emits "error" on its client: without a listener that
    // would be an uncaught exception; the next statement fails and the transaction with it.
    const ignoreUntilNextQuery = () => undefined;
    client.on("error", ignoreUntilNextQuery);
    let broken: Error | undefined;
    try {
      // BEGIN is not waited for on its own, but the work is waited for whatever BEGIN's fate: the client may not
      // go back to the pool while the work still has statements on it.
      const [begun, worked] = await Promise.allSettled([
        client.query("BEGIN"),
        work(async (text, params = []) => (await client.query(text, [...params])).rows),
      ]);
      if (begun.status === "rejected") throw begun.reason;
      if (worked.status === "rejected") throw worked.reason;
      await client.query("COMMIT");
      return worked.value;
    } catch (error) {
      // A ROLLBACK that fails means the connection is gone: the pool must discard it, not hand it out again.
      await client.query("ROLLBACK").catch((rollbackError: Error) => (broken = rollbackError));
      throw error;
    } finally {
      client.removeListener("error", ignoreUntilNextQuery);
      client.release(broken);
    }
  }
  async close() {
    if (!this.pool.ended) await this.pool.end();
  }
}
