/**
 * Production server: the Remix build behind Express. Express adds no body parser, so webhook HMACs are
 * checked over the raw bytes. Health, readiness and the graceful stop are server/lifecycle.ts; every setting is
 * app/config.server.ts (serverConfig). PGlite must be closed on exit or its directory needs crash recovery.
 */
import { createRequestHandler } from "@remix-run/express";
import type { ServerBuild } from "@remix-run/node";
import compression from "compression";
import express from "express";
import { createServer, type Server } from "node:http";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { assertDemoModeAllowed, serverConfig } from "../app/config.server";
import { log } from "../app/lib/log.server";
import { createLifecycle } from "./lifecycle";
import { disconnectDatabase, prisma } from "../app/db.server";
import { capRequestBodies } from "./body-limit";
import { type BackgroundJobOptions, prepareStoredData, startBackgroundJobs } from "./jobs";
import { projectRoot } from "./project-root";
import {
  DIRECT_RESOURCE_ROUTES,
  serveDirectRoutesFirst,
  directResourceRoutes,
  routeKey,
  type NodeHandler,
} from "./resource-routes";

export interface ServerOptions {
  port: number;
  host?: string;
  /**
   * Handlers by path, served ahead of the app like its directly served routes (the benchmark's floor handlers, which
   * must run on the same HTTP stack as the routes they are the floor of); production passes none.
   */
  alsoDirect?: Record<string, NodeHandler>;
  /**
   * The background jobs (./jobs.ts): off for load runs, which must measure requests only; the fault run passes its
   * Admin API stand-in.
   */
  backgroundJobs?: boolean | BackgroundJobOptions;
}

export async function startServer({
  port,
  host = "0.0.0.0",
  alsoDirect = {},
  backgroundJobs = true,
}: ServerOptions): Promise<Server> {
  assertDemoModeAllowed();
  const buildDir = path.join(projectRoot, "build");
  const build = (await import(pathToFileURL(path.join(buildDir, "server", "index.js")).href)) as ServerBuild;
  const app = express();
  app.disable("x-powered-by");
  // The admin's pages, data and scripts travel compressed (gzip or deflate, as the browser accepts): Insights' first
  // load drops to about a quarter. Remix flushes each streamed chunk through it. The ingest routes are served ahead
  // of Express (serveDirectRoutesFirst) and answer a few bytes, uncompressed.
  app.use(compression());
  app.use("/assets", express.static(path.join(buildDir, "client", "assets"), { immutable: true, maxAge: "1y" }));
  app.use(express.static(path.join(buildDir, "client"), { maxAge: "1h" }));
  app.all("*", createRequestHandler({ build, mode: process.env.NODE_ENV }));
  const settings = serverConfig();
  const lifecycle = createLifecycle();
  const direct = directResourceRoutes(build, DIRECT_RESOURCE_ROUTES);
  for (const [path, handler] of Object.entries({ ...lifecycle.routes, ...alsoDirect }))
    direct.set(routeKey(path), handler);
  const server = createServer(lifecycle.listener(capRequestBodies(serveDirectRoutesFirst(direct, app))));
  await prepareStoredData();
  // The queue is there before the first request: a route queues into it (a job queued earlier would be lost).
  const stopJobs = backgroundJobs
    ? await startBackgroundJobs(prisma, {
        stopTimeoutMs: settings.shutdownGraceMs,
        ...(backgroundJobs === true ? {} : backgroundJobs),
      })
    : async () => {};
  await new Promise<void>((resolve) => server.listen(port, host, resolve));
  // Node closes an idle keep-alive connection after 5 s, sooner than the proxies and load balancers in front of an
  // app (60 s is common): one that sends on a connection just closed gets a reset and answers 502, and a webhook
  // sender retries. Outlast them; the headers timeout must exceed the keep-alive one.
  server.keepAliveTimeout = settings.keepAliveMs;
  server.headersTimeout = settings.keepAliveMs + 1_000;
  // A whole request (headers and body, capped by capRequestBodies) gets REQUEST_TIMEOUT_MS, not Node's 300 s: a
  // client trickling a body holds a connection no longer than that. It may not be shorter than the headers timeout.
  server.requestTimeout = settings.requestTimeoutMs;
  // Past this many open connections new ones are refused at once, before any memory is spent on them.
  server.maxConnections = settings.maxConnections;
  const shutdown = async (signal: string) => {
    log.info({ signal, inFlight: lifecycle.inFlight() }, "stopping: answering the requests in flight");
    const answered = await lifecycle.stop(server, settings.shutdownGraceMs);
    await stopJobs();
    await disconnectDatabase();
    log.info({ answered }, "stopped");
    process.exit(answered ? 0 : 1);
  };
  process.once("SIGTERM", () => void shutdown("SIGTERM"));
  process.once("SIGINT", () => void shutdown("SIGINT"));
  return server;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  // `npm start` is production: Remix's production mode, and demo mode refused (assertDemoModeAllowed).
  process.env.NODE_ENV = "production";
  const { port, host } = serverConfig();
  await startServer({ port, host });
  console.log(`Chat Attribution listening on http://localhost:${port}`);
}
