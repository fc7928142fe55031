import { PrismaClient } from "@prisma/client";
import pg from "pg";
import { appAdapterFactory } from "../../app/db/adapter.server";
import type { SqlTransaction } from "../../app/db.server";
import type { PostgresCluster } from "../postgres-cluster";
import { migrate } from "../run";

/**
 * A fresh, migrated database on the benchmark's cluster, with a Prisma client and plain-SQL transactions on the same
 * driver (as the app has), and a plain pg client.
 */
export async function freshDatabase(cluster: PostgresCluster, name: string) {
  const admin = new pg.Client({ connectionString: cluster.serverUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  const url = cluster.databaseUrlFor(name);
  await migrate({ ...process.env, DATABASE_URL: url });
  const sql = new pg.Client({ connectionString: url });
  await sql.connect();
  const driver = appAdapterFactory(url);
  const prisma = new PrismaClient({ adapter: driver as never });
  const transaction: SqlTransaction = (work) => driver.transaction((query) => work({ query }));
  return {
    url,
    sql,
    prisma,
    transaction,
    async close() {
      await prisma.$disconnect();
      await sql.end();
    },
  };
}

/** Median wall time of `runs` calls after one warm-up call. */
export async function medianMs(runs: number, work: () => Promise<unknown>): Promise<number> {
  await work();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    await work();
    times.push(performance.now() - started);
  }
  return times.sort((a, b) => a - b)[Math.floor(times.length / 2)];
}
