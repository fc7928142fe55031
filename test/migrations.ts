import { readFileSync } from "node:fs";
import path from "node:path";
import { MIGRATIONS_DIR, migrationNames } from "../server/migrations";

/** The checked-in Prisma migrations, in the order `prisma migrate deploy` applies them. */
export function migrationScripts(): string[] {
  return migrationNames().map((name) => readFileSync(path.join(MIGRATIONS_DIR, name, "migration.sql"), "utf8"));
}
