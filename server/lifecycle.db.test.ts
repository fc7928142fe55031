import { createServer, request as httpRequest, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { randomUUID } from "node:crypto";
import { serverConfig } from "../app/config.server";
import { sql } from "../app/db.server";
import { createLifecycle, expectedMigrations, type Lifecycle, type RequestLine } from "./lifecycle";
import { serveDirectRoutesFirst } from "./resource-routes";

/** A server with the lifecycle's routes and one slow route that answers when the test releases it. */
async function startTestServer(lifecycle: Lifecycle) {
  const waiting: (() => void)[] = [];
  const slow = (_req: unknown, res: import("node:http").ServerResponse) =>
    new Promise<void>((resolve) => {
      waiting.push(() => {
        res.writeHead(200).end("answered");
        resolve();
      });
    });
  const direct = new Map(Object.entries({ ...lifecycle.routes, "/slow": slow }));
  const server = createServer(lifecycle.listener(serveDirectRoutesFirst(direct, (_req, res) => res.end("app"))));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  const release = () => {
    for (const answer of waiting.splice(0)) answer();
  };
  return { server, port, release };
}

/** One request on its own connection: its status and body, or the error it ended with. */
function get(
  port: number,
  path: string,
  method = "GET",
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string; requestId?: string } | Error> {
  return new Promise((resolve) => {
    const req = httpRequest({ host: "127.0.0.1", port, path, method, headers, agent: false }, (res) => {
      let body = "";
      res.setEncoding("utf8").on("data", (chunk) => (body += chunk));
      res.on("end", () =>
        resolve({ status: res.statusCode!, body, requestId: res.headers["x-request-id"] as string | undefined }),
      );
      res.on("error", resolve);
    });
    req.on("error", resolve);
    req.end();
  });
}

/** What `prisma migrate deploy` leaves behind (the DB tests apply the migration scripts directly). */
async function recordMigrations(names: readonly string[]) {
  await sql.query(`CREATE TABLE IF NOT EXISTS _prisma_migrations (
    id varchar(36) PRIMARY KEY, checksum varchar(64) NOT NULL, finished_at timestamptz, migration_name varchar(255) NOT NULL,
    logs text, rolled_back_at timestamptz, started_at timestamptz NOT NULL DEFAULT now(), applied_steps_count integer NOT NULL DEFAULT 0)`);
  await sql.query("DELETE FROM _prisma_migrations");
  for (const name of names)
    await sql.query(
      "INSERT INTO _prisma_migrations (id, checksum, finished_at, migration_name) VALUES ($1, 'x', now(), $2)",
      [randomUUID(), name],
    );
}

let running: Server | null = null;
afterEach(async () => {
  running?.closeAllConnections();
  await new Promise((resolve) => running?.close(resolve) ?? resolve(null));
  running = null;
});

describe("the server's lifecycle", () => {
  it("is alive, and ready once the database answers with every migration applied", async () => {
    await sql.query("DROP TABLE IF EXISTS _prisma_migrations");
    const { server, port } = await startTestServer(createLifecycle());
    running = server;
    // Never migrated by Prisma: every migration is missing.
    const before = await get(port, "/readyz");
    expect(before).toMatchObject({ status: 503 });
    expect(JSON.parse((before as { body: string }).body)).toEqual({
      status: "not migrated",
      missing: expectedMigrations(),
    });
    await recordMigrations(expectedMigrations());
    expect(await get(port, "/healthz")).toMatchObject({ status: 200, body: '{"status":"ok"}' });
    expect(await get(port, "/readyz")).toMatchObject({ status: 200, body: '{"status":"ready"}' });
    expect(await get(port, "/readyz", "POST")).toMatchObject({ status: 405 });
    expect(expectedMigrations().length).toBeGreaterThan(10);
  });

  it("is not ready on a database that lacks a migration this build has", async () => {
    await recordMigrations(expectedMigrations());
    const { server, port } = await startTestServer(createLifecycle([...expectedMigrations(), "29991231000000_later"]));
    running = server;
    const answer = await get(port, "/readyz");
    expect(answer).toMatchObject({
      status: 503,
      body: JSON.stringify({ status: "not migrated", missing: ["29991231000000_later"] }),
    });
    expect(await get(port, "/healthz")).toMatchObject({ status: 200 });
  });

  it("on stop answers the requests in flight, takes no new connection, and says it is stopping", async () => {
    const lifecycle = createLifecycle();
    const { server, port, release } = await startTestServer(lifecycle);
    running = server;
    const inFlight = get(port, "/slow");
    await expect.poll(() => lifecycle.inFlight()).toBe(1);
    const stopped = lifecycle.stop(server, 5_000);
    expect(lifecycle.stopping()).toBe(true);
    // The listener is closed: a new connection is refused, so the load balancer sends it elsewhere.
    expect(await get(port, "/healthz")).toMatchObject({ code: "ECONNREFUSED" });
    release();
    expect(await inFlight).toMatchObject({ status: 200, body: "answered" });
    expect(await stopped).toBe(true);
  });

  it("cuts a request still open when the grace period ends, and says so", async () => {
    const lifecycle = createLifecycle();
    const { server, port } = await startTestServer(lifecycle);
    running = server;
    const inFlight = get(port, "/slow");
    await expect.poll(() => lifecycle.inFlight()).toBe(1);
    expect(await lifecycle.stop(server, 100)).toBe(false);
    // Never answered: the sender (Shopify) retries it.
    expect(await inFlight).toBeInstanceOf(Error);
  });

  it("gives each request an id, logs one line per request without its query, and keeps a sane id it was given", async () => {
    const lines: RequestLine[] = [];
    const lifecycle = createLifecycle(expectedMigrations(), (line) => lines.push(line));
    const { server, port } = await startTestServer(lifecycle);
    running = server;
    const fresh = (await get(port, "/anything?id_token=secret&shop=a.myshopify.com")) as { requestId: string };
    expect(fresh.requestId).toMatch(/^[0-9a-f-]{36}$/);
    const kept = (await get(port, "/healthz", "GET", { "X-Request-Id": "lb-7f3a9c21" })) as { requestId: string };
    expect(kept.requestId).toBe("lb-7f3a9c21");
    // A header is a claim: one that is not a plain token is replaced.
    const hostile = (await get(port, "/healthz", "GET", { "X-Request-Id": 'a b"<script>' })) as { requestId: string };
    expect(hostile.requestId).toMatch(/^[0-9a-f-]{36}$/);
    await expect.poll(() => lines.length).toBe(3);
    expect(lines[0]).toMatchObject({ req: fresh.requestId, method: "GET", path: "/anything", status: 200 });
    expect(lines[1]).toMatchObject({ req: "lb-7f3a9c21", path: "/healthz", status: 200 });
    expect(JSON.stringify(lines)).not.toContain("secret");
    for (const line of lines) expect(line.ms).toBeGreaterThanOrEqual(0);
  });

  it("takes every server setting from the environment, refusing a bad one", () => {
    expect(serverConfig({})).toEqual({
      port: 3000,
      host: "0.0.0.0",
      keepAliveMs: 65_000,
      requestTimeoutMs: 70_000,
      maxConnections: 4096,
      shutdownGraceMs: 20_000,
      databasePoolSize: 10,
    });
    expect(serverConfig({ SHUTDOWN_GRACE_SECONDS: "8", DATABASE_POOL_SIZE: "4" })).toMatchObject({
      shutdownGraceMs: 8_000,
      databasePoolSize: 4,
    });
    expect(() => serverConfig({ DATABASE_POOL_SIZE: "0" })).toThrow(/DATABASE_POOL_SIZE must be a positive/);
    expect(() => serverConfig({ PORT: "eighty" })).toThrow(/PORT/);
    expect(() => serverConfig({ KEEP_ALIVE_SECONDS: "90" })).toThrow(/REQUEST_TIMEOUT_SECONDS/);
  });
});
