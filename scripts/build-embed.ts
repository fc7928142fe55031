/**
 * `npm run build:embed`: bundles the storefront SDK (app/storefront/sdk.ts) into the theme app extension's
 * asset. Shopify serves theme-extension assets as they are (the CLI does not bundle them), so the minified
 * file is committed; a test rebuilds it and fails if the committed file is stale or over budget. esbuild bundles
 * and lowers the syntax; terser then compresses (two passes, no unsafe transforms), which takes ~4 % more off the
 * gzipped size than esbuild's minifier alone — the margin the budget needs.
 */
import { build } from "esbuild";
import { minify } from "terser";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { projectRoot } from "../server/project-root";

export const EMBED_SOURCE = path.join(projectRoot, "app", "storefront", "sdk.ts");
/** The theme app extension Shopify receives (blocks, locales, assets). */
export const EMBED_EXTENSION_DIR = path.join(projectRoot, "extensions", "chat-attribution-embed");
export const EMBED_ASSET = path.join(EMBED_EXTENSION_DIR, "assets", "chat-attribution.js");
/** The same SDK with the experiment code in: the embed's Liquid loads it instead while an experiment runs. */
export const EMBED_EXPERIMENTS_ASSET = path.join(EMBED_EXTENSION_DIR, "assets", "chat-attribution-experiments.js");
/** What the SDK may weigh gzipped: it loads on every storefront page of every shop with the embed on. */
export const EMBED_SIZE_BUDGET_GZIPPED = 3 * 1024;
/** The experiments build loads only while a shop runs an experiment, in place of the other (decision 015). */
export const EMBED_EXPERIMENTS_SIZE_BUDGET_GZIPPED = 3.5 * 1024;

export async function buildEmbedScript(experiments = false): Promise<string> {
  const result = await build({
    entryPoints: [EMBED_SOURCE],
    bundle: true,
    minify: true,
    format: "iife",
    // Storefront browsers Shopify supports all run ES2020; newer syntax is lowered rather than polyfilled.
    target: "es2020",
    legalComments: "none",
    define: { EXPERIMENTS: String(experiments) },
    write: false,
  });
  const compressed = await minify(result.outputFiles[0].text, {
    ecma: 2020,
    toplevel: true,
    compress: { passes: 2 },
    // No banner comment: at this budget its ~45 gzipped bytes matter (embed.test.ts says where the file comes from).
  });
  return `${compressed.code}\n`;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  for (const [asset, experiments] of [
    [EMBED_ASSET, false],
    [EMBED_EXPERIMENTS_ASSET, true],
  ] as const) {
    const script = await buildEmbedScript(experiments);
    writeFileSync(asset, script);
    console.log(`${path.relative(projectRoot, asset)}: ${script.length} bytes`);
  }
}
