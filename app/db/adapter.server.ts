/**
 * Chooses the Prisma driver adapter from DATABASE_URL, so one PostgreSQL schema runs on two engines:
 *   pglite:<dir> | pglite:memory        → PGlite (embedded WASM PostgreSQL, the default: needs nothing installed)
 *   postgres://… | postgresql://…        → a real PostgreSQL server through @prisma/adapter-pg
 *
 * The workarounds below are for defects of the exact versions pinned in package.json
 * (Prisma 6.19 with its Wasm schema engine, pglite-prisma-adapter 0.6.1, adapter-pg 6.19);
 * see docs/decisions/001-prisma-6-19-and-driver-adapter-patches.md.
 */
import { mkdirSync } from "node:fs";
import { randomUUID } from "node:crypto";
import { PGlite } from "@electric-sql/pglite";
import pg from "pg";
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaPGlite } from "pglite-prisma-adapter";
import { lockPgliteDirectory } from "./pglite-lock.server";
import type {
  SqlDriverAdapter,
  SqlDriverAdapterFactory,
  SqlMigrationAwareDriverAdapterFactory,
  Transaction,
} from "@prisma/driver-adapter-utils";

export const DEFAULT_DATABASE_URL = "pglite:./data/pglite";

export function databaseUrl(env: NodeJS.ProcessEnv = process.env): string {
  return env.DATABASE_URL && env.DATABASE_URL.trim() !== "" ? env.DATABASE_URL : DEFAULT_DATABASE_URL;
}

export const isPgliteUrl = (url: string) => url.startsWith("pglite:");
export const isPostgresUrl = (url: string) => /^postgres(ql)?:\/\//.test(url);

function pgliteDirectory(url: string): string | undefined {
  const dir = url.slice("pglite:".length);
  return dir === "" || dir === "memory" ? undefined : dir;
}

// PGlite is a single connection living in this process. Opening one directory from two
// processes corrupts it, so the app, the CLI and scripts each hold exactly one instance, and the
// directory's lock (pglite-lock.server.ts) refuses a second process. It lives on globalThis because
// the Remix server bundle and the scripts that start it load separate copies of this module.
const holder = globalThis as unknown as { __pglite?: { url: string; db: PGlite; unlock: () => void } };

export async function openPglite(url: string): Promise<PGlite> {
  const existing = holder.__pglite;
  if (existing && existing.url === url && !existing.db.closed) return existing.db;
  const dir = pgliteDirectory(url);
  if (dir) mkdirSync(dir, { recursive: true }); // PGlite fails with "External error id#0" otherwise
  const unlock = dir ? lockPgliteDirectory(dir) : () => {};
  try {
    const db = new PGlite(dir);
    await db.waitReady;
    holder.__pglite = { url, db, unlock };
    return db;
  } catch (error) {
    unlock();
    throw error;
  }
}

export async function closePglite(): Promise<void> {
  const current = holder.__pglite;
  holder.__pglite = undefined;
  if (current && !current.db.closed) await current.db.close();
  current?.unlock();
}

type PgliteConnection = SqlDriverAdapter & { onError?: (e: unknown) => never };

// pglite-prisma-adapter 0.6.1: a parameterless executeRaw goes through the extended protocol,
// which rejects multi-statement SQL (migrations), and executeScript does not await. Route both
// through PGlite's exec().
function patchPgliteConnection(adapter: SqlDriverAdapter, db: PGlite): SqlDriverAdapter {
  const connection = adapter as PgliteConnection;
  const executeRaw = connection.executeRaw.bind(connection);
  connection.executeRaw = async (query) => {
    if (query.args?.length) return executeRaw(query);
    const results = await db.exec(query.sql);
    return results.reduce((n, r) => n + (r.affectedRows ?? 0), 0);
  };
  connection.executeScript = async (script) => {
    await db.exec(script);
  };
  return connection;
}

// pglite-prisma-adapter 0.6.1 is typed against an older driver-adapter-utils than Prisma 6.19's;
// the runtime interface is the same (it is what the offline-toolchain probe ran).
async function connectPglite(db: PGlite): Promise<SqlDriverAdapter> {
  const adapter = (await new PrismaPGlite(db).connect()) as unknown as SqlDriverAdapter;
  return patchPgliteConnection(adapter, db);
}

