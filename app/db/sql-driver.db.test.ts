import pg from "pg";
import { expect, it, vi } from "vitest";
import { disconnectDatabase, sqlTransaction } from "../db.server";
import { isPostgresUrl } from "./adapter.server";

/** Sessions on this test's database other than the observer's own. */
async function otherSessions(url: string): Promise<number> {
  const observer = new pg.Client({ connectionString: url });
  await observer.connect();
  try {
    const [row] = (await observer.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`)).rows;
    return row.n;
  } finally {
    await observer.end();
  }
}

// Found when a test file used only plain-SQL transactions: the driver's pool was closed by Prisma's dispose alone,
// so its connections outlived disconnectDatabase (and were cut by the test database's DROP … WITH (FORCE), an
// unhandled error; a script would wait for the pool's idle timeout before it could exit).
it("disconnectDatabase closes the driver's connections even when Prisma never connected", async () => {
  const url = process.env.DATABASE_URL!;
  expect(await sqlTransaction((tx) => tx.query<{ one: number }>(`SELECT 1 AS one`))).toEqual([{ one: 1 }]);
  if (isPostgresUrl(url)) expect(await otherSessions(url)).toBeGreaterThan(0);
  await disconnectDatabase();
  await expect(Promise.resolve().then(() => sqlTransaction((tx) => tx.query(`SELECT 1`)))).rejects.toThrow(/disconnected/);
  if (isPostgresUrl(url)) {
    // The server lets a session go a moment after the client has closed it.
    await vi.waitFor(async () => expect(await otherSessions(url)).toBe(0), { timeout: 2_000, interval: 50 });
  }
});
