/**
 * The one database module. The engine (embedded PGlite or a PostgreSQL server) is picked from
 * DATABASE_URL by the driver adapter; the rest of the app sees a PrismaClient, and — on the ingest paths,
 * where Prisma's per-query cost dominated — `Sql`, plain SQL on the same connections.
 */
import { PrismaClient } from "@prisma/client";
import { INGEST_COLUMNS, type IngestTable } from "./db/ingest-columns";
import { appAdapterFactory } from "./db/adapter.server";
import { databaseUrl } from "./db/database-url";
import { closePglite } from "./db/pglite.server";
import { sequentialQueries, type SqlDriver } from "./db/sql-driver";

export type Db = PrismaClient;
/** A client or an interactive transaction: domain functions accept either. */
export type DbTx = Omit<PrismaClient, "$connect" | "$disconnect" | "$on" | "$transaction" | "$extends">;

/**
 * Plain SQL with positional parameters ($1, $2, …), on either engine, inside a Prisma transaction or a driver
 * transaction (`sqlTransaction`). Rows come back alike from all of them only when queries keep to these rules:
 * read a timestamp as timestamptz (`col AT TIME ZONE 'UTC'`: a Date), a numeric or a bigint as text, a uuid as
 * text; pass timestamps as ISO strings cast with `::timestamptz AT TIME ZONE 'UTC'` (the columns are UTC without
 * zone) and JSON as a string cast with `::jsonb`.
 *
 * Inside a transaction, statements run in the order they are issued, also when one is issued before the last has
 * answered: statements that do not need each other's rows can be issued together (`Promise.all`), and on
 * PostgreSQL they are then sent together, one round trip for all (the driver pipelines them). Outside a
 * transaction each statement runs on its own.
 */
export interface Sql {
  query<Row>(text: string, params?: readonly unknown[]): Promise<Row[]>;
}

/**
 * `jsonb_to_recordset($parameter::jsonb) AS alias("column" type, …)`: the rows of a JSON array parameter as typed
 * columns (keys not listed are ignored). Timestamps as `timestamp(3)`, which reads a Date's JSON form (UTC, ending
 * in Z) as the UTC time the columns hold.
 */
export function jsonRecordset(parameter: number, alias: string, columns: Record<string, string>): string {
  const typed = Object.entries(columns).map(([column, type]) => `"${column}" ${type}`);
  return `jsonb_to_recordset($${parameter}::jsonb) AS ${alias}(${typed.join(", ")})`;
}

/**
 * Transaction-scoped advisory locks on the text keys of array parameter $parameter, taken in the array's order
 * (sort the keys: two transactions taking overlapping sets then wait instead of deadlocking). A scalar subquery,
 * so it can ride along in another statement; one expression, so every path that locks a key hashes it alike.
 */
export const advisoryLocksOn = (parameter: number) =>
  `(SELECT count(pg_advisory_xact_lock(hashtextextended(k, 0))::text) FROM unnest($${parameter}::text[]) AS u(k))`;

type ColumnOf<T extends IngestTable> = keyof (typeof INGEST_COLUMNS)[T] & string;

/**
 * `INSERT INTO "table" (its INGEST_COLUMNS) SELECT … FROM jsonRecordset(parameter, alias, …)`, for a statement to
 * go on with JOIN, ORDER BY (a lock order), ON CONFLICT or RETURNING. Each column is read from the JSON row unless
 * `computed` gives its expression (a column of a joined row, say); `alsoRead` names JSON keys that are not columns
 * of the table (a join key), with their types.
 */
export function insertFromJson<T extends IngestTable>(
  table: T,
  parameter: number,
  alias: string,
  options: { computed?: Partial<Record<ColumnOf<T>, string>>; alsoRead?: Record<string, string> } = {},
): string {
  const columns: Record<string, string> = INGEST_COLUMNS[table];
  const computed: Record<string, string | undefined> = options.computed ?? {};
  const names = Object.keys(columns);
  return `INSERT INTO "${table}" (${names.map((name) => `"${name}"`).join(", ")})
     SELECT ${names.map((name) => computed[name] ?? `${alias}."${name}"`).join(", ")}
     FROM ${jsonRecordset(parameter, alias, { ...columns, ...options.alsoRead })}`;
}

/** `"column" = EXCLUDED."column", …` for every INGEST_COLUMNS column of `table` but `kept` (its identity). */
export function overwriteFromExcluded<T extends IngestTable>(table: T, kept: readonly ColumnOf<T>[]): string {
  return Object.keys(INGEST_COLUMNS[table])
    .filter((column) => !(kept as readonly string[]).includes(column))
    .map((column) => `"${column}" = EXCLUDED."${column}"`)
    .join(", ");
}

/**
 * Inserts `rows` (objects keyed by column name; other keys are ignored) with one statement however many there
 * are: they travel as one JSON parameter that `jsonRecordset` (as `r`) turns back into typed columns.
 * The table's columns and their SQL types are INGEST_COLUMNS's. `then` follows the SELECT: ORDER BY (a lock order), ON CONFLICT,
 * RETURNING, whose rows are returned.
 */
export async function insertJsonRows<Row = never>(
  sql: Sql,
  table: IngestTable,
  rows: readonly object[],
  then = "",
): Promise<Row[]> {
  if (rows.length === 0) return [];
  return sql.query<Row>(`${insertFromJson(table, 1, "r")} ${then}`, [JSON.stringify(rows)]);
}

/** Runs `work` in one transaction of plain SQL (`sqlTransaction`, or a stand-in in tests). */
export type SqlTransaction = <T>(work: (sql: Sql) => Promise<T>) => Promise<T>;

/** `Sql` on a Prisma client or transaction, for code that runs inside one. */
export function prismaSql(db: DbTx): Sql {
  // Prisma compiles each raw query asynchronously, so two issued together could reach the connection swapped.
  return { query: sequentialQueries((text, params = []) => db.$queryRawUnsafe(text, ...params)) };
}

const globalForDb = globalThis as unknown as { __prisma?: PrismaClient; __sqlDriver?: SqlDriver };

function createClient(): PrismaClient {
  const factory = appAdapterFactory(databaseUrl());
  globalForDb.__sqlDriver = factory;
  return new PrismaClient({ adapter: factory as never });
}

// Remix dev re-imports modules; keep one client (and so one PGlite or one pool) per process.
globalForDb.__prisma ??= createClient();
export const prisma: PrismaClient = globalForDb.__prisma;

function sqlDriver(): SqlDriver {
  if (!globalForDb.__sqlDriver) throw new Error("the database is disconnected");
  return globalForDb.__sqlDriver;
}

/** A transaction of plain SQL straight on the driver: committed when `work` resolves, rolled back if it throws. */
export const sqlTransaction: SqlTransaction = <T>(work: (sql: Sql) => Promise<T>): Promise<T> => {
  return sqlDriver().transaction((query) => work({ query }));
};

/** Plain SQL straight on the driver, each statement on its own. */
export const sql: Sql = { query: (text, params) => sqlDriver().query(text, params) };

export async function disconnectDatabase(): Promise<void> {
  await prisma.$disconnect();
  await globalForDb.__sqlDriver?.close();
  await closePglite();
  globalForDb.__prisma = undefined;
  globalForDb.__sqlDriver = undefined;
}

export default prisma;
