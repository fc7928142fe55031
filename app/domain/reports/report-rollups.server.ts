/**
 * Daily roll-ups behind the Insights summary. At a million orders a 30-day summary read ~150 K orders, ~750 K
 * touches and ~300 K cart events per request (3 s); per-day aggregates make it a read of a few hundred rows.
 *
 * Correctness does not depend on the refresh job: each aggregate below is written once and used both to fill a
 * roll-up table and to compute live, in the statement that reads the roll-ups, every day that has a dirty mark
 * (the migration's triggers add one for every change to an order, line item, attribution, cart event or touch that
 * a report can see). A day is read from its roll-up only when no mark lies on it.
 *
 * Every aggregate reads `w(day)`, the local days to aggregate, selects `day` first and then exactly the roll-up
 * table's columns.
 */
import { Prisma, type Shop } from "@prisma/client";
import { prismaSql, type Db, type DbTx, type Sql } from "../../db.server";
import { errorMessage } from "../../lib/error-message";
import { unfinishedReattributions } from "../attribution/reattribution-jobs.server";
import { chatInfluencedLine, lineNetShare } from "./chat-lines.server";
import { addDays, dayInZone, reportTimezone, startOfDayInZone, type Day, type ReportRange } from "./date-range";
import { countedAttributed, localDate, qualifyingAnswer, utc } from "./report-sql.server";

export type RollupShop = Pick<Shop, "id" | "timezone" | "requireAnswerFound">;

interface Rollup {
  table: Prisma.Sql;
  /** Its bit in a dirty mark's `rollups`: the migrations' triggers name the roll-ups each change can move. */
  bit: number;
  /** The roll-up table's dimension and measure columns, in the aggregate's column order (after `day`). */
  columns: string[];
  aggregate: (shop: RollupShop, rowsIn: RowsOfDays) => Prisma.Sql;
}

/**
 * How an aggregate reaches the shop's rows of `table` whose local day (by `time`) is one of the days in `w`, as
 * `alias` (with the columns listed, all from `x`), so that `w.day` is each row's local day.
 */
type RowsOfDays = (table: string, time: string, columns: string, alias: string) => Prisma.Sql;

/**
 * Rows are found by constant UTC ranges covering the days (one per run of consecutive days, with an hour of margin
 * for zone transitions) and given their local day in SQL; rows of days not asked for fall out in the join on `day`.
 * Constants matter: with the bounds as parameters the planner guessed 5 K orders for one day, hashed all million
 * attributions, and a single live day cost 200 ms; with them it probes the day's 4 K orders' attributions.
 */
const rowsOfDays =
  (shop: RollupShop, timezone: string, days: Day[]): RowsOfDays =>
  (table, time, columns, alias) => {
    const column = Prisma.raw(`x."${time}"`);
    const ranges = dayRuns(days).map(([first, last]) => {
      const from = new Date(startOfDayInZone(first, timezone).getTime() - HOUR_MS);
      const to = new Date(startOfDayInZone(addDays(last, 1), timezone).getTime() + HOUR_MS);
      return Prisma.sql`(${column} >= ${utc(from)} AND ${column} < ${utc(to)})`;
    });
    return Prisma.sql`
      JOIN (SELECT ${localDate(column, timezone)} AS day, ${Prisma.raw(columns)} FROM ${Prisma.raw(`"${table}"`)} x
        WHERE x."shopId" = ${shop.id}::uuid AND (${Prisma.join(ranges, " OR ")})) ${Prisma.raw(alias)}
      ON ${Prisma.raw(alias)}.day = w.day`;
  };

const HOUR_MS = 3_600_000;
/** More runs than this are read as one range from the first day to the last. */
const MOST_RANGES = 4;

/** Consecutive days as [first, last] runs. */
function dayRuns(days: Day[]): [Day, Day][] {
  const runs: [Day, Day][] = [];
  for (const day of [...days].sort()) {
    const last = runs[runs.length - 1];
    if (last && addDays(last[1], 1) === day) last[1] = day;
    else runs.push([day, day]);
  }
  return runs.length > MOST_RANGES ? [[runs[0][0], runs[runs.length - 1][1]]] : runs;
}

