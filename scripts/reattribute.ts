/**
 * npm run reattribute -- --shop <domain> [--batch-size N]
 *
 * Recomputes every order of one shop under its current settings, with a progress bar. Resumes the shop's
 * unfinished job if there is one (after a crash or Ctrl-C), else queues a new one. With the embedded PGlite
 * database stop the server first (PGlite allows one process); with PostgreSQL it can run beside the server.
 */
import { parseArgs } from "node:util";
import { disconnectDatabase, prisma } from "../app/db.server";
import { DEFAULT_BATCH_SIZE, requestReattribution, runReattribution, type JobProgress } from "../app/domain/attribution/reattribution.server";
import { findShop } from "../app/domain/shops.server";

function progressBar({ processed, total }: JobProgress, width = 30): string {
  const ratio = total === 0 ? 1 : Math.min(1, processed / total);
  const filled = Math.round(ratio * width);
  return `[${"#".repeat(filled)}${"-".repeat(width - filled)}] ${processed}/${total} orders (${Math.round(ratio * 100)}%)`;
}

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { shop: { type: "string" }, "batch-size": { type: "string" } } });
  const batchSize = values["batch-size"] ? Number(values["batch-size"]) : DEFAULT_BATCH_SIZE;
  if (!values.shop || !Number.isInteger(batchSize) || batchSize < 1) {
    console.error("usage: npm run reattribute -- --shop <shop>.myshopify.com [--batch-size N]");
    return 2;
  }
  const shop = await findShop(prisma, values.shop);
  if (!shop) {
    console.error(`No shop ${values.shop} in this database.`);
    return 1;
  }
  const unfinished = await prisma.reattributionJob.findFirst({
    where: { shopId: shop.id, status: { in: ["PENDING", "RUNNING"] }, settingsVersion: shop.settingsVersion },
  });
  const job = unfinished ?? (await requestReattribution(prisma, shop.id));
  console.error(`${unfinished ? "Resuming" : "Started"} re-attribution of ${shop.domain} under settings v${job.settingsVersion}.`);
  const interactive = process.stderr.isTTY;
  const finished = await runReattribution(prisma, job.id, {
    batchSize,
    onProgress: (progress) => process.stderr.write(interactive ? `\r${progressBar(progress)}` : `${progressBar(progress)}\n`),
  });
  if (interactive) process.stderr.write("\n");
  console.error(`${finished.status === "DONE" ? "Done" : `Stopped (${finished.status})`}: ${finished.processed} orders recomputed.`);
  return finished.status === "DONE" ? 0 : 1;
}

main()
  .then(async (code) => {
    await disconnectDatabase();
    process.exit(code);
  })
  .catch(async (error) => {
    console.error(error);
    await disconnectDatabase();
    process.exit(1);
  });
