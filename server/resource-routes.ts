/**
 * The busiest resource routes answered straight from their module in the Remix build, without Remix's request
 * router and without Express. On every request that router flattens and ranks the whole route tree and compiles a
 * RegExp per route — twice (the server's match, then the static handler's) — and copies the Request to strip
 * `?index`. Profiled under the order-webhook load of `npm run bench`, that came to more CPU per delivery than
 * verifying the HMAC, parsing the order and attributing it. Express's own layer (its per-request prototype swaps,
 * query-string parsing and route walk), which these routes use none of, then cost about as much as verifying the
 * HMAC, so they sit in front of it, on Node's request listener.
 *
 * The same route module Remix would call (the build's own module instances, so the same database client and
 * batching), given a Request as @remix-run/express builds one, and answered as it writes one: for a resource
 * route Remix does nothing else (no document, no loader data, no boundaries). `resource-routes.test.ts` holds the
 * two to the same answers. See docs/decisions/005-direct-mount-of-busy-resource-routes.md.
 */
import type { ServerBuild } from "@remix-run/node";
import type { IncomingMessage, RequestListener, ServerResponse } from "node:http";
import type { TLSSocket } from "node:tls";
import { log } from "../app/lib/log.server";
import { BodyTooLarge } from "./body-limit";

/**
 * The routes Shopify and storefronts call at volume (every order event, every chat and cart event), served
 * directly by the production server; the rest, and every page, go through Remix's router.
 */
export const DIRECT_RESOURCE_ROUTES = [
  "routes/webhooks.orders",
  "routes/proxy.events",
  "routes/api.v1.events",
  "routes/api.pixel",
];

const ACTION_METHODS = new Set(["POST", "PUT", "PATCH", "DELETE"]);
const LOADER_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * Which export of a route Remix's static handler calls for a method: mutations run the action; GET, HEAD and
 * OPTIONS — a CORS preflight too — the loader; any other method is refused (405).
 */
export function routeExportFor(method: string): "action" | "loader" | null {
  const upper = method.toUpperCase();
  return ACTION_METHODS.has(upper) ? "action" : LOADER_METHODS.has(upper) ? "loader" : null;
}

type RouteHandler = (args: {
  request: Request;
  params: Record<string, string | undefined>;
  context: object;
}) => unknown;
export type ResourceRouteModule = { loader?: RouteHandler; action?: RouteHandler };

/**
 * Runs the export Remix's static handler would run for the request's method and answers as Remix does for a
 * resource route: the Response returned or thrown, other data as JSON (nothing at all is an error, as in Remix).
 * Null when the route lacks that export (or no export takes the method); an error that is not a Response is
 * thrown on.
 */
export async function callRouteExport(
  module: ResourceRouteModule,
  request: Request,
  params: Record<string, string | undefined>,
): Promise<Response | null> {
  const exported = routeExportFor(request.method);
  const handler = exported && module[exported];
  if (!handler) return null;
  try {
    const result = await handler({ request, params, context: {} });
    if (result instanceof Response) return result;
    // Remix refuses an export that returns nothing (a 500), and answers other data with its json().
    if (result === undefined) throw new Error(`the route's ${exported} returned nothing; return a Response or null`);
    return new Response(JSON.stringify(result), { headers: { "Content-Type": "application/json; charset=utf-8" } });
  } catch (thrown) {
    if (thrown instanceof Response) return thrown;
    throw thrown;
  }
}

/** The URL path of a route in the build (its own path joined to its parents'), refused unless it is static. */
function staticPathOf(build: ServerBuild, routeId: string): string {
  const segments: string[] = [];
  for (let id: string | undefined = routeId; id; id = build.routes[id]?.parentId) {
    const segment = build.routes[id]?.path;
    if (segment) segments.unshift(segment);
  }
  const path = `/${segments.join("/")}`;
  if (/[:*]/.test(path))
    throw new Error(`${routeId} has URL parameters (${path}); only static paths are served directly`);
  return path;
}

/** The raw body of a Node request, whole (the floor handlers of the bench read it the same way). */
export function requestBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
    // A connection cut before the end (capRequestBodies cuts one whose body is too large) is no body. Checked
    // first: every request closes, and an Error made (its stack captured) for each cost the order webhooks' p99.
    req.on("close", () => {
      if (!req.readableEnded) reject(new Error("request closed before its body ended"));
    });
  });
}

/**
 * The Request @remix-run/express would hand the route: the URL as the client asked for it and every header. The
 * body is read up front (every one of these routes reads it whole anyway) rather than wrapped in a web stream.
 *
 * Unlike @remix-run/express, no abort signal: none of these routes reads one (a webhook or an event batch is
 * stored whether or not its sender waited; test/direct-routes.db.test.ts keeps them to that), and a Request made
 * with a signal is registered, with its own signal, in undici's FinalizationRegistry, which V8 clears only in
 * full collections. Under the order-webhook load of `npm run bench` every delivery's Request and signals
 * outlived the young generation that way (about 6 MB of them still waiting for a mark-compact when a run
 * ended, by a sampling heap profile), and the mark-compacts they brought on were where the latency spikes were.
 */