class PgliteAdapterFactory implements SqlMigrationAwareDriverAdapterFactory, SqlDriver {
  readonly provider = "postgres" as const;
  readonly adapterName = "pglite-prisma-adapter";
  constructor(private readonly url: string) {}
  async connect() {
    return connectPglite(await openPglite(this.url));
  }
  // PGlite's transaction() holds its connection for the whole callback; Prisma's PGlite transactions take the
  // same one, so the two queue behind each other.
  readonly query: SqlQuery = async (text, params = []) =>
    (await (await openPglite(this.url)).query(text, [...params])).rows as never;
  async transaction<T>(work: (query: SqlQuery) => Promise<T>): Promise<T> {
    const db = await openPglite(this.url);
    return db.transaction((tx) =>
      work(inIssueOrder(async (text, params = []) => (await tx.query(text, [...params])).rows as never)),
    );
  }
  async close() {
    // The one PGlite instance is shared with Prisma and closed by closePglite().
  }
  async connectToShadowDb() {
    const db = new PGlite();
    await db.waitReady;
    const adapter = await connectPglite(db);
    const dispose = adapter.dispose.bind(adapter);
    adapter.dispose = async () => {
      await dispose();
      await db.close();
    };
    return adapter;
  }
}

// adapter-pg 6.19 under the Wasm schema engine cannot deserialise catalog columns of type
// `name` (OID 19) and `"char"` (OID 18) (prisma/prisma#27403): report them as text.
const patchedPgPrototypes = new WeakSet<object>();
function patchPgCatalogTypes(adapter: SqlDriverAdapter): SqlDriverAdapter {
  let proto: object | null = adapter;
  while (proto && !Object.hasOwn(proto, "performIO")) proto = Object.getPrototypeOf(proto);
  if (!proto || patchedPgPrototypes.has(proto)) return adapter;
  patchedPgPrototypes.add(proto);
  const target = proto as { performIO: (q: unknown) => Promise<{ fields?: { dataTypeID: number }[] }> };
  const performIO = target.performIO;
  target.performIO = async function (this: unknown, query: unknown) {
    const result = await performIO.call(this, query);
    for (const field of result.fields ?? []) {
      if (field.dataTypeID === 19 || field.dataTypeID === 18) field.dataTypeID = 25;
      else if (field.dataTypeID === 1003 || field.dataTypeID === 1002) field.dataTypeID = 1009;
    }
    return result;
  };
  return adapter;
}

/**
 * adapter-pg 6.19 runs a migration by splitting it on every ";", which cuts a function body (`$$ … ; … $$`, as in
 * the report roll-up triggers) apart. PostgreSQL runs a parameterless multi-statement query string itself, in one
 * implicit transaction, so the script is sent whole.
 */
function runScriptsWhole(adapter: SqlDriverAdapter): SqlDriverAdapter {
  const connection = adapter as SqlDriverAdapter & {
    client: { query(sql: string): Promise<unknown> };
    onError(error: unknown): never;
  };
  connection.executeScript = async (script) => {
    try {
      await connection.client.query(script);
    } catch (error) {
      connection.onError(error);
    }
  };
  return connection;
}

export function pgConfigFromUrl(url: string) {
  const u = new URL(url);
  return {
    host: u.hostname,
    port: Number(u.port || 5432),
    user: decodeURIComponent(u.username),
    password: decodeURIComponent(u.password) || undefined,
    database: decodeURIComponent(u.pathname.slice(1)) || undefined,
    ...(u.searchParams.get("sslmode") === "require" ? { ssl: { rejectUnauthorized: false } } : {}),
  };
}

