/**
 * PGlite, the embedded engine: the one instance of this process, and the Prisma driver adapter over it.
 * PGlite is one process's database (docs/decisions/002-pglite-is-one-process.md).
 */
import { mkdirSync } from "node:fs";
import { PGlite } from "@electric-sql/pglite";
import type { SqlDriverAdapter, SqlMigrationAwareDriverAdapterFactory } from "@prisma/driver-adapter-utils";
import { PrismaPGlite } from "pglite-prisma-adapter";
import { pgliteDirectory } from "./database-url";
import { lockPgliteDirectory } from "./pglite-lock.server";
import { assertPatchable } from "./pinned-packages.server";
import { sequentialQueries, type SqlDriver, type SqlQuery } from "./sql-driver";

// The app, the CLI and scripts each hold exactly one instance, and the directory's lock
// (pglite-lock.server.ts) refuses a second process. It lives on globalThis because the Remix server bundle and
// the scripts that start it load separate copies of this module.
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

/**
 * Patch (pglite-prisma-adapter 0.6.1): a parameterless executeRaw goes through the extended protocol, which
 * rejects multi-statement SQL (migrations), and executeScript does not await. Both go through PGlite's exec().
 */
function runScriptsThroughExec(adapter: SqlDriverAdapter, db: PGlite): SqlDriverAdapter {
  assertPatchable("pglite-prisma-adapter", "scripts through PGlite exec()");
  const executeRaw = adapter.executeRaw.bind(adapter);
  adapter.executeRaw = async (query) => {
    if (query.args?.length) return executeRaw(query);
    const results = await db.exec(query.sql);
    return results.reduce((n, r) => n + (r.affectedRows ?? 0), 0);
  };
  adapter.executeScript = async (script) => {
    await db.exec(script);
  };
  return adapter;
}

// pglite-prisma-adapter 0.6.1 is typed against an older driver-adapter-utils than Prisma 6.19's; the runtime
// interface is the same.
async function connectPglite(db: PGlite): Promise<SqlDriverAdapter> {
  const adapter = (await new PrismaPGlite(db).connect()) as unknown as SqlDriverAdapter;
  return runScriptsThroughExec(adapter, db);
}

export class PgliteAdapterFactory implements SqlMigrationAwareDriverAdapterFactory, SqlDriver {
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
      work(sequentialQueries(async (text, params = []) => (await tx.query(text, [...params])).rows as never)),
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