async function webRequest(req: IncomingMessage): Promise<Request> {
  const headers = new Headers();
  for (let index = 0; index < req.rawHeaders.length; index += 2)
    headers.append(req.rawHeaders[index], req.rawHeaders[index + 1]);
  const hasBody = req.method !== "GET" && req.method !== "HEAD";
  // Express's req.protocol without `trust proxy` (the app sets none): the socket's own, never X-Forwarded-Proto.
  const protocol = (req.socket as TLSSocket).encrypted ? "https" : "http";
  return new Request(`${protocol}://${req.headers.host ?? "localhost"}${req.url}`, {
    method: req.method,
    headers,
    // Node's Buffers here never sit on a SharedArrayBuffer; the DOM typing of BodyInit just cannot know that.
    body: hasBody ? ((await requestBody(req)) as Uint8Array<ArrayBuffer>) : undefined,
  });
}

/**
 * Express's res.set gives a Content-Type without a charset one when its type is text, JSON or JavaScript (the
 * `mime` rule `send` carries); @remix-run/express writes every header through it, and so must this.
 */
const CHARSET_GIVEN = /;\s*charset\s*=/;
const UTF8_TYPES = /^text\/|^application\/(javascript|json)/;
function withExpressCharset(name: string, value: string): string {
  if (name.toLowerCase() !== "content-type" || CHARSET_GIVEN.test(value)) return value;
  return UTF8_TYPES.test(value.split(";")[0]) ? `${value}; charset=utf-8` : value;
}

/**
 * Status, headers and body as @remix-run/express writes them: each header appended (so each Set-Cookie is its own
 * line), a Content-Type given its charset as Express does. No body for HEAD, as Remix answers it.
 */
async function writeResponse(req: IncomingMessage, res: ServerResponse, response: Response) {
  res.statusMessage = response.statusText;
  res.statusCode = response.status;
  for (const [name, value] of response.headers) res.appendHeader(name, withExpressCharset(name, value));
  const body = req.method === "HEAD" || !response.body ? null : Buffer.from(await response.arrayBuffer());
  res.end(body);
}

/** What Express's final handler answers in production when a handler fails outside the route (a body cut off, say). */
function answerServerError(res: ServerResponse, error: unknown) {
  if (error instanceof BodyTooLarge) return; // answered 413 by capRequestBodies
  log.error({ err: error }, "request failed outside its route");
  if (res.headersSent) return void res.destroy();
  res.statusCode = 500;
  res.setHeader("Content-Type", "text/plain; charset=utf-8");
  res.end("Internal Server Error");
}

function reportError(build: ServerBuild, error: unknown, request: Request) {
  const handleError = build.entry.module.handleError;
  if (handleError) handleError(error, { request, params: {}, context: {} });
  else log.error({ err: error }, "request failed");
}

/** Remix's answer to an error a route did not turn into a Response: the error itself only outside production. */
function lastResortError(build: ServerBuild, error: unknown): Response {
  const message =
    build.mode === "production" ? "Unexpected Server Error" : `Unexpected Server Error\n\n${String(error)}`;
  return new Response(message, { status: 500, headers: { "Content-Type": "text/plain" } });
}

/** A handler on Node's own request and response, served ahead of Express. */
export type NodeHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

function directHandler(build: ServerBuild, routeId: string): NodeHandler {
  const route = build.routes[routeId];
  if (!route) throw new Error(`${routeId} is not in the build`);
  if (route.module.default) throw new Error(`${routeId} renders a page; only resource routes are served directly`);
  const module = route.module as ResourceRouteModule;
  return async (req, res) => {
    const request = await webRequest(req);
    let response: Response | null;
    try {
      response = await callRouteExport(module, request, {});
    } catch (error) {
      reportError(build, error, request);
      response = lastResortError(build, error);
    }
    // Remix's statuses: a method no export takes is 405; a route without the export the method needs, 400.
    const exported = routeExportFor(request.method);
    response ??= exported
      ? Response.json(
          { message: `${request.method} request to ${new URL(request.url).pathname}, which has no ${exported}` },
          { status: 400 },
        )
      : Response.json({ message: `Invalid request method "${request.method}"` }, { status: 405 });
    await writeResponse(req, res, response);
  };
}

/** A path as Express's router matches a static route: any letter case, one trailing slash allowed. */
export function routeKey(pathname: string): string {
  const lower = pathname.toLowerCase();
  return lower.length > 1 && lower.endsWith("/") ? lower.slice(0, -1) : lower;
}

/** The path of a request target: origin-form (`/path?query`), or absolute-form as a proxy may send it. */
function pathnameOf(target: string): string {
  if (!target.startsWith("/")) return new URL(target, "http://localhost").pathname;
  const queryAt = target.indexOf("?");
  return queryAt === -1 ? target : target.slice(0, queryAt);
}

/** The listed resource routes of the build, each at its own path (see routeKey), to serve with `serveDirectRoutesFirst`. */
export function directResourceRoutes(build: ServerBuild, routeIds: readonly string[]): Map<string, NodeHandler> {
  return new Map(routeIds.map((routeId) => [routeKey(staticPathOf(build, routeId)), directHandler(build, routeId)]));
}

/** A request listener that answers the paths in `direct` itself and hands every other request to `rest` (Express). */
export function serveDirectRoutesFirst(
  direct: ReadonlyMap<string, NodeHandler>,
  rest: RequestListener,
): RequestListener {
  return (req, res) => {
    const handler = direct.get(routeKey(pathnameOf(req.url ?? "/")));
    if (!handler) return rest(req, res);
    handler(req, res).catch((error: unknown) => answerServerError(res, error));
  };
}
