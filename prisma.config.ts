// Prisma 6.19 with the Wasm schema engine and driver adapters: works offline (Prisma 7 and the
// native engines need downloads). With a config file Prisma no longer reads .env itself.
import path from "node:path";
import { defineConfig } from "prisma/config";
import { databaseUrl } from "./app/db/database-url";
import { migrationAdapterFactory } from "./app/db/migration-adapter.server";

export default defineConfig({
  experimental: { adapter: true },
  engine: "js",
  schema: path.join("prisma", "schema.prisma"),
  migrations: { path: path.join("prisma", "migrations") },
  adapter: async () => migrationAdapterFactory(databaseUrl()) as never,
});
