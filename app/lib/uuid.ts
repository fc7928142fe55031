import { v7 } from "uuid";

/**
 * A version 7 UUID (RFC 9562: 48-bit Unix milliseconds, then a counter seeded at random), the same kind Prisma's
 * `@default(uuid(7))` gives, for rows a set-based INSERT writes itself: those columns have no database default.
 * Ids made in one millisecond still sort in the order they were made (the `uuid` package's monotonic counter).
 */
export function uuidv7(): string {
  return v7();
}
