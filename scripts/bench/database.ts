import { PrismaClient } from "@prisma/client";
import pg from "pg";
import { appAdapterFactory } from "../../app/db/adapter.server";
import type { Db, SqlTransaction } from "../../app/db.server";
import { settingsFormOf, settingsInputSchema, updateShopSettings } from "../../app/domain/settings.server";
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

/** A merchant sets the shop's led window in Settings: returns the recompute it queues. */
export async function setLedWindow(db: Db, shopId: string, hours: number) {
  const shop = await db.shop.findUniqueOrThrow({ where: { id: shopId } });
  const input = settingsInputSchema.parse({ ...settingsFormOf(shop), ledWindowHours: String(hours) });
  const { job } = await updateShopSettings(db, shop, input);
  if (!job) throw new Error("the settings change queued no recompute");
  return job;
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