class PgMigrationAdapterFactory implements SqlMigrationAwareDriverAdapterFactory {
  readonly provider = "postgres" as const;
  readonly adapterName = "@prisma/adapter-pg";
  // Discrete fields, not a connectionString: adapter-pg builds the shadow pool as
  // {...config, database: shadow}, and a connectionString would win over `database`.
  private readonly config: ReturnType<typeof pgConfigFromUrl>;
  private readonly inner: PrismaPg;
  constructor(url: string) {
    this.config = pgConfigFromUrl(url);
    this.inner = new PrismaPg(this.config);
  }
  async connect() {
    return runScriptsWhole(patchPgCatalogTypes(await this.inner.connect()));
  }
  // adapter-pg drops the shadow database before closing its pool, which fails while the pool
  // still holds connections; create and drop it ourselves, forcefully.
  async connectToShadowDb() {
    const main = await this.inner.connect();
    const name = `prisma_migrate_shadow_db_${randomUUID().replaceAll("-", "")}`;
    await main.executeScript(`CREATE DATABASE "${name}"`);
    const shadow = runScriptsWhole(
      patchPgCatalogTypes(await new PrismaPg({ ...this.config, database: name }).connect()),
    );
    const dispose = shadow.dispose.bind(shadow);
    shadow.dispose = async () => {
      await dispose();
      await main.executeScript(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await main.dispose();
    };
    return shadow;
  }
}

/**
 * Prisma 6.19 with adapter-pg 6.19: when the server goes away mid-transaction (restart, failover), Prisma's
 * ROLLBACK fails and it never calls the adapter's rollback(), the only place the pool client is released. After
 * `max` such transactions the pool is empty and every later request waits for a connection forever — found by
 * the fault run (scripts/fault-run.ts). A transaction whose COMMIT or ROLLBACK fails releases its client with
 * the error (pg then discards the connection instead of reusing it).
 */
function releaseBrokenTransactions(adapter: SqlDriverAdapter): SqlDriverAdapter {
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

class PgAdapterFactory implements SqlDriverAdapterFactory, SqlDriver {
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
      connectionTimeoutMillis: 10_000,
      idleTimeoutMillis: 0,
      allowExitOnIdle: true,
      pipeline: true,
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

// Prisma CLI only: PGlite re-arms a 10 s stats timer forever and the CLI never disposes the
// adapter, so `prisma migrate deploy` would finish its work and then never exit.
let pgliteTimersUnrefd = false;
function unrefPgliteTimers() {
  if (pgliteTimersUnrefd) return;
  pgliteTimersUnrefd = true;
  const original = globalThis.setTimeout;
  const patched = function (this: unknown, ...args: Parameters<typeof setTimeout>) {
    const timer = original.apply(this, args);
    if (new Error().stack?.includes("__setitimer_js")) timer?.unref?.();
    return timer;
  };
  globalThis.setTimeout = Object.assign(patched, original) as typeof setTimeout;
}

/**
 * SQL straight to the driver, without Prisma's query compiler (about 1 ms of CPU per model query in Prisma 6.19,
 * 0.4 ms per raw query): for the ingest paths, where one request is a handful of statements and the compiler
 * was most of the server's time. Rows come back as the driver parses them; see `Sql` in db.server.ts.
 */
export type SqlQuery = <Row>(text: string, params?: readonly unknown[]) => Promise<Row[]>;

/**
 * Statements run in the order they are issued, also when the caller issues one before the last has answered
 * (`Sql` promises that inside a transaction; see db.server.ts). For a connection that would otherwise be free to
 * reorder them: each statement starts once the one before it has settled, whatever its outcome (inside a
 * transaction a failed statement fails those behind it anyway).
 */
export function inIssueOrder(query: SqlQuery): SqlQuery {
  let previous: Promise<unknown> = Promise.resolve();
  return <Row>(text: string, params?: readonly unknown[]) => {
    const result = previous.then(() => query<Row>(text, params));
    previous = result.catch(() => undefined);
    return result;
  };
}
export interface SqlDriver {
  /** One statement on its own (autocommitted). */
  query: SqlQuery;
  transaction<T>(work: (query: SqlQuery) => Promise<T>): Promise<T>;
  /** Closes the driver's own connections, which Prisma closes only if it ever connected itself. */
  close(): Promise<void>;
}

/** The app's adapter: Prisma's driver adapter, and SQL transactions on the same connection(s). */
export function appAdapterFactory(url: string): SqlDriverAdapterFactory & SqlDriver {
  if (isPgliteUrl(url)) return new PgliteAdapterFactory(url);
  if (isPostgresUrl(url)) return new PgAdapterFactory(url);
  throw new Error(`Unsupported DATABASE_URL "${url}": use pglite:<dir>, pglite:memory or postgres://…`);
}

/** The app's adapter, or with `cli` the one `prisma migrate` uses. */
export function adapterFactoryFor(
  url: string,
  { cli = false } = {},
): SqlMigrationAwareDriverAdapterFactory | SqlDriverAdapterFactory {
  if (!cli) return appAdapterFactory(url);
  if (isPgliteUrl(url)) {
    unrefPgliteTimers();
    return new PgliteAdapterFactory(url);
  }
  if (isPostgresUrl(url)) return new PgMigrationAdapterFactory(url);
  throw new Error(`Unsupported DATABASE_URL "${url}": use pglite:<dir>, pglite:memory or postgres://…`);
}
