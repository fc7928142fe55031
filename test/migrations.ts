import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";

const migrationsDir = path.resolve(import.meta.dirname, "..", "prisma", "migrations");

/** The checked-in Prisma migrations, in the order `prisma migrate deploy` applies them. */
export function migrationScripts(): string[] {
  return readdirSync(migrationsDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort()
    .map((name) => readFileSync(path.join(migrationsDir, name, "migration.sql"), "utf8"));
}
