/**
 * Runs a command against a throwaway PostgreSQL cluster: initdb in a temp directory, a free loopback
 * port, trust auth, stopped and deleted afterwards. Exports TEST_DATABASE_URL (the server's maintenance
 * database, for tests that create their own databases) and DATABASE_URL (an empty `app` database).
 *
 *   node --import tsx scripts/with-postgres.ts -- <command> [args…]
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync, chownSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { freePort, projectRoot } from "./run";

function postgresBinDir(): string {
  const explicit = process.env.PG_BIN_DIR;
  if (explicit) return explicit;
  const root = "/usr/lib/postgresql";
  const versions = existsSync(root) ? readdirSync(root).filter((v) => existsSync(path.join(root, v, "bin", "initdb"))) : [];
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

const separator = process.argv.indexOf("--");
const command = separator >= 0 ? process.argv.slice(separator + 1) : [];
if (command.length === 0) {
  console.error("usage: with-postgres.ts -- <command> [args…]");
  process.exit(2);
}

const bin = postgresBinDir();
const dir = mkdtempSync(path.join(tmpdir(), "chat-attribution-pg-"));
if (asRoot) chownSync(dir, Number(pgCommand("id", ["-u", "postgres"]).trim()), Number(pgCommand("id", ["-g", "postgres"]).trim()));
const dataDir = path.join(dir, "data");
const port = await freePort();

pgCommand(path.join(bin, "initdb"), ["-D", dataDir, "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8"]);
pgCommand(path.join(bin, "pg_ctl"), [
  "-D", dataDir, "-l", path.join(dir, "server.log"), "-w", "-t", "60", "start",
  "-o", `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200`,
]);
const stop = () => {
  try {
    pgCommand(path.join(bin, "pg_ctl"), ["-D", dataDir, "-m", "immediate", "-w", "stop"]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};

const serverUrl = `postgresql://postgres@127.0.0.1:${port}/postgres`;
pgCommand(path.join(bin, "psql"), ["-h", "127.0.0.1", "-p", String(port), "-U", "postgres", "-c", "CREATE DATABASE app"]);
console.log(`[with-postgres] PostgreSQL on 127.0.0.1:${port} (${bin})`);

const child = spawn(command[0], command.slice(1), {
  cwd: projectRoot,
  stdio: "inherit",
  env: {
    ...process.env,
    TEST_DATABASE_URL: serverUrl,
    DATABASE_URL: `postgresql://postgres@127.0.0.1:${port}/app`,
    PATH: `${path.join(projectRoot, "node_modules", ".bin")}${path.delimiter}${process.env.PATH ?? ""}`,
  },
});
for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => child.kill(signal));
child.on("exit", (code, signal) => {
  stop();
  process.exit(code ?? (signal ? 1 : 0));
});
