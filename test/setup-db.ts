/**
 * Gives each DB test file its own empty database on the real engine, with the checked-in migrations
 * applied: an in-memory PGlite by default, or a fresh database on the PostgreSQL server named by
 * TEST_DATABASE_URL (see scripts/with-postgres.ts). Runs before the test file imports app modules, so
 * the app's one database module connects to it.
 */
import { randomUUID } from "node:crypto";
import pg from "pg";
import { afterAll } from "vitest";
import { migrationScripts } from "./migrations";

const serverUrl = process.env.TEST_DATABASE_URL;
let dropDatabase: (() => Promise<void>) | undefined;

if (serverUrl) {
  const name = `test_${randomUUID().replaceAll("-", "")}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  process.env.DATABASE_URL = url.toString();
  const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await client.connect();
  for (const script of migrationScripts()) await client.query(script);
  await client.end();
  dropDatabase = async () => {
    const cleanup = new pg.Client({ connectionString: serverUrl });
    await cleanup.connect();
    await cleanup.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await cleanup.end();
  };
} else {
  process.env.DATABASE_URL = "pglite:memory";
  const { openPglite } = await import("../app/db/pglite.server");
  const db = await openPglite(process.env.DATABASE_URL);
  for (const script of migrationScripts()) await db.exec(script);
}

afterAll(async () => {
  const { disconnectDatabase } = await import("../app/db.server");
  await disconnectDatabase();
  await dropDatabase?.();
});
