import { createHash, createHmac } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { hmacPads, keyedEmailHash, shopEmailKey } from "./email-hash";

const sha256 = (bytes: Buffer | string) => createHash("sha256").update(bytes).digest();
const hex64 = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((bytes) => Buffer.from(bytes).toString("hex"));

describe("per-shop e-mail hashes", () => {
  it("are HMAC-SHA256 of the address's SHA-256 bytes under a key derived from the secret and the shop", () => {
    const address = sha256("bob.norman@mail.example.com").toString("hex");
    const key = createHmac("sha256", "secret").update("email-hash/v1/a.myshopify.com").digest();
    const expected = createHmac("sha256", key).update(Buffer.from(address, "hex")).digest("hex");
    expect(keyedEmailHash(shopEmailKey("secret", "a.myshopify.com"), address)).toBe(expected);
  });

  it("differ between shops and between secrets, so one shop's table is no dictionary for another's", () => {
    const address = sha256("a@example.com").toString("hex");
    const of = (secret: string, shop: string) => keyedEmailHash(shopEmailKey(secret, shop), address);
    const hashes = new Set([
      address,
      of("s1", "a.myshopify.com"),
      of("s1", "b.myshopify.com"),
      of("s2", "a.myshopify.com"),
    ]);
    expect(hashes.size).toBe(4);
    expect(of("s1", "a.myshopify.com")).toBe(of("s1", "a.myshopify.com"));
  });

  it("can be computed from the key's pads with SHA-256 alone (how the SQL re-keying does it)", () => {
    fc.assert(
      fc.property(fc.string(), fc.domain(), hex64, (secret, shop, address) => {
        const key = shopEmailKey(secret, shop);
        const { inner, outer } = hmacPads(key);
        const message = Buffer.from(address, "hex");
        const byPads = sha256(Buffer.concat([outer, sha256(Buffer.concat([inner, message]))])).toString("hex");
        expect(byPads).toBe(keyedEmailHash(key, address));
      }),
    );
  });

  it("refuses pads for a key longer than a block (HMAC would hash it first)", () => {
    expect(() => hmacPads(Buffer.alloc(65))).toThrow(/longer than a block/);
  });
});
