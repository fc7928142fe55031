/**
 * The driver adapter `prisma migrate` uses (prisma.config.ts), apart from the app's: it carries the patches only
 * the Prisma CLI and its Wasm schema engine need (docs/decisions/001-prisma-6-19-and-driver-adapter-patches.md).
 */
import { randomUUID } from "node:crypto";
import type { SqlDriverAdapter, SqlMigrationAwareDriverAdapterFactory } from "@prisma/driver-adapter-utils";
import { PrismaPg } from "@prisma/adapter-pg";
import { isPgliteUrl, isPostgresUrl, pgConfigFromUrl, unsupportedDatabaseUrl } from "./database-url";
import { PgliteAdapterFactory } from "./pglite.server";
import { assertPatchable } from "./pinned-packages.server";

/**
 * Patch (adapter-pg 6.19.3 under the Wasm schema engine): catalog columns of type `name` (OID 19) and `"char"`
 * (OID 18), and arrays of them, cannot be deserialised (prisma/prisma#27403): they are reported as text.
 */
const patchedPgPrototypes = new WeakSet<object>();
function catalogTypesAsText(adapter: SqlDriverAdapter): SqlDriverAdapter {
  let proto: object | null = adapter;
  while (proto && !Object.hasOwn(proto, "performIO")) proto = Object.getPrototypeOf(proto);
  if (!proto || patchedPgPrototypes.has(proto)) return adapter;
  assertPatchable("@prisma/adapter-pg", "catalog types as text");
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
 * Patch (adapter-pg 6.19.3): a migration is run by splitting it on every ";", which cuts a function body
 * (`$$ … ; … $$`, as in the report roll-up triggers) apart. PostgreSQL runs a parameterless multi-statement query
 * string itself, in one implicit transaction, so the script is sent whole.
 */
function runScriptsWhole(adapter: SqlDriverAdapter): SqlDriverAdapter {
  assertPatchable("@prisma/adapter-pg", "migration scripts sent whole");
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

const forMigrations = (adapter: SqlDriverAdapter) => runScriptsWhole(catalogTypesAsText(adapter));

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
    return forMigrations(await this.inner.connect());
  }
  // adapter-pg drops the shadow database before closing its pool, which fails while the pool
  // still holds connections; create and drop it ourselves, forcefully.
  async connectToShadowDb() {
    const main = await this.inner.connect();
    const name = `prisma_migrate_shadow_db_${randomUUID().replaceAll("-", "")}`;
    await main.executeScript(`CREATE DATABASE "${name}"`);
    const shadow = forMigrations(await new PrismaPg({ ...this.config, database: name }).connect());
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
 * Patch (@electric-sql/pglite 0.5.16, Prisma CLI only): PGlite re-arms a 10 s timer from its Emscripten
 * `setitimer` forever and the CLI never disposes the adapter, so `prisma migrate deploy` would finish its work
 * and never exit. Timers armed from there are unref'd; apps, scripts and tests close PGlite themselves.
 */
let pgliteTimersUnrefd = false;
function unrefPgliteTimers() {
  if (pgliteTimersUnrefd) return;
  assertPatchable("@electric-sql/pglite", "unref its setitimer timers in the Prisma CLI");
  pgliteTimersUnrefd = true;
  const original = globalThis.setTimeout;
  const patched = function (this: unknown, ...args: Parameters<typeof setTimeout>) {
    const timer = original.apply(this, args);
    if (new Error().stack?.includes("__setitimer_js")) timer?.unref?.();
    return timer;
  };
  globalThis.setTimeout = Object.assign(patched, original) as typeof setTimeout;
}

/** The adapter for `prisma migrate` (deploy, diff, dev) on the engine DATABASE_URL names. */
export function migrationAdapterFactory(url: string): SqlMigrationAwareDriverAdapterFactory {
  if (isPgliteUrl(url)) {
    unrefPgliteTimers();
    return new PgliteAdapterFactory(url);
  }
  if (isPostgresUrl(url)) return new PgMigrationAdapterFactory(url);
  throw unsupportedDatabaseUrl(url);
}