const ORDER_COLUMNS = `x.id, x."processedAt", x."createdAt", x."grossAmount", x."netAmount"`;

/**
 * Orders with an attribution, by class, source, exclusion (counted ones are those without an exclusion) and the
 * evidence that matched them.
 */
export const ORDER_DAYS: Rollup = {
  table: Prisma.sql`"ReportOrderDay"`,
  bit: 1,
  columns: ["classification", "surface", "variant", "excludedReason", "matchedBy", "orders", "gross", "net"],
  aggregate: (shop, rowsIn) => Prisma.sql`
    SELECT w.day, a.classification, a.surface, cv.variant, a."excludedReason", a."matchedBy", count(*)::int,
           coalesce(sum(o."grossAmount"), 0), coalesce(sum(o."netAmount"), 0)
    FROM w ${rowsIn("Order", "processedAt", ORDER_COLUMNS, "o")} JOIN "Attribution" a ON a."orderId" = o.id
      ${creditedVariant}
    GROUP BY w.day, a.classification, a.surface, cv.variant, a."excludedReason", a."matchedBy"`,
};

/** Cart events of qualified conversations: adds and increases count up, decreases and removals down. */
export const CART_DAYS: Rollup = {
  table: Prisma.sql`"ReportCartDay"`,
  bit: 2,
  columns: ["surface", "variant", "currency", "amount", "products", "events"],
  aggregate: (shop, rowsIn) => {
    const signed = Prisma.sql`(CASE WHEN ce.type IN ('ITEM_ADDED', 'QUANTITY_INCREASED') THEN 1 ELSE -1 END) * ce.quantity`;
    return Prisma.sql`
      SELECT w.day, c.surface, c.variant, ce.currency, sum(${signed} * ce."unitValue"), sum(${signed})::int, count(*)::int
      FROM w ${rowsIn("CartEvent", "occurredAt", `x.type, x.quantity, x."unitValue", x.currency, x."conversationId"`, "ce")}
        JOIN "Conversation" c ON c.id = ce."conversationId"
      WHERE EXISTS (SELECT 1 FROM "Touchpoint" t WHERE t."conversationId" = c.id AND ${qualifyingAnswer(shop)})
      GROUP BY w.day, c.surface, c.variant, ce.currency`;
  },
};

/** The variant of the conversation an attribution (`a`) credits, as `cv.variant` (null without one). */
const creditedVariant = Prisma.sql`LEFT JOIN "Conversation" cv ON cv.id = a."conversationId"`;

const countedAttributedOrders = (rowsIn: RowsOfDays) => Prisma.sql`
  FROM w ${rowsIn("Order", "processedAt", ORDER_COLUMNS, "o")}
    JOIN "Attribution" a ON a."orderId" = o.id AND ${countedAttributed} ${creditedVariant}`;

/**
 * Line items of counted led/assisted orders by product and by whether the chat influenced them (chat-lines.server.ts);
 * a line without a product is its own product by title.
 */
export const PRODUCT_DAYS: Rollup = {
  table: Prisma.sql`"ReportProductDay"`,
  bit: 4,
  columns: [
    "surface",
    "variant",
    "productId",
    "title",
    "chatInfluenced",
    "quantity",
    "revenue",
    "netRevenue",
    "orders",
  ],
  aggregate: (_shop, rowsIn) => Prisma.sql`
    SELECT w.day, a.surface, cv.variant, li."productId", max(li.title), ${chatInfluencedLine} AS influenced, sum(li.quantity)::int,
           sum(li.amount), sum(${lineNetShare}), count(DISTINCT o.id)::int
    ${countedAttributedOrders(rowsIn)} JOIN "OrderLineItem" li ON li."orderId" = o.id
    GROUP BY w.day, a.surface, cv.variant, li."productId", CASE WHEN li."productId" IS NULL THEN li.title END, influenced`,
};

/** Topics the shopper raised in the credited conversation before a counted led/assisted order. */
export const TOPIC_DAYS: Rollup = {
  table: Prisma.sql`"ReportTopicDay"`,
  bit: 8,
  columns: ["surface", "variant", "topic", "orders"],
  aggregate: (_shop, rowsIn) => Prisma.sql`
    SELECT w.day, a.surface, cv.variant, t.topic, count(DISTINCT o.id)::int
    ${countedAttributedOrders(rowsIn)}
      JOIN "Touchpoint" t ON t."conversationId" = a."conversationId" AND t."occurredAt" <= o."processedAt" AND t.topic IS NOT NULL
    GROUP BY w.day, a.surface, cv.variant, t.topic`,
};

