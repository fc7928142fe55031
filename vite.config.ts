import { vitePlugin as remix } from "@remix-run/dev";
import { defineConfig } from "vite";
import tsconfigPaths from "vite-tsconfig-paths";
import { REMIX_FUTURE } from "./server/remix-future";

declare module "@remix-run/node" {
  interface Future {
    v3_singleFetch: true;
  }
}

export default defineConfig({
  server: { port: Number(process.env.PORT || 3000) },
  plugins: [
    // The Remix plugin must stay out of Vitest runs (it wants to own the build).
    !process.env.VITEST &&
      remix({
        ignoredRouteFiles: ["**/.*", "**/*.test.ts", "**/*.test.tsx"],
        future: REMIX_FUTURE,
      }),
    tsconfigPaths(),
  ],
  build: { assetsInlineLimit: 0 },
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: "unit",
          setupFiles: ["test/setup-env.ts"],
          include: ["app/**/*.test.ts", "server/**/*.test.ts", "scripts/**/*.test.ts", "extensions/**/*.test.ts"],
          exclude: ["**/*.db.test.ts", "**/*.e2e.test.ts"],
        },
      },
      {
        extends: true,
        test: {
          name: "db",
          include: ["app/**/*.db.test.ts", "server/**/*.db.test.ts", "test/**/*.db.test.ts"],
          setupFiles: ["test/setup-env.ts", "test/setup-db.ts", "test/setup-storefront.ts"],
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      {
        extends: true,
        test: {
          name: "fuzz",
          include: ["test/fuzz/**/*.fuzz.test.ts"],
          setupFiles: ["test/setup-env.ts", "test/setup-db.ts", "test/setup-storefront.ts"],
          testTimeout: 600_000,
          hookTimeout: 60_000,
        },
      },
      {
        extends: true,
        test: {
          name: "e2e",
          include: ["test/e2e/**/*.e2e.test.ts"],
          globalSetup: ["test/e2e/global-demo.ts"],
          // The files share one demo (and its database); run them one after another so none sees another's half-done step.
          pool: "forks",
          poolOptions: { forks: { singleFork: true } },
          testTimeout: 90_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});
