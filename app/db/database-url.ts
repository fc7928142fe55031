/**
 * DATABASE_URL names the engine, so one PostgreSQL schema runs on two:
 *   pglite:<dir> | pglite:memory   → PGlite (embedded WASM PostgreSQL, the default: needs nothing installed)
 *   postgres://… | postgresql://…   → a PostgreSQL server
 */
export const DEFAULT_DATABASE_URL = "pglite:./data/pglite";

export function databaseUrl(env: NodeJS.ProcessEnv = process.env): string {
  return env.DATABASE_URL && env.DATABASE_URL.trim() !== "" ? env.DATABASE_URL : DEFAULT_DATABASE_URL;
}

export const isPgliteUrl = (url: string) => url.startsWith("pglite:");
export const isPostgresUrl = (url: string) => /^postgres(ql)?:\/\//.test(url);

/** The directory of a `pglite:` URL; none for `pglite:memory` (or an empty one). */
export function pgliteDirectory(url: string): string | undefined {
  const dir = url.slice("pglite:".length);
  return dir === "" || dir === "memory" ? undefined : dir;
}

export function unsupportedDatabaseUrl(url: string): Error {
  return new Error(`Unsupported DATABASE_URL "${url}": use pglite:<dir>, pglite:memory or postgres://…`);
}

/** A postgres:// URL as node-postgres' discrete connection fields. */
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