export const ROLLUPS = [ORDER_DAYS, CART_DAYS, PRODUCT_DAYS, TOPIC_DAYS];

/** A statement built with Prisma.sql, run on plain SQL (a recompute's batch runs on the driver). */
const run = <Row = unknown>(sql: Sql, statement: Prisma.Sql) => sql.query<Row>(statement.text, statement.values);

const localDayOfBucket = (timezone: string) => localDate(Prisma.sql`m.bucket`, timezone);

/** The rollup's aggregate over the given local days. */
function aggregateOver(rollup: Rollup, shop: RollupShop, days: Day[], timezone: string): Prisma.Sql {
  return Prisma.sql`WITH w AS (SELECT unnest(${days}::date[]) AS day) ${rollup.aggregate(shop, rowsOfDays(shop, timezone, days))}`;
}

/**
 * A re-attribution in progress (decision 022): it walks the shop's orders newest first and rebuilds each day's
 * roll-ups as it finishes the day, so days from `recomputedFrom` on follow the new rules and older days still hold
 * the roll-ups from before the change. Null when no recompute is unfinished.
 */
export interface Recompute {
  settingsVersion: number;
  /** The zone the job cuts days in: its days mean nothing to a report in another zone. */
  timezone: string | null;
  recomputedFrom: Date | null;
}

export async function recomputeInProgress(db: DbTx, shopId: string): Promise<Recompute | null> {
  return (await unfinishedReattributions(db, shopId)).at(-1) ?? null;
}

/** Whether a recompute that has finished the days from `recomputedFrom` on (none when null) has finished `day`. */
export function recomputeReached(recomputedFrom: Date | null, day: Day, timezone: string): boolean {
  return recomputedFrom !== null && startOfDayInZone(day, timezone) >= recomputedFrom;
}

/** Days of the range the recompute has not finished yet (none without one, or for a report in another zone). */
export function daysAwaitingRecompute(range: ReportRange, recompute: Recompute | null): Day[] {
  if (!recompute || recompute.timezone !== range.timezone) return [];
  return range.days.filter((day) => !recomputeReached(recompute.recomputedFrom, day, range.timezone));
}

/** Days a report computes live, each with the roll-ups it computes live there (bits, see Rollup). */
export type LiveDays = ReadonlyMap<Day, number>;

const EVERY_ROLLUP = ROLLUPS.reduce((bits, rollup) => bits | rollup.bit, 0);

/**
 * Local days of the range that have a dirty mark, each with the roll-ups its marks name: those may be stale, so
 * reports compute them live; the day's other roll-ups are current. Under a recompute, a day it has not reached keeps
 * its stored roll-ups (the figures from before the change, labelled so); only such a day without any stored row (new
 * since, or whose roll-ups were dropped) is computed live.
 */
export async function dirtyDays(
  db: DbTx,
  shop: RollupShop,
  range: ReportRange,
  recompute: Recompute | null = null,
): Promise<LiveDays> {
  // Not in the roll-ups' zone (a report asked for another zone): every day is computed live.
  if (range.timezone !== reportTimezone(shop)) return new Map(range.days.map((day) => [day, EVERY_ROLLUP]));
  const marked = await markedDays(prismaSql(db), shop.id, range.timezone, {
    from: range.from,
    before: addDays(range.to, 1),
  });
  const awaiting = new Set(daysAwaitingRecompute(range, recompute));
  const held = marked.filter((mark) => awaiting.has(mark.day)).map((mark) => mark.day);
  const kept = new Set<Day>();
  if (held.length > 0) {
    const stored = await db.$queryRaw<{ day: Day }[]>`
      SELECT day::text AS day FROM "ReportOrderDay" WHERE "shopId" = ${shop.id}::uuid AND day = ANY (${held}::date[])
      UNION SELECT day::text FROM "ReportCartDay" WHERE "shopId" = ${shop.id}::uuid AND day = ANY (${held}::date[])`;
    for (const row of stored) kept.add(row.day);
  }
  return new Map(marked.filter((mark) => !kept.has(mark.day)).map((mark) => [mark.day, mark.rollups]));
}

