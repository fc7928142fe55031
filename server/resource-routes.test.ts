/**
 * The direct mount answers resource routes as Remix does: the same build served twice over real HTTP — once by
 * @remix-run/express's handler, once by the direct routes ahead of Express — and every request asked of both.
 */
import { createRequestHandler } from "@remix-run/express";
import type { ServerBuild } from "@remix-run/node";
import express from "express";
import { createServer, request, type RequestListener, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { serveDirectRoutesFirst, directResourceRoutes, routeExportFor, routeKey } from "./resource-routes";
import { REMIX_FUTURE } from "./remix-future";

type Args = { request: Request; params: Record<string, string> };

const echo = async ({ request }: Args) =>
  Response.json(
    {
      method: request.method,
      url: request.url,
      header: request.headers.get("x-probe"),
      repeated: request.headers.get("x-repeated"),
      body: request.method === "GET" || request.method === "HEAD" ? null : await request.text(),
    },
    { status: 201, headers: { "x-answer": "yes" } },
  );

const routeModules: Record<string, { path?: string; parentId?: string; module: Record<string, unknown> }> = {
  root: { path: "", module: {} },
  "routes/echo": {
    path: "echo",
    parentId: "root",
    module: {
      action: echo,
      loader: (args: Args) =>
        args.request.method === "OPTIONS"
          ? new Response(null, { status: 204, headers: { "access-control-allow-origin": "*" } })
          : echo(args).then((response) => {
              const headers = new Headers(response.headers);
              headers.append("set-cookie", "a=1; Path=/");
              headers.append("set-cookie", "b=2; Path=/");
              return new Response(response.body, { status: 200, headers });
            }),
    },
  },
  "routes/refuses": {
    path: "refuses",
    parentId: "root",
    module: {
      action: () => {
        throw new Response("HMAC does not match", { status: 401 });
      },
      loader: () => {
        throw new Error("the database is down");
      },
    },
  },
  "routes/plain-data": {
    path: "plain-data",
    parentId: "root",
    module: { loader: () => ({ answer: 42 }), action: () => null },
  },
  "routes/nothing": { path: "nothing", parentId: "root", module: { action: () => undefined, loader: () => undefined } },
  "routes/only-action": { path: "only-action", parentId: "root", module: { action: () => new Response("acted") } },
  "routes/nested": { path: "nested", parentId: "root", module: { default: () => null } },
  "routes/nested.leaf": {
    path: "leaf",
    parentId: "routes/nested",
    module: { loader: () => new Response("leaf"), action: () => new Response("leaf") },
  },
  "routes/things.$id": { path: "things/:id", parentId: "root", module: { loader: () => new Response("thing") } },
  // Answers with the Content-Type its query asks for (Express gives some a charset on the way out).
  "routes/typed": {
    path: "typed",
    parentId: "root",
    module: {
      loader: ({ request }: Args) =>
        new Response("typed", { headers: { "content-type": new URL(request.url).searchParams.get("type")! } }),
    },
  },
};

const handleError = vi.fn();

function serverBuild(): ServerBuild {
  const routes = Object.fromEntries(
    Object.entries(routeModules).map(([id, route]) => [
      id,
      {
        id,
        parentId: route.parentId,
        path: route.path,
        index: undefined,
        caseSensitive: undefined,
        module: route.module,
      },
    ]),
  );
  return {
    mode: "production",
    entry: { module: { default: () => new Response("page"), handleError } },
    routes,
    assets: { entry: { module: "/entry.js", imports: [] }, routes: {}, url: "/manifest.js", version: "1" },
    future: REMIX_FUTURE,
    basename: undefined,
    publicPath: "/",
    assetsBuildDirectory: "build/client",
    isSpaMode: false,
  } as unknown as ServerBuild;
}

const DIRECT = [
  "routes/echo",
  "routes/refuses",
  "routes/plain-data",
  "routes/nothing",
  "routes/only-action",
  "routes/nested.leaf",
  "routes/typed",
];
let viaRemix: Server;
let direct: Server;

function listen(listener: RequestListener): Promise<Server> {
  return new Promise((resolve) => {
    const server = createServer(listener).listen(0, "127.0.0.1", () => resolve(server));
  });
}

const urlOf = (server: Server, path: string) => `http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`;

async function answerOf(server: Server, path: string, init: RequestInit) {
  const response = await fetch(urlOf(server, path), init);
  const body = await response.text();
  // The URL a route saw names the port it was served on; the two servers differ only there.
  return {
    status: response.status,
    contentType: response.headers.get("content-type"),
    answerHeader: response.headers.get("x-answer"),
    cors: response.headers.get("access-control-allow-origin"),
    cookies: response.headers.getSetCookie(),
    body: body.replace(/127\.0\.0\.1:\d+/, "HOST"),
  };
}

beforeAll(async () => {
  const build = serverBuild();
  viaRemix = await listen(express().all("*", createRequestHandler({ build, mode: "production" })));
  // As server/serve.ts serves them: ahead of an Express app, which answers everything else (here: 418).
  direct = await listen(
    serveDirectRoutesFirst(
      directResourceRoutes(build, DIRECT),
      express().all("*", (_request, response) => void response.status(418).end("not served directly")),
    ),
  );
  // The thrown-Error case logs, and Remix warns that a resource route returned data that is not a Response (the
  // plain-data case asks it on purpose).
  vi.spyOn(console, "error").mockImplementation(() => undefined);
  vi.spyOn(console, "warn").mockImplementation(() => undefined);
});

afterAll(() => {
  viaRemix?.close();
  direct?.close();
  vi.restoreAllMocks();
});

describe("resource routes served without Remix's router", () => {
  it.each([
    [
      "a POST with a body, headers and a query string",
      "/echo?shop=a.myshopify.com&x=1",
      { method: "POST", body: '{"ünïcode":"✓"}', headers: { "x-probe": "probe", "content-type": "application/json" } },
    ],
    [
      "a repeated request header",
      "/echo",
      {
        method: "POST",
        body: "x",
        headers: [
          ["x-repeated", "one"],
          ["x-repeated", "two"],
        ] as [string, string][],
      },
    ],
    ["PUT, PATCH and DELETE (actions too)", "/echo", { method: "PUT", body: "put" }],
    ["PATCH", "/echo", { method: "PATCH", body: "patch" }],
    ["DELETE", "/echo", { method: "DELETE" }],
    ["a GET (the loader, two Set-Cookie headers)", "/echo", { method: "GET", headers: { "x-probe": "get" } }],
    ["a HEAD (the loader, no body)", "/echo", { method: "HEAD" }],
    ["an OPTIONS preflight (the loader, as Remix routes it)", "/echo", { method: "OPTIONS" }],
    ["a trailing slash and other letter case", "/Echo/", { method: "POST", body: "case" }],
    ["a thrown Response", "/refuses", { method: "POST", body: "x" }],
    ["a thrown Error", "/refuses", { method: "GET" }],
    ["data that is not a Response", "/plain-data", { method: "GET" }],
    ["an action that returns null", "/plain-data", { method: "POST", body: "x" }],
    ["an action that returns nothing", "/nothing", { method: "POST", body: "x" }],
    ["an empty body", "/echo", { method: "POST" }],
    ["a route under a parent with a path", "/nested/leaf", { method: "POST", body: "x" }],
    ["a text type without a charset", `/typed?type=${encodeURIComponent("text/csv")}`, { method: "GET" }],
    [
      "a JavaScript type without a charset",
      `/typed?type=${encodeURIComponent("application/javascript")}`,
      { method: "GET" },
    ],
    [
      "a text type with its own charset",
      `/typed?type=${encodeURIComponent("text/plain; charset=iso-8859-1")}`,
      { method: "GET" },
    ],
    ["a binary type", `/typed?type=${encodeURIComponent("application/octet-stream")}`, { method: "GET" }],
    [
      "a type in capitals (Express's rule is case-sensitive)",
      `/typed?type=${encodeURIComponent("Text/Plain")}`,
      { method: "GET" },
    ],
  ] as [string, string, RequestInit][])("%s: same answer", async (_name, path, init) => {
    const expected = await answerOf(viaRemix, path, init);
    const actual = await answerOf(direct, path, init);
    expect(actual).toEqual(expected);
    expect(actual.status).not.toBe(418);
  });

  it.each([
    ["a method no route export takes", "/echo", "PROPFIND", 405],
    ["a GET of a route with an action only", "/only-action", "GET", 400],
  ])("%s is refused alike", async (_name, path, method, status) => {
    expect((await answerOf(viaRemix, path, { method })).status).toBe(status);
    expect((await answerOf(direct, path, { method })).status).toBe(status);
  });

  it("reports a thrown Error to the build's handleError once, with the request", async () => {
    handleError.mockClear();
    await answerOf(direct, "/refuses", { method: "GET" });
    expect(handleError).toHaveBeenCalledTimes(1);
    const [error, { request }] = handleError.mock.calls[0] as [Error, { request: Request }];
    expect(error.message).toBe("the database is down");
    expect(new URL(request.url).pathname).toBe("/refuses");
  });

  it("answers 500 when the request cannot be read into a Request, as Express's final handler does", async () => {
    // fetch cannot send a Host that is no host; Node's client can, and a Request cannot be built on it.
    const badHost = (server: Server) =>
      new Promise<number>((resolve, reject) => {
        const port = (server.address() as AddressInfo).port;
        request(
          { host: "127.0.0.1", port, path: "/echo", method: "POST", headers: { host: "no such host" } },
          (response) => {
            response.resume();
            resolve(response.statusCode ?? 0);
          },
        )
          .on("error", reject)
          .end("x");
      });
    expect(await badHost(viaRemix)).toBe(500);
    expect(await badHost(direct)).toBe(500);
  });

  it("matches a path as Express matches a static route", () => {
    expect(routeKey("/Webhooks/Orders/")).toBe("/webhooks/orders");
    expect(routeKey("/webhooks/orders")).toBe("/webhooks/orders");
    expect(routeKey("/")).toBe("/");
    expect(routeKey("/webhooks/orders//")).toBe("/webhooks/orders/");
  });

  it("leaves other paths to the handler after it", async () => {
    expect((await answerOf(direct, "/things/7", { method: "GET" })).status).toBe(418);
    expect((await answerOf(direct, "/echo/more", { method: "POST" })).status).toBe(418);
  });

  it("refuses to mount a page, a route with URL parameters or a route not in the build", () => {
    const build = serverBuild();
    expect(() => directResourceRoutes(build, ["routes/nested"])).toThrow(/renders a page/);
    expect(() => directResourceRoutes(build, ["routes/things.$id"])).toThrow(/URL parameters/);
    expect(() => directResourceRoutes(build, ["routes/missing"])).toThrow(/not in the build/);
  });

  it.each([
    ["POST", "action"],
    ["delete", "action"],
    ["GET", "loader"],
    ["HEAD", "loader"],
    ["OPTIONS", "loader"],
    ["TRACE", null],
  ])("%s runs the route's %s", (method, expected) => {
    expect(routeExportFor(method)).toBe(expected);
  });
});
