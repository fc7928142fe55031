import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import pg from "pg";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { disconnectDatabase, prisma, sql, prismaSql, sqlTransaction, type SqlTransaction } from "../db.server";
import { isPostgresUrl } from "./database-url";

const execFileAsync = promisify(execFile);

// The ingest paths issue statements that do not need each other's rows together (on PostgreSQL the driver then
// sends them without waiting: one round trip). `Sql` promises they still run in the order issued, on every way a
// transaction is run, and that a failure fails the transaction and everything issued behind it.
const transactions: [string, SqlTransaction][] = [
  ["a plain-SQL transaction on the driver", sqlTransaction],
  ["a Prisma transaction through prismaSql", (work) => prisma.$transaction((tx) => work(prismaSql(tx)))],
];

describe.each(transactions)("statements issued together in %s", (_way, transaction) => {
  beforeAll(async () => {
    await sql.query(`CREATE TABLE IF NOT EXISTS "IssueOrderProbe" (id int PRIMARY KEY, word text NOT NULL)`);
  });

  it("run in the order issued: each sees what the one before it wrote", async () => {
    const seen = await transaction(async (tx) => {
      await tx.query(`DELETE FROM "IssueOrderProbe"`);
      const [, , , words] = await Promise.all([
        tx.query(`INSERT INTO "IssueOrderProbe" (id, word) VALUES (1, 'a')`),
        tx.query(`UPDATE "IssueOrderProbe" SET word = word || $1 WHERE id = 1`, ["b"]),
        tx.query(`UPDATE "IssueOrderProbe" SET word = word || $1 WHERE id = 1`, ["c"]),
        tx.query<{ word: string }>(`SELECT word FROM "IssueOrderProbe" WHERE id = 1`),
      ]);
      return words;
    });
    expect(seen).toEqual([{ word: "abc" }]);
  });

  it("fail together when one fails: nothing is committed, and the next transaction starts clean", async () => {
    await sql.query(`DELETE FROM "IssueOrderProbe"`);
    let statuses: string[] = [];
    const work = transaction(async (tx) => {
      const outcomes = await Promise.allSettled([
        tx.query(`INSERT INTO "IssueOrderProbe" (id, word) VALUES (1, 'written first')`),
        tx.query(`INSERT INTO "IssueOrderProbe" (id, word) VALUES (1, 'duplicate key')`),
        tx.query(`INSERT INTO "IssueOrderProbe" (id, word) VALUES (2, 'issued after the failure')`),
      ]);
      statuses = outcomes.map((outcome) => outcome.status);
      const failed = outcomes.find((outcome) => outcome.status === "rejected");
      if (failed) throw failed.reason;
    });
    // (Prisma on PGlite loses the server's message: only the failure itself is common to every way.)
    await expect(work).rejects.toThrow();
    expect(statuses).toEqual(["fulfilled", "rejected", "rejected"]);
    expect(await transaction((tx) => tx.query(`SELECT id, word FROM "IssueOrderProbe" ORDER BY id`))).toEqual([]);
  });
});

/** Sessions on this test's database other than the observer's own. */
async function otherSessions(url: string): Promise<number> {
  const observer = new pg.Client({ connectionString: url });
  await observer.connect();
  try {
    const [row] = (
      await observer.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`,
      )
    ).rows;
    return row.n;
  } finally {
    await observer.end();
  }
}

describe.runIf(isPostgresUrl(process.env.DATABASE_URL!))("pooled connections to a PostgreSQL server", () => {
  const backendPid = async () =>
    (await sqlTransaction((tx) => tx.query<{ pid: number }>(`SELECT pg_backend_pid() AS pid`)))[0].pid;

  // A new backend starts with cold caches and uncompiled trigger functions (see the pool's options): pg closes an
  // idle connection after 10 s unless told not to, so the first burst after a quiet spell paid for warming every
  // connection it reopened.
  it("are kept while idle, so the next burst finds the backends it warmed", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    try {
      const before = await backendPid();
      vi.advanceTimersByTime(60 * 60_000);
      expect(await backendPid()).toBe(before);
    } finally {
      vi.useRealTimers();
    }
  });

  // Compiling a recompute batch's evidence read took 53 of its 132 ms (decision 023).
  it("compile no statement (JIT off), through Prisma, plain SQL and transactions alike", async () => {
    const jitOf = (rows: { jit: string }[]) => rows[0].jit;
    const seen = await Promise.all([
      sql.query<{ jit: string }>("SHOW jit").then(jitOf),
      sqlTransaction((tx) => tx.query<{ jit: string }>("SHOW jit")).then(jitOf),
      prisma.$queryRawUnsafe<{ jit: string }[]>("SHOW jit").then(jitOf),
      prisma.$transaction((tx) => tx.$queryRawUnsafe<{ jit: string }[]>("SHOW jit")).then(jitOf),
    ]);
    expect(seen).toEqual(["off", "off", "off", "off"]);
  });

  it("do not keep a script alive that is done but never disconnected", async () => {
    const script = `import { sql } from "./app/db.server.ts"; await sql.query("SELECT 1"); console.log("queried");`;
    // Without allowExitOnIdle the kept connection holds the event loop open: the child never exits, and
    // execFile kills it at the timeout and rejects.
    const { stdout } = await execFileAsync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
      cwd: path.resolve(import.meta.dirname, "../.."),
      timeout: 20_000,
    });
    expect(stdout.trim()).toBe("queried");
  }, 40_000);
});

// Found when a test file used only plain-SQL transactions: the driver's pool was closed by Prisma's dispose alone,
// so its connections outlived disconnectDatabase (and were cut by the test database's DROP … WITH (FORCE), an
// unhandled error; a script would wait for the pool's idle timeout before it could exit).
it("disconnectDatabase closes the driver's connections even when Prisma never connected", async () => {
  const url = process.env.DATABASE_URL!;
  expect(await sqlTransaction((tx) => tx.query<{ one: number }>(`SELECT 1 AS one`))).toEqual([{ one: 1 }]);
  if (isPostgresUrl(url)) expect(await otherSessions(url)).toBeGreaterThan(0);
  await disconnectDatabase();
  await expect(Promise.resolve().then(() => sqlTransaction((tx) => tx.query(`SELECT 1`)))).rejects.toThrow(
    /disconnected/,
  );
  if (isPostgresUrl(url)) {
    // The server lets a session go a moment after the client has closed it.
    await vi.waitFor(async () => expect(await otherSessions(url)).toBe(0), { timeout: 2_000, interval: 50 });
  }
});