/**
 * The shop's marked local days from `from` to before `before` (either open), oldest first, each with the roll-ups
 * its marks name (bits, see Rollup). A bucket lies in one local day, so the bounds are bucket ranges on the
 * (shopId, bucket) index.
 */
async function markedDays(
  sql: Sql,
  shopId: string,
  timezone: string,
  bounds: { from?: Day | null; before?: Day | null },
  limit = 100_000,
): Promise<{ day: Day; rollups: number }[]> {
  const from = bounds.from ? Prisma.sql`AND m.bucket >= ${utc(startOfDayInZone(bounds.from, timezone))}` : Prisma.empty;
  const before = bounds.before
    ? Prisma.sql`AND m.bucket < ${utc(startOfDayInZone(bounds.before, timezone))}`
    : Prisma.empty;
  return run<{ day: Day; rollups: number }>(
    sql,
    Prisma.sql`
      SELECT ${localDayOfBucket(timezone)}::text AS day, bit_or(m.rollups)::int AS rollups FROM "ReportDirtyMark" m
      WHERE m."shopId" = ${shopId}::uuid ${from} ${before} GROUP BY 1 ORDER BY 1 LIMIT ${limit}`,
  );
}

/**
 * A `WITH … day_rows AS (…)` prefix: the roll-up's rows for every day of the range, from the roll-up table for
 * clean days and computed live for the days whose marks name it (see dirtyDays). The caller selects from
 * `day_rows` (columns `day` and the roll-up's columns). A change that commits after dirtyDays read the marks leaves
 * its day one change behind for this report, as if it had been asked a moment earlier; the next report sees its
 * mark.
 */
export function dayRows(rollup: Rollup, shop: RollupShop, range: ReportRange, liveDays: LiveDays): Prisma.Sql {
  const live = [...liveDays].filter(([, rollups]) => (rollups & rollup.bit) !== 0).map(([day]) => day);
  const stored = Prisma.sql`
    SELECT r.day, ${columnList(rollup, "r.")} FROM ${rollup.table} r
    WHERE r."shopId" = ${shop.id}::uuid AND r.day >= ${range.from}::date AND r.day <= ${range.to}::date AND NOT (r.day = ANY (${live}::date[]))`;
  if (live.length === 0) return Prisma.sql`WITH day_rows (day, ${columnList(rollup)}) AS (${stored})`;
  const computed = aggregateOver(rollup, shop, live, range.timezone);
  if (live.length === range.days.length) return Prisma.sql`WITH day_rows (day, ${columnList(rollup)}) AS (${computed})`;
  return Prisma.sql`WITH day_rows (day, ${columnList(rollup)}) AS ((${computed}) UNION ALL (${stored}))`;
}

const columnList = (rollup: Rollup, alias = "") =>
  Prisma.raw(rollup.columns.map((column) => `${alias}"${column}"`).join(", "));

/** Days recomputed per transaction: bounds the lock and the transaction while a whole history is back-filled. */
const DAYS_PER_REFRESH = 31;

/**
 * Rebuilds the roll-ups of the shop's marked days from `from` to before `before` (local days, either open; at most
 * `limit` of them, oldest first) and consumes their marks. Of each day, only the roll-ups its marks name are
 * rebuilt: the others are current. The caller holds the shop's roll-up lock (report_lock_rollups) in its
 * transaction. A mark that commits before the marks are deleted is consumed and rebuilt with them; one that commits
 * later stays for the next rebuild. Returns the days rebuilt.
 */
