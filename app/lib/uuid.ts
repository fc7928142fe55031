import { randomBytes } from "node:crypto";

// Drawn in bulk, as crypto.randomUUID does: one randomBytes call per 256 ids instead of one per id (a webhook batch
// mints one per order, line item and attribution).
const ENTROPY_PER_ID = 10;
let entropy = Buffer.alloc(0);
let used = 0;

function freshEntropy(): Buffer {
  if (used + ENTROPY_PER_ID > entropy.length) {
    entropy = randomBytes(ENTROPY_PER_ID * 256);
    used = 0;
  }
  used += ENTROPY_PER_ID;
  return entropy.subarray(used - ENTROPY_PER_ID, used);
}

/**
 * A version 7 UUID (RFC 9562: 48-bit Unix milliseconds, then random), the same kind Prisma's `@default(uuid(7))`
 * gives, for rows a set-based INSERT writes itself: those columns have no database default.
 */
export function uuidv7(now: number = Date.now()): string {
  const bytes = Buffer.allocUnsafe(16);
  bytes.writeUIntBE(now, 0, 6);
  freshEntropy().copy(bytes, 6);
  bytes[6] = (bytes[6] & 0x0f) | 0x70;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = bytes.toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
