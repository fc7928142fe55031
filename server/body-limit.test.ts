/**
 * Bodies capped while read: over a real socket, a declared length over the limit never reaches the route, a body
 * that grows past it (chunked, no length) is answered 413 and its reader failed having seen no byte past the
 * limit, and a body under it arrives whole — for a reader of `data` events (the directly served routes) and for
 * Remix's web stream (every other route).
 */
import { createReadableStreamFromReadable } from "@remix-run/node";
import { once } from "node:events";
import http, { createServer, type IncomingMessage, type RequestListener, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { BodyTooLarge, bodyLimitFor, capRequestBodies, DEFAULT_BODY_LIMIT } from "./body-limit";
import { requestBody } from "./resource-routes";

const LIMIT = 64 * 1024;
let server: Server | undefined;

afterEach(async () => {
  if (!server) return;
  server.closeAllConnections();
  await new Promise((resolve) => server!.close(resolve));
  server = undefined;
});

type Seen = { called: boolean; bytes: number; outcome?: "whole" | "failed"; error?: unknown };

/** A route that reads the body one way or the other and answers 200 with its length. */
function route(seen: Seen, reader: "data" | "web-stream"): RequestListener {
  return async (req, res) => {
    seen.called = true;
    try {
      let bytes: number;
      if (reader === "data") {
        bytes = (await requestBody(req)).length;
      } else {
        bytes = 0;
        const stream = createReadableStreamFromReadable(req) as ReadableStream<Uint8Array>;
        for await (const chunk of stream as unknown as AsyncIterable<Uint8Array>) bytes += chunk.byteLength;
      }
      seen.bytes = bytes;
      seen.outcome = "whole";
      if (!res.headersSent) res.end(String(bytes));
    } catch (error) {
      seen.outcome = "failed";
      seen.error = error;
    }
  };
}

async function listen(listener: RequestListener): Promise<number> {
  server = createServer(capRequestBodies(listener, () => LIMIT));
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return (server.address() as AddressInfo).port;
}

/** Sends `total` bytes in 16 KB chunks (chunked unless `declared` is given) and returns the answer. */
async function send(port: number, total: number, declared?: number): Promise<{ status: number; body: string }> {
  const req = http.request({
    host: "127.0.0.1",
    port,
    method: "POST",
    path: "/webhooks/orders",
    headers: declared === undefined ? {} : { "Content-Length": String(declared) },
  });
  const answer = new Promise<{ status: number; body: string }>((resolve, reject) => {
    req.on("response", (res: IncomingMessage) => {
      let body = "";
      res.on("data", (chunk) => (body += chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      res.on("error", reject);
    });
    req.on("error", () => {}); // the server may cut the connection while we still send
  });
  let answered = false;
  void answer.then(
    () => (answered = true),
    () => (answered = true),
  );
  const chunk = Buffer.alloc(16 * 1024, "a");
  // A client that reads the answer while it sends (as Node's and Shopify's do) stops at the 413.
  for (let sent = 0; sent < total && !req.destroyed && !answered; sent += chunk.length) {
    if (!req.write(chunk.subarray(0, Math.min(chunk.length, total - sent))))
      await Promise.race([once(req, "drain"), once(req, "close")]).catch(() => {});
  }
  req.end();
  return answer;
}

describe("capRequestBodies", () => {
  for (const reader of ["data", "web-stream"] as const) {
    describe(`with a ${reader} reader`, () => {
      it("passes a body under the limit through whole", async () => {
        const seen: Seen = { called: false, bytes: 0 };
        const port = await listen(route(seen, reader));
        expect(await send(port, LIMIT)).toEqual({ status: 200, body: String(LIMIT) });
        expect(seen).toMatchObject({ called: true, outcome: "whole", bytes: LIMIT });
      });

      it("answers 413 to a declared length over the limit without calling the route", async () => {
        const seen: Seen = { called: false, bytes: 0 };
        const port = await listen(route(seen, reader));
        const answer = await send(port, 0, 500 * 1024 * 1024);
        expect(answer.status).toBe(413);
        expect(JSON.parse(answer.body)).toEqual({ error: `body exceeds ${LIMIT} bytes` });
        expect(seen.called).toBe(false);
      });

      it("answers 413 to a chunked body the moment it passes the limit, and fails the route's reader", async () => {
        const seen: Seen = { called: false, bytes: 0 };
        const port = await listen(route(seen, reader));
        const answer = await send(port, 8 * 1024 * 1024);
        expect(answer.status).toBe(413);
        await expect.poll(() => seen.outcome).toBe("failed");
        expect(seen.error).toBeInstanceOf(BodyTooLarge);
        expect(seen.bytes).toBe(0);
      });
    });
  }

  it("has a limit per path: Shopify's webhooks, the event and pixel routes, and a default for the rest", () => {
    expect(bodyLimitFor("/webhooks/orders")).toBe(5 * 1024 * 1024);
    expect(bodyLimitFor("/WEBHOOKS/compliance?x=1")).toBe(5 * 1024 * 1024);
    expect(bodyLimitFor("/proxy/events")).toBe(256 * 1024);
    expect(bodyLimitFor("/api/v1/events")).toBe(256 * 1024);
    expect(bodyLimitFor("/api/pixel")).toBe(64 * 1024);
    expect(bodyLimitFor("http://localhost/app/settings")).toBe(DEFAULT_BODY_LIMIT);
  });
});
