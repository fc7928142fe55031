/**
 * The database adapters patch internals of exact package versions (docs/decisions/001-prisma-6-19-and-driver-adapter-patches.md).
 * Each patch first checks that the installed package is the version it was written for, and refuses to start
 * otherwise: after an upgrade a patch must be re-checked by hand, never applied blindly to code it was not read
 * against.
 */
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

/** The packages whose internals are patched, at the versions the patches were written for. */
export const PATCHED_PACKAGES = {
  "pglite-prisma-adapter": "0.6.1",
  "@electric-sql/pglite": "0.5.16",
  "@prisma/adapter-pg": "6.19.3",
  "pg-boss": "10.4.2",
} as const;

export type PatchedPackage = keyof typeof PATCHED_PACKAGES;

const installed = new Map<string, string>();

/** The version in the package.json Node would load `name` from (read directly: not every package exports it). */
export function installedVersion(name: string, from = import.meta.url): string {
  const known = installed.get(name);
  if (known) return known;
  for (const dir of createRequire(from).resolve.paths(name) ?? []) {
    const file = path.join(dir, name, "package.json");
    if (!existsSync(file)) continue;
    const version = String((JSON.parse(readFileSync(file, "utf8")) as { version?: unknown }).version);
    installed.set(name, version);
    return version;
  }
  throw new Error(`${name} is not installed`);
}

export function assertPatchable(name: PatchedPackage, patch: string, version = installedVersion(name)): void {
  const expected = PATCHED_PACKAGES[name];
  if (version === expected) return;
  throw new Error(
    `${name} ${version} is installed, but the patch "${patch}" was written for ${expected}: re-check it against the ` +
      `new version (docs/decisions/001-prisma-6-19-and-driver-adapter-patches.md), then update PATCHED_PACKAGES.`,
  );
}
