import { Prisma } from "@prisma/client";

/**
 * A unique-constraint violation (a concurrent duplicate). Prisma reports it as P2002; inside an interactive
 * transaction the driver adapter's own error (PostgreSQL code 23505) can surface unconverted.
 */
export function isUniqueViolation(error: unknown): boolean {
  if (error instanceof Prisma.PrismaClientKnownRequestError) return error.code === "P2002";
  const cause = (error as { name?: string; cause?: { code?: string } } | null)?.cause;
  return (error as { name?: string } | null)?.name === "DriverAdapterError" && cause?.code === "23505";
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
