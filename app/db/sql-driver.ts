/**
 * SQL straight to the driver, without Prisma's query compiler (about 1 ms of CPU per model query in Prisma 6.19,
 * 0.4 ms per raw query): for the ingest paths, where one request is a handful of statements and the compiler
 * was most of the server's time (docs/decisions/003-plain-sql-on-the-ingest-paths.md). Rows come back as the driver
 * parses them; see `Sql` in db.server.ts.
 */
export type SqlQuery = <Row>(text: string, params?: readonly unknown[]) => Promise<Row[]>;

export interface SqlDriver {
  /** One statement on its own (autocommitted). */
  query: SqlQuery;
  transaction<T>(work: (query: SqlQuery) => Promise<T>): Promise<T>;
  /** Closes the driver's own connections, which Prisma closes only if it ever connected itself. */
  close(): Promise<void>;
}

/**
 * Statements run in the order they are issued, also when the caller issues one before the last has answered
 * (`Sql` promises that inside a transaction; see db.server.ts). For a connection that would otherwise be free to
 * reorder them: each statement starts once the one before it has settled, whatever its outcome (inside a
 * transaction a failed statement fails those behind it anyway).
 */
export function sequentialQueries(query: SqlQuery): SqlQuery {
  let previous: Promise<unknown> = Promise.resolve();
  return <Row>(text: string, params?: readonly unknown[]) => {
    const result = previous.then(() => query<Row>(text, params));
    previous = result.catch(() => undefined);
    return result;
  };
}
