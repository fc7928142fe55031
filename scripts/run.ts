import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createServer } from "node:net";
import path from "node:path";
import { PgliteInUse } from "../app/db/pglite-lock.server";
import { projectRoot } from "../server/project-root";

/**
 * Ends a CLI with the exit code its command resolved to (1 if it threw), after `cleanup` (closing the database:
 * PGlite keeps the process alive and needs a clean close).
 */
export function exitWhenDone(command: Promise<number>, cleanup: () => Promise<void>): void {
  command
    .catch((error) => {
      // A database held by another process is the user's to resolve, not a bug: its message says how.
      console.error(error instanceof PgliteInUse ? error.message : error);
      return 1;
    })
    .then(async (code) => {
      await cleanup();
      process.exit(code);
    });
}

/**
 * Runs a command from node_modules/.bin (or PATH) in `root` (this checkout, or another one's for an A/B run) and
 * resolves when it exits 0.
 */
export function run(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
  root = projectRoot,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: root,
      env: { ...env, PATH: `${path.join(root, "node_modules", ".bin")}${path.delimiter}${env.PATH ?? ""}` },
      stdio: "inherit",
    });
    child.on("error", reject);
    child.on("exit", (code, signal) =>
      code === 0 ? resolve() : reject(new Error(`${command} ${args.join(" ")} exited with ${code ?? signal}`)),
    );
  });
}

/** The production build (`remix vite:build`), made now unless `reuse` is asked for and a build exists. */
export async function productionBuild({ reuse }: { reuse: boolean }): Promise<void> {
  if (reuse && existsSync(path.join(projectRoot, "build", "server", "index.js"))) return;
  await run("remix", ["vite:build"], { ...process.env, NODE_ENV: "production" });
}

/** Applies the checked-in Prisma migrations to DATABASE_URL (PGlite or PostgreSQL). */
export function migrate(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  return run("prisma", ["migrate", "deploy"], env);
}

/** A TCP port free on loopback right now (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}
