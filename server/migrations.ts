import { readdirSync } from "node:fs";
import path from "node:path";
import { projectRoot } from "./project-root";

export const MIGRATIONS_DIR = path.join(projectRoot, "prisma", "migrations");

/** The checked-in Prisma migrations by directory name (Prisma's `migration_name`), in the order they apply. */
export function migrationNames(dir = MIGRATIONS_DIR): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
}
