/**
 * One process per PGlite directory: a second opener (another process, a CLI beside a running server) fails at once
 * naming the holder, and a lock left by a process that was killed is taken over.
 */
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { closePglite, openPglite } from "./pglite.server";
import { LOCK_FILE, PgliteInUse } from "./pglite-lock.server";

const root = path.resolve(import.meta.dirname, "..", "..");
let dir: string;
let child: ChildProcess | undefined;

/** Another process that opens the directory and keeps it open until killed. */
async function holdInAnotherProcess(directory: string): Promise<ChildProcess> {
  const script = `import { openPglite } from "./app/db/pglite.server.ts"; await openPglite(${JSON.stringify(`pglite:${directory}`)}); console.log("open"); setInterval(() => {}, 1000);`;
  const holder = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
    cwd: root,
    stdio: ["ignore", "pipe", "inherit"],
  });
  await new Promise<void>((resolve, reject) => {
    holder.stdout!.on("data", (chunk: Buffer) => chunk.toString().includes("open") && resolve());
    holder.once("exit", (code) => reject(new Error(`holder exited with ${code}`)));
  });
  return holder;
}

afterEach(async () => {
  child?.kill("SIGKILL");
  child = undefined;
  await closePglite();
  rmSync(dir, { recursive: true, force: true });
});

describe("PGlite directory lock", () => {
  it("refuses a second process at once, naming the one that holds the directory, and takes over after it was killed", async () => {
    dir = mkdtempSync(path.join(tmpdir(), "pglite-lock-"));
    child = await holdInAnotherProcess(dir);
    const refused = await openPglite(`pglite:${dir}`).then(
      () => null,
      (error: unknown) => error,
    );
    expect(refused).toBeInstanceOf(PgliteInUse);
    expect((refused as PgliteInUse).holder.pid).toBe(child.pid);
    expect((refused as Error).message).toContain(`in use by process ${child.pid}`);

    child.kill("SIGKILL");
    await new Promise((resolve) => child!.once("exit", resolve));
    child = undefined;
    const db = await openPglite(`pglite:${dir}`);
    expect((await db.query<{ one: number }>("SELECT 1 AS one")).rows).toEqual([{ one: 1 }]);
    await closePglite();
    expect(existsSync(path.join(dir, LOCK_FILE))).toBe(false);
  }, 60_000);

  it("makes the re-attribution CLI refuse beside a running holder, and leaves the data untouched", async () => {
    dir = mkdtempSync(path.join(tmpdir(), "pglite-lock-"));
    child = await holdInAnotherProcess(dir);
    const run = promisify(execFile)(
      process.execPath,
      ["--import", "tsx", "scripts/reattribute.ts", "--shop", "any.myshopify.com"],
      {
        cwd: root,
        env: { ...process.env, DATABASE_URL: `pglite:${dir}` },
        timeout: 30_000,
      },
    );
    const failed = await run.then(
      () => null,
      (error: { code?: number; stderr?: string }) => error,
    );
    expect(failed?.code).toBe(1);
    expect(failed?.stderr).toContain(`is in use by process ${child.pid}`);
    expect(existsSync(path.join(dir, LOCK_FILE))).toBe(true); // still the holder's
  }, 60_000);
});
