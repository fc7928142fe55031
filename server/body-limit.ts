/**
 * Request bodies are capped while they are read, before any route or authentication sees them: a declared
 * Content-Length over the path's limit is answered 413 at once, and a body that grows past it as it arrives
 * (chunked, or lying about its length) is answered 413 the moment it does, its connection closed and the
 * reader the route was handed failed, so nothing past the limit is ever held in memory. Routes keep their own,
 * often smaller, checks (`readJsonBody`) for the answer they give.
 */
import type { IncomingMessage, RequestListener, ServerResponse } from "node:http";
import { MAX_BODY_BYTES } from "../app/domain/events/event-schema";
import { MAX_PIXEL_BODY_BYTES } from "../app/domain/pixel/pixel-event";
import { MAX_LINK_BODY_BYTES } from "../app/domain/events/shared-links.server";

const MiB = 1024 * 1024;

/**
 * Shopify's webhook bodies run "upwards of a megabyte" for large orders (Shopify's developer forum); 5 MiB is
 * room for the largest with a bound. Everything else the app takes is a form or a JSON request of a few KB.
 */
export const BODY_LIMITS: readonly { prefix: string; maxBytes: number }[] = [
  { prefix: "/webhooks/", maxBytes: 5 * MiB },
  { prefix: "/proxy/events", maxBytes: MAX_BODY_BYTES },
  { prefix: "/api/v1/events", maxBytes: MAX_BODY_BYTES },
  { prefix: "/api/pixel", maxBytes: MAX_PIXEL_BODY_BYTES },
  { prefix: "/api/v1/links", maxBytes: MAX_LINK_BODY_BYTES },
];
export const DEFAULT_BODY_LIMIT = 1 * MiB;

/** The limit for a request target's path (the first matching prefix, in any letter case; Express matches so). */
export function bodyLimitFor(target: string): number {
  const path = (
    target.startsWith("/") ? target.split("?")[0] : new URL(target, "http://localhost").pathname
  ).toLowerCase();
  return BODY_LIMITS.find((limit) => path.startsWith(limit.prefix))?.maxBytes ?? DEFAULT_BODY_LIMIT;
}

/** What the route's reader of a refused body fails with. */
export class BodyTooLarge extends Error {
  constructor(readonly maxBytes: number) {
    super(`request body exceeds ${maxBytes} bytes`);
  }
}

/**
 * How long a refused connection is drained (its bytes read and dropped) after its 413 is written, before it is
 * cut: cut while the client still sends, the connection is reset and the client may never read the answer.
 */
const DRAIN_MS = 1_000;

function refuse(req: IncomingMessage, res: ServerResponse, maxBytes: number) {
  const cut = () => req.destroy(new BodyTooLarge(maxBytes));
  req.resume();
  if (res.headersSent) return cut();
  // No "Connection: close": Node would close the socket as soon as the answer is written, and a client still
  // sending would get a reset instead of reading it. The connection is drained, then cut.
  res.writeHead(413, { "Content-Type": "application/json; charset=utf-8" });
  res.end(JSON.stringify({ error: `body exceeds ${maxBytes} bytes` }), () => setTimeout(cut, DRAIN_MS).unref());
}

/**
 * Wraps a request listener so every body is capped (see the file's comment). Bytes are counted where the request
 * emits them, so the listener's own reader (a `data` listener, a web stream) is left exactly as it was.
 */
export function capRequestBodies(
  listener: RequestListener,
  limitFor: (target: string) => number = bodyLimitFor,
): RequestListener {
  return (req, res) => {
    const maxBytes = limitFor(req.url ?? "/");
    // A refused body's reader fails with BodyTooLarge; nobody need listen for it.
    req.on("error", () => {});
    const declared = req.headers["content-length"];
    if (declared !== undefined && Number(declared) > maxBytes) return refuse(req, res, maxBytes);
    let received = 0;
    let refused = false;
    const emit = req.emit;
    req.emit = function (this: IncomingMessage, event: string | symbol, ...args: unknown[]) {
      // Once refused, the reader has failed: it must never see more data, nor an end that would pass the bytes
      // it has for the whole body.
      if (refused && (event === "data" || event === "end")) return false;
      if (event === "data") {
        received += (args[0] as Buffer).length;
        if (received > maxBytes) {
          refused = true;
          emit.call(this, "error", new BodyTooLarge(maxBytes));
          refuse(req, res, maxBytes);
          return false;
        }
      }
      return emit.call(this, event, ...args);
    } as typeof req.emit;
    listener(req, res);
  };
}