export async function rebuildMarkedDays(
  sql: Sql,
  shop: RollupShop,
  bounds: { from?: Day | null; before?: Day | null },
  limit?: number,
): Promise<Day[]> {
  const timezone = reportTimezone(shop);
  const days = (await markedDays(sql, shop.id, timezone, bounds, limit)).map((mark) => mark.day);
  if (days.length === 0) return days;
  const first = utc(startOfDayInZone(days[0], timezone));
  const end = utc(startOfDayInZone(addDays(days[days.length - 1], 1), timezone));
  // Rebuilt is what the deleted marks name, not what was read above: marks are written without the roll-up lock.
  const marks = await run<{ day: Day; rollups: number }>(
    sql,
    Prisma.sql`
      WITH consumed AS (
        DELETE FROM "ReportDirtyMark" m WHERE m."shopId" = ${shop.id}::uuid AND m.bucket >= ${first} AND m.bucket < ${end}
          AND ${localDayOfBucket(timezone)} = ANY (${days}::date[])
        RETURNING m.bucket, m.rollups)
      SELECT ${localDayOfBucket(timezone)}::text AS day, bit_or(m.rollups)::int AS rollups FROM consumed m GROUP BY 1`,
  );
  for (const rollup of ROLLUPS) {
    const stale = marks.filter((mark) => (mark.rollups & rollup.bit) !== 0).map((mark) => mark.day);
    if (stale.length === 0) continue;
    await run(
      sql,
      Prisma.sql`DELETE FROM ${rollup.table} WHERE "shopId" = ${shop.id}::uuid AND day = ANY (${stale}::date[])`,
    );
    await run(
      sql,
      Prisma.sql`
        INSERT INTO ${rollup.table} ("shopId", day, ${columnList(rollup)})
        SELECT ${shop.id}::uuid, rows.* FROM (${aggregateOver(rollup, shop, stale, timezone)}) rows`,
    );
  }
  return days;
}

/** The first local day a recompute has rebuilt, in the shop's report zone; undefined: it has rebuilt none. */
function firstRecomputedDay(shop: RollupShop, recompute: Recompute | null): Day | null | undefined {
  const timezone = reportTimezone(shop);
  if (!recompute || recompute.timezone !== timezone) return null;
  return recompute.recomputedFrom ? dayInZone(recompute.recomputedFrom, timezone) : undefined;
}

/**
 * Recomputes every day of one shop that has a dirty mark and consumes the marks; under a recompute in progress, only
 * the days it has finished (it rebuilds the others as it reaches them). Returns the number of days recomputed.
 */
export async function refreshReportRollups(db: Db, shopId: string): Promise<number> {
  let recomputed = 0;
  for (;;) {
    const days = await db.$transaction(
      async (tx) => {
        // Every invalidation (the shop's zone/qualification trigger too) and the recompute take the same lock.
        await tx.$executeRaw`SELECT report_lock_rollups(${shopId}::uuid)::text`;
        const shop = await tx.shop.findUnique({
          where: { id: shopId },
          select: { id: true, timezone: true, requireAnswerFound: true },
        });
        if (!shop) {
          await tx.reportDirtyMark.deleteMany({ where: { shopId } });
          return 0;
        }
        const from = firstRecomputedDay(shop, await recomputeInProgress(tx, shopId));
        if (from === undefined) return 0;
        return (await rebuildMarkedDays(prismaSql(tx), shop, { from }, DAYS_PER_REFRESH)).length;
      },
      { maxWait: 10_000, timeout: 300_000 },
    );
    if (days === 0) return recomputed;
    recomputed += days;
  }
}

/** Drops a shop's roll-ups and marks every day with data, so the next refresh rebuilds them from the base tables. */
export async function invalidateReportRollups(db: DbTx, shopId: string): Promise<void> {
  await db.$executeRaw`SELECT report_invalidate_rollups(${shopId}::uuid)::text`;
}

/** Refreshes every shop with dirty marks; one shop's failure is reported and does not stop the others. */
export async function refreshAllReportRollups(
  db: Db,
  log: (line: string) => void = console.log,
  /** Aborted: stop after the shop in progress (its marks wait for the next refresh). */
  signal?: AbortSignal,
): Promise<void> {
  const shops = await db.$queryRaw<
    { shopId: string }[]
  >`SELECT DISTINCT "shopId"::text AS "shopId" FROM "ReportDirtyMark"`;
  for (const { shopId } of shops) {
    if (signal?.aborted) return;
    try {
      await refreshReportRollups(db, shopId);
    } catch (error) {
      log(`[report roll-ups] ${shopId}: ${errorMessage(error)}`);
    }
  }
}
