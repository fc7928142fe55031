import { Prisma } from "@prisma/client";

const UNIQUE_VIOLATION = "23505";

/** A driver adapter's error: PGlite's adapter passes PostgreSQL's `code`, adapter-pg maps it to a `kind`. */
type AdapterCause = { code?: string; originalCode?: string; kind?: string } | undefined;
const isUniqueCause = (cause: AdapterCause) =>
  cause?.code === UNIQUE_VIOLATION ||
  cause?.originalCode === UNIQUE_VIOLATION ||
  cause?.kind === "UniqueConstraintViolation";

/**
 * A unique-constraint violation (a concurrent duplicate). Prisma reports it as P2002 from a model query and as
 * P2010 with the database's code from a raw one; inside an interactive transaction the driver adapter's own error
 * can surface unconverted; a plain-SQL transaction (`sqlTransaction`) gets the driver's error with PostgreSQL's code.
 */
export function isUniqueViolation(error: unknown): boolean {
  if (error instanceof Prisma.PrismaClientKnownRequestError) {
    const raw = error.meta as { driverAdapterError?: { cause?: AdapterCause } } | undefined;
    return error.code === "P2002" || (error.code === "P2010" && isUniqueCause(raw?.driverAdapterError?.cause));
  }
  const failure = error as { name?: string; code?: string; cause?: AdapterCause } | null;
  if (failure?.name === "DriverAdapterError") return isUniqueCause(failure.cause);
  return failure?.code === UNIQUE_VIOLATION;
}

/**
 * Runs `attempt` (a whole transaction) again when it lost a race on a unique key: the winner has committed, so
 * the next try sees its row. At most `tries` runs; the last violation is rethrown.
 */
export async function retryingUniqueViolations<T>(attempt: () => Promise<T>, tries = 3): Promise<T> {
  for (let run = 1; ; run++) {
    try {
      return await attempt();
    } catch (error) {
      if (!isUniqueViolation(error) || run >= tries) throw error;
    }
  }
}
