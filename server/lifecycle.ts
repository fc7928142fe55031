/**
 * A server process's life beside its requests: health and readiness for the load balancer, and a graceful stop.
 *
 * - `GET /healthz`: the process answers (liveness). Nothing else is checked: a restart would not mend a database.
 * - `GET /readyz`: the database answers, every migration in prisma/migrations is applied, and the process is not
 *   stopping. 503 with the reason otherwise, so a load balancer sends it nothing new.
 * - Every request gets an id (the load balancer's `X-Request-Id` when it is a plain token, else a new one), sent back
 *   in `X-Request-Id` and carried by every line logged while it is served; when it is answered one line records
 *   its method, path (never its query, which can hold tokens), status and duration.
 * - On SIGTERM: not ready at once; the listener closes (no new connections) and idle keep-alive connections with it;
 *   each request in flight (a webhook waiting on its group-commit batch, say) is answered, on a connection then
 *   closed; then the jobs stop and the database closes. A request still open after the grace period is cut: Shopify
 *   retries anything unanswered, and idempotency by webhook id makes the retry harmless.
 */
import { randomUUID } from "node:crypto";
import type { IncomingMessage, RequestListener, Server, ServerResponse } from "node:http";
import { sql } from "../app/db.server";
import { log, requestContext } from "../app/lib/log.server";
import { migrationNames } from "./migrations";
import type { NodeHandler } from "./resource-routes";

export interface Lifecycle {
  /** The server's request listener, counting what is in flight. */
  listener(inner: RequestListener): RequestListener;
  /** `/healthz` and `/readyz`, to serve ahead of the app. */
  routes: Record<string, NodeHandler>;
  inFlight(): number;
  /** Stops the server as above; resolves true when every request was answered within the grace period. */
  stop(server: Server, graceMs: number): Promise<boolean>;
  stopping(): boolean;
}

const READINESS_TIMEOUT_MS = 2_000;
/** REQUEST_LOG=off silences the per-request line (the demo's default). */
const requestLog = process.env.REQUEST_LOG === "off" ? { info: (_line: object, _msg: string) => {} } : log;

/** The load balancer's request id when it is a plain token; a new one otherwise (a header is a claim). */
function requestIdOf(req: IncomingMessage): string {
  const given = req.headers["x-request-id"];
  return typeof given === "string" && /^[\w.-]{8,64}$/.test(given) ? given : randomUUID();
}

/** The request's path without its query string, bounded. */
function pathOf(target: string | undefined): string {
  const path = (target ?? "/").split("?", 1)[0];
  return path.length > 200 ? `${path.slice(0, 200)}…` : path;
}

/** The migrations this build expects. */
export const expectedMigrations = () => migrationNames();

async function missingMigrations(expected: readonly string[]): Promise<string[]> {
  // `prisma migrate deploy` keeps its record in _prisma_migrations: a database it never ran on has none.
  const [{ present }] = (await sql.query(`SELECT to_regclass('_prisma_migrations') IS NOT NULL AS present`)) as {
    present: boolean;
  }[];
  if (!present) return [...expected];
  const rows = (await sql.query(
    `SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL`,
  )) as { migration_name: string }[];
  const applied = new Set(rows.map((row) => row.migration_name));
  return expected.filter((name) => !applied.has(name));
}

function answer(res: ServerResponse, status: number, body: Record<string, unknown>) {
  res.writeHead(status, { "Content-Type": "application/json", "Cache-Control": "no-store" });
  res.end(JSON.stringify(body));
}

function within<T>(ms: number, work: Promise<T>): Promise<T> {
  return Promise.race([
    work,
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms).unref()),
  ]);
}

export type RequestLine = {
  req: string;
  method: string | undefined;
  path: string;
  status: number;
  ms: number;
  aborted?: true;
};

export function createLifecycle(
  migrations: readonly string[] = expectedMigrations(),
  logRequest: (line: RequestLine) => void = (line) => requestLog.info(line, "request"),
): Lifecycle {
  let active = 0;
  let stopping = false;
  // Migrations, once all applied, stay applied: the database is then only pinged.
  let migrated = false;
  const onlyGet = (req: IncomingMessage, res: ServerResponse) => {
    if (req.method === "GET" || req.method === "HEAD") return true;
    res.writeHead(405, { Allow: "GET, HEAD" }).end();
    return false;
  };
  const readyz: NodeHandler = async (req, res) => {
    if (!onlyGet(req, res)) return;
    if (stopping) return answer(res, 503, { status: "stopping" });
    try {
      await within(READINESS_TIMEOUT_MS, sql.query("SELECT 1"));
      if (!migrated) {
        const missing = await within(READINESS_TIMEOUT_MS, missingMigrations(migrations));
        if (missing.length > 0) return answer(res, 503, { status: "not migrated", missing });
        migrated = true;
      }
      answer(res, 200, { status: "ready" });
    } catch (error) {
      answer(res, 503, { status: "database unavailable", reason: (error as Error).message });
    }
  };
  const healthz: NodeHandler = async (req, res) => {
    if (onlyGet(req, res)) answer(res, 200, { status: "ok" });
  };
  return {
    routes: { "/healthz": healthz, "/readyz": readyz },
    listener: (inner) => (req, res) => {
      active++;
      const started = performance.now();
      const id = requestIdOf(req);
      res.setHeader("X-Request-Id", id);
      res.once("close", () => {
        active--;
        logRequest({
          req: id,
          method: req.method,
          path: pathOf(req.url),
          status: res.statusCode,
          ms: Math.round((performance.now() - started) * 10) / 10,
          ...(res.writableFinished ? {} : { aborted: true as const }),
        });
      });
      // While stopping, each answer closes its connection: the client's next request goes to another instance.
      if (stopping) res.shouldKeepAlive = false;
      requestContext.run(id, () => inner(req, res));
    },
    inFlight: () => active,
    stopping: () => stopping,
    async stop(server, graceMs) {
      stopping = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const deadline = Date.now() + graceMs;
      while (active > 0 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 25));
        // A keep-alive connection that finished its last request is idle now: close it rather than wait for it.
        server.closeIdleConnections();
      }
      const answered = active === 0;
      if (!answered) {
        log.warn({ inFlight: active }, "grace period over: cutting the requests still open (their senders retry)");
        server.closeAllConnections();
      }
      await closed;
      return answered;
    },
  };
}
