/**
 * PGlite is one process's database: two processes writing one directory corrupt it (a re-attribution run beside
 * a live server left orders with two attributions under a unique index). Whoever opens a directory holds an
 * exclusive lock file in it; a second opener fails at once, naming the process that holds it. A lock left by a
 * process that no longer runs (killed, crashed) is taken over. See docs/decisions/002-pglite-is-one-process.md.
 */
import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from "node:fs";
import path from "node:path";

export const LOCK_FILE = "chat-attribution.lock";

interface Holder {
  pid: number;
  command: string;
  since: string;
}

export class PgliteInUse extends Error {
  constructor(
    readonly directory: string,
    readonly holder: Holder,
  ) {
    super(
      `The embedded database in ${directory} is in use by process ${holder.pid} (${holder.command}, since ${holder.since}). ` +
        `PGlite serves one process: stop that process first, or run the app on PostgreSQL (DATABASE_URL=postgres://…) to use several.`,
    );
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM"; // alive, someone else's
  }
}

function readHolder(file: string): Holder | null {
  try {
    const holder = JSON.parse(readFileSync(file, "utf8")) as Holder;
    return Number.isInteger(holder.pid) ? holder : null;
  } catch {
    return null; // unreadable or half-written: treated as stale
  }
}

const held = new Map<string, () => void>();

/**
 * Takes the directory's lock for this process (again: a no-op) and returns its release. Throws PgliteInUse when a
 * running process holds it.
 */
export function lockPgliteDirectory(directory: string): () => void {
  const file = path.join(path.resolve(directory), LOCK_FILE);
  const existing = held.get(file);
  if (existing) return existing;
  for (let attempt = 0; attempt < 2; attempt++) {
    let fd: number;
    try {
      fd = openSync(file, "wx");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const holder = readHolder(file);
      if (holder && holder.pid !== process.pid && isRunning(holder.pid)) throw new PgliteInUse(directory, holder);
      unlinkSync(file); // stale: its process is gone
      continue;
    }
    const command =
      process.argv
        .slice(1)
        .map((arg) => path.basename(arg))
        .join(" ") || process.title;
    const holder: Holder = { pid: process.pid, command, since: new Date().toISOString() };
    writeSync(fd, JSON.stringify(holder));
    closeSync(fd);
    const release = () => {
      if (!held.delete(file)) return;
      process.off("exit", release);
      if (readHolder(file)?.pid === process.pid) unlinkSync(file);
    };
    process.on("exit", release);
    held.set(file, release);
    return release;
  }
  throw new Error(`could not take the lock ${file}`);
}
