/**
 * How an e-mail is kept: never the address, never its bare SHA-256 (a table of those is a dictionary lookup away
 * from the addresses), but HMAC-SHA256 of that SHA-256 under a key of the shop's own, derived from a secret that is
 * not in the database (decision 010). The browser and the order payload give the SHA-256; only the server keys it.
 */
import { createHmac } from "node:crypto";

const HMAC_BLOCK_BYTES = 64;

/** The shop's e-mail key: HMAC-SHA256 of its domain under the app's secret, with a label to version it. */
export function shopEmailKey(secret: string, shopDomain: string): Buffer {
  return createHmac("sha256", secret).update(`email-hash/v1/${shopDomain}`).digest();
}

/** The stored form of an address's lower-case hex SHA-256 (64 hex characters, as stored). */
export function keyedEmailHash(key: Buffer, sha256Hex: string): string {
  return createHmac("sha256", key).update(Buffer.from(sha256Hex, "hex")).digest("hex");
}

/**
 * The key's inner and outer HMAC pads (RFC 2104: the key, zero-padded to SHA-256's 64-byte block, XOR 0x36 and
 * 0x5c), so that SQL with only `sha256()` can compute the same HMAC: sha256(outer || sha256(inner || message)).
 */
export function hmacPads(key: Buffer): { inner: Buffer; outer: Buffer } {
  if (key.length > HMAC_BLOCK_BYTES) throw new Error("an HMAC key longer than a block is hashed first");
  const block = Buffer.alloc(HMAC_BLOCK_BYTES);
  key.copy(block);
  const pad = (mask: number) => Buffer.from(block.map((byte) => byte ^ mask));
  return { inner: pad(0x36), outer: pad(0x5c) };
}
