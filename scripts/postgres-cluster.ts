/**
 * A throwaway PostgreSQL cluster on loopback: initdb in a temp directory, a free port, trust auth, an empty
 * `app` database. Used by `npm run test:pg`, the benchmarks and the fault run (which restarts it mid-load).
 */
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { tmpdir } from "node:os";
import path from "node:path";
import { freePort } from "./run";

function postgresBinDir(): string {
  const explicit = process.env.PG_BIN_DIR;
  if (explicit) return explicit;
  const root = "/usr/lib/postgresql";
  const versions = existsSync(root)
    ? readdirSync(root).filter((v) => existsSync(path.join(root, v, "bin", "initdb")))
    : [];
  if (versions.length === 0) {
    throw new Error("PostgreSQL server binaries not found: `apt-get install -y postgresql` (or set PG_BIN_DIR).");
  }
  return path.join(root, versions.sort((a, b) => Number(b) - Number(a))[0], "bin");
}

// initdb refuses to run as root; on CI and these machines we are root, so the cluster belongs to `postgres`.
const asRoot = process.getuid?.() === 0;
function pgCommand(bin: string, args: string[]) {
  const [command, fullArgs] = asRoot ? ["runuser", ["-u", "postgres", "--", bin, ...args]] : [bin, args];
  const result = spawnSync(command, fullArgs, { encoding: "utf8" });
  if (result.status !== 0) throw new Error(`${bin} failed: ${result.stderr || result.stdout}`);
  return result.stdout;
}

export interface PostgresCluster {
  binDir: string;
  port: number;
  /** The maintenance database, for tests that create their own databases. */
  serverUrl: string;
  /** The empty `app` database. */
  databaseUrl: string;
  /** The URL of another database on this server (create it first). */
  databaseUrlFor(name: string): string;
  /** Stops the server the way a crash or a failover does (immediate: open connections are cut). */
  stopServer(): void;
  startServer(): void;
  /** Stops the server and deletes the cluster. */
  destroy(): void;
}

export async function startPostgresCluster({ maxConnections = 200 } = {}): Promise<PostgresCluster> {
  const bin = postgresBinDir();
  const dir = mkdtempSync(path.join(tmpdir(), "chat-attribution-pg-"));
  if (asRoot)
    chownSync(
      dir,
      Number(pgCommand("id", ["-u", "postgres"]).trim()),
      Number(pgCommand("id", ["-g", "postgres"]).trim()),
    );
  const dataDir = path.join(dir, "data");
  const port = await freePort();
  pgCommand(path.join(bin, "initdb"), ["-D", dataDir, "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8"]);
  const startServer = () =>
    pgCommand(path.join(bin, "pg_ctl"), [
      "-D",
      dataDir,
      "-l",
      path.join(dir, "server.log"),
      "-w",
      "-t",
      "60",
      "start",
      "-o",
      `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=${maxConnections}`,
    ]);
  const stopServer = () => pgCommand(path.join(bin, "pg_ctl"), ["-D", dataDir, "-m", "immediate", "-w", "stop"]);
  startServer();
  // A run cut short (Ctrl-C, a CI timeout) must not leave a server and its directory behind; exit handlers are
  // synchronous, like pgCommand.
  let destroyed = false;
  const destroy = () => {
    if (destroyed) return;
    destroyed = true;
    try {
      stopServer();
    } catch {
      // already stopped
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
  process.once("exit", destroy);
  const databaseUrlFor = (name: string) => `postgresql://postgres@127.0.0.1:${port}/${name}`;
  const serverUrl = databaseUrlFor("postgres");
  pgCommand(path.join(bin, "psql"), [
    "-h",
    "127.0.0.1",
    "-p",
    String(port),
    "-U",
    "postgres",
    "-c",
    "CREATE DATABASE app",
  ]);
  return {
    binDir: bin,
    port,
    serverUrl,
    databaseUrl: databaseUrlFor("app"),
    databaseUrlFor,
    stopServer,
    startServer,
    destroy,
  };
}
