/**
 * The app's database adapter, chosen from DATABASE_URL (database-url.ts): Prisma's driver adapter, and SQL
 * transactions on the same connection(s) for the ingest paths (sql-driver.ts). `prisma migrate` uses its own,
 * migration-adapter.server.ts.
 */
import type { SqlDriverAdapterFactory } from "@prisma/driver-adapter-utils";
import { isPgliteUrl, isPostgresUrl, unsupportedDatabaseUrl } from "./database-url";
import { PgliteAdapterFactory } from "./pglite.server";
import { PgAdapterFactory } from "./postgres.server";
import type { SqlDriver } from "./sql-driver";

export function appAdapterFactory(url: string): SqlDriverAdapterFactory & SqlDriver {
  if (isPgliteUrl(url)) return new PgliteAdapterFactory(url);
  if (isPostgresUrl(url)) return new PgAdapterFactory(url);
  throw unsupportedDatabaseUrl(url);
}
