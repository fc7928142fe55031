/**
 * Runs a command against a throwaway PostgreSQL cluster (scripts/postgres-cluster.ts), stopped and deleted
 * afterwards. Exports TEST_DATABASE_URL (the server's maintenance database, for tests that create their own
 * databases) and DATABASE_URL (an empty `app` database).
 *
 *   node --import tsx scripts/with-postgres.ts -- <command> [args…]
 */
import { spawn } from "node:child_process";
import path from "node:path";
import { startPostgresCluster } from "./postgres-cluster";
import { projectRoot } from "../server/project-root";

const separator = process.argv.indexOf("--");
const command = separator >= 0 ? process.argv.slice(separator + 1) : [];
if (command.length === 0) {
  console.error("usage: with-postgres.ts -- <command> [args…]");
  process.exit(2);
}

const cluster = await startPostgresCluster();
console.log(`[with-postgres] PostgreSQL on 127.0.0.1:${cluster.port} (${cluster.binDir})`);

const child = spawn(command[0], command.slice(1), {
  cwd: projectRoot,
  stdio: "inherit",
  env: {
    ...process.env,
    TEST_DATABASE_URL: cluster.serverUrl,
    DATABASE_URL: cluster.databaseUrl,
    PATH: `${path.join(projectRoot, "node_modules", ".bin")}${path.delimiter}${process.env.PATH ?? ""}`,
  },
});
for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => child.kill(signal));
child.on("exit", (code, signal) => {
  cluster.destroy();
  process.exit(code ?? (signal ? 1 : 0));
});
