import { createHash } from "node:crypto";

/** Lower-case hex SHA-256 of UTF-8 text: how the app keeps e-mails, API keys and request bodies it must not store. */
export const sha256Hex = (text: string) => createHash("sha256").update(text).digest("hex");
