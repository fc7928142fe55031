/**
 * `npm run reconcile -- --shop <domain>` (or `--all`): asks Shopify's Admin API for orders updated since each
 * shop's last sync and ingests the ones whose webhooks were missed; pixel-only orders are confirmed by id. Uses
 * the shop's offline session (unauthenticated.admin). Exits 1 if any shop failed. Stop the app first on PGlite.
 */
import { parseArgs } from "node:util";
import { pathToFileURL } from "node:url";
import { disconnectDatabase, prisma, sqlTransaction, type Db } from "../app/db.server";
import { keyStoredEmailHashes } from "../app/domain/email-hash.server";
import { reconcileShops, type AdminFor } from "../app/domain/orders/reconciliation-runner.server";
import { exitWhenDone } from "./run";

/** The command without the process around it: returns the exit code. */
export async function reconcileCommand(
  db: Db,
  args: string[],
  adminFor: AdminFor,
  write: (text: string) => void,
): Promise<number> {
  const { values } = parseArgs({ args, options: { shop: { type: "string" }, all: { type: "boolean" } } });
  if (!values.shop === !values.all) {
    write("usage: npm run reconcile -- --shop <shop>.myshopify.com | --all\n");
    return 2;
  }
  const results = await reconcileShops(db, adminFor, values.all ? "ALL_INSTALLED" : [values.shop!]);
  if (results.length === 0) {
    write(values.all ? "No installed shops in this database.\n" : `No shop ${values.shop} in this database.\n`);
    return values.all ? 0 : 1;
  }
  for (const result of results) {
    if (!result.ok) {
      write(`${result.shop}: failed: ${result.error}\n`);
      continue;
    }
    const { summary } = result;
    write(
      `${result.shop}: ${summary.fetched} orders updated since ${summary.since}: ${summary.outcomes.CREATED} missed and added, ` +
        `${summary.outcomes.UPDATED} updated, ${summary.outcomes.STALE} already current, ${summary.outcomes.REJECTED} unreadable; ` +
        `pixel-only orders confirmed ${summary.unverifiedConfirmed} of ${summary.unverifiedChecked}` +
        `${summary.unverifiedRetired > 0 ? ` (${summary.unverifiedRetired} unknown to Shopify, removed)` : ""}` +
        `${summary.outcomes.FAILED > 0 ? `; ${summary.outcomes.FAILED} could not be stored and will be asked for again` : ""}` +
        `${summary.failuresRetried > 0 ? `; earlier failures stored ${summary.failuresResolved} of ${summary.failuresRetried}` : ""}` +
        `${summary.attributionsRetried > 0 ? `; failed attributions computed again: ${summary.attributionsRetried - summary.attributionsStillFailing} of ${summary.attributionsRetried}` : ""}` +
        `${summary.complete ? "" : "; more to fetch, run again"}.\n`,
    );
  }
  return results.every((result) => result.ok) ? 0 : 1;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const { unauthenticated } = await import("../app/shopify.server");
  const adminFor = async (shop: string) => (await unauthenticated.admin(shop)).admin;
  exitWhenDone(
    // Orders it adds are hashed with per-shop keys: hashes stored before those keys are re-keyed first.
    keyStoredEmailHashes(sqlTransaction).then(() =>
      reconcileCommand(prisma, process.argv.slice(2), adminFor, (text) => process.stdout.write(text)),
    ),
    disconnectDatabase,
  );
}
