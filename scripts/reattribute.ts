/**
 * npm run reattribute -- --shop <domain> [--batch-size N]
 *
 * Recomputes every order of one shop under its current settings, with a progress bar. Resumes the shop's
 * unfinished job if there is one (after a crash or Ctrl-C), else queues a new one. With the embedded PGlite
 * database stop the server first (PGlite allows one process); with PostgreSQL it can run beside the server.
 */
import { parseArgs } from "node:util";
import { pathToFileURL } from "node:url";
import { disconnectDatabase, prisma, type Db } from "../app/db.server";
import {
  DEFAULT_BATCH_SIZE,
  requestReattribution,
  runReattribution,
  type JobProgress,
} from "../app/domain/attribution/reattribution.server";
import { unfinishedReattributions } from "../app/domain/attribution/reattribution-jobs.server";
import { findShop } from "../app/domain/shops.server";
import { exitWhenDone } from "./run";

export function progressBar({ processed, total }: JobProgress, width = 30): string {
  const ratio = total === 0 ? 1 : Math.min(1, processed / total);
  const filled = Math.round(ratio * width);
  return `[${"#".repeat(filled)}${"-".repeat(width - filled)}] ${processed}/${total} orders (${Math.round(ratio * 100)}%)`;
}

export interface CliOutput {
  write(text: string): void;
  /** A terminal redraws one bar in place; a log gets a line per batch. */
  interactive: boolean;
}

/** The command without the process around it: returns the exit code. */
export async function reattributeCommand(db: Db, args: string[], out: CliOutput): Promise<number> {
  const { values } = parseArgs({ args, options: { shop: { type: "string" }, "batch-size": { type: "string" } } });
  const batchSize = values["batch-size"] ? Number(values["batch-size"]) : DEFAULT_BATCH_SIZE;
  if (!values.shop || !Number.isInteger(batchSize) || batchSize < 1) {
    out.write("usage: npm run reattribute -- --shop <shop>.myshopify.com [--batch-size N]\n");
    return 2;
  }
  const shop = await findShop(db, values.shop);
  if (!shop) {
    out.write(`No shop ${values.shop} in this database.\n`);
    return 1;
  }
  const unfinished = (await unfinishedReattributions(db, shop.id)).find(
    (job) => job.settingsVersion === shop.settingsVersion,
  );
  const job = unfinished ?? (await requestReattribution(db, shop.id));
  out.write(
    `${unfinished ? "Resuming" : "Started"} re-attribution of ${shop.domain} under settings v${job.settingsVersion}.\n`,
  );
  const finished = await runReattribution(db, job.id, {
    batchSize,
    onProgress: (progress) => out.write(out.interactive ? `\r${progressBar(progress)}` : `${progressBar(progress)}\n`),
  });
  if (out.interactive) out.write("\n");
  // A resumed job may be a settings change's, which recomputes only the orders that name a conversation.
  const recomputed =
    finished.scope === "ALL"
      ? `${finished.processed} orders recomputed`
      : `${finished.processed} orders checked, ${finished.recomputed} recomputed`;
  const skipped =
    finished.failedOrders > 0
      ? ` ${finished.failedOrders} could not be attributed: kept unattributed, retried by reconciliation.`
      : "";
  out.write(`${finished.status === "DONE" ? "Done" : `Stopped (${finished.status})`}: ${recomputed}.${skipped}\n`);
  return finished.status === "DONE" ? 0 : 1;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const out: CliOutput = { write: (text) => process.stderr.write(text), interactive: process.stderr.isTTY };
  exitWhenDone(reattributeCommand(prisma, process.argv.slice(2), out), disconnectDatabase);
}
