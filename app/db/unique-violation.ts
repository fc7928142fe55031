import { Prisma } from "@prisma/client";

const UNIQUE_VIOLATION = "23505";

/**
 * A unique-constraint violation (a concurrent duplicate). Prisma reports it as P2002 from a model query and as
 * P2010 with the database's code from a raw one; inside an interactive transaction the driver adapter's own error
 * can surface unconverted; a plain-SQL transaction (`sqlTransaction`) gets the driver's error with PostgreSQL's code.
 */
export function isUniqueViolation(error: unknown): boolean {
  if (error instanceof Prisma.PrismaClientKnownRequestError) {
    return error.code === "P2002" || (error.code === "P2010" && (error.meta as { code?: string } | undefined)?.code === UNIQUE_VIOLATION);
  }
  const failure = error as { name?: string; code?: string; cause?: { code?: string } } | null;
  if (failure?.name === "DriverAdapterError") return failure.cause?.code === UNIQUE_VIOLATION;
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
