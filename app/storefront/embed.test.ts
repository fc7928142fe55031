/**
 * The theme app extension as Shopify receives it: the committed SDK asset is exactly what the source builds to,
 * stays inside its size budget, and Shopify's theme check (theme-app-extension rules) finds nothing.
 */
import { themeCheckRun } from "@shopify/theme-check-node";
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import {
  buildEmbedScript,
  EMBED_ASSET,
  EMBED_EXPERIMENTS_ASSET,
  EMBED_EXPERIMENTS_SIZE_BUDGET_GZIPPED,
  EMBED_EXTENSION_DIR as extensionDir,
  EMBED_SIZE_BUDGET_GZIPPED as SIZE_BUDGET_GZIPPED,
} from "../../scripts/build-embed";
import { EMBED_BLOCK_HANDLE } from "../domain/setup/theme-embed";

function blockSchema(handle: string) {
  const liquid = readFileSync(path.join(extensionDir, "blocks", `${handle}.liquid`), "utf8");
  return JSON.parse(/\{%\s*schema\s*%\}([\s\S]*?)\{%\s*endschema\s*%\}/.exec(liquid)![1]);
}

describe("theme app extension", () => {
  it("ships both SDK builds exactly as app/storefront/sdk.ts builds (run `npm run build:embed` after changing it)", async () => {
    expect(readFileSync(EMBED_ASSET, "utf8")).toBe(await buildEmbedScript(false));
    expect(readFileSync(EMBED_EXPERIMENTS_ASSET, "utf8")).toBe(await buildEmbedScript(true));
  });

  it.each([
    ["storefront SDK", EMBED_ASSET, SIZE_BUDGET_GZIPPED],
    ["storefront SDK with experiments", EMBED_EXPERIMENTS_ASSET, EMBED_EXPERIMENTS_SIZE_BUDGET_GZIPPED],
  ])("keeps the %s within its budget gzipped", (name, asset, budget) => {
    const gzipped = gzipSync(readFileSync(asset), { level: 9 }).length;
    console.log(`${name}: ${readFileSync(asset).length} bytes, ${gzipped} bytes gzipped (budget ${budget})`);
    expect(gzipped).toBeLessThanOrEqual(budget);
  });

  it("leaves the experiment code out of the everyday build", () => {
    expect(readFileSync(EMBED_ASSET, "utf8")).not.toContain("exposure");
    expect(readFileSync(EMBED_EXPERIMENTS_ASSET, "utf8")).toContain("exposure");
  });

  it("has a body app embed whose handle the Setup page's deep link and check use, loading one SDK build", () => {
    const schema = blockSchema(EMBED_BLOCK_HANDLE);
    expect(schema.target).toBe("body");
    // The block chooses the build itself (decision 015), so the schema names no javascript Shopify would add too.
    expect(schema.javascript).toBeUndefined();
    const liquid = readFileSync(path.join(extensionDir, "blocks", `${EMBED_BLOCK_HANDLE}.liquid`), "utf8");
    for (const asset of [EMBED_ASSET, EMBED_EXPERIMENTS_ASSET]) {
      expect(liquid).toContain(`'${path.basename(asset)}' | asset_url`);
      expect(existsSync(asset)).toBe(true);
    }
    expect(schema.settings.map((setting: { id: string }) => setting.id)).toEqual(["cart_tracking", "debug"]);
  });

  it("passes Shopify's theme check with the theme-app-extension rules", async () => {
    const run = await themeCheckRun(extensionDir);
    expect(run.config.context).toBe("app");
    expect(run.offenses.map((offense) => `${offense.check}: ${offense.message} (${offense.uri})`)).toEqual([]);
  }, 30_000);

  it("would fail theme check for a parser-blocking script or a missing asset (the check is live)", async () => {
    const copy = mkdtempSync(path.join(tmpdir(), "embed-check-"));
    try {
      cpSync(extensionDir, copy, { recursive: true });
      const block = path.join(copy, "blocks", `${EMBED_BLOCK_HANDLE}.liquid`);
      writeFileSync(block, `<script src="{{ 'missing.js' | asset_url }}"></script>\n${readFileSync(block, "utf8")}`);
      const checks = new Set((await themeCheckRun(copy)).offenses.map((offense) => offense.check));
      expect(checks).toContain("ParserBlockingScript");
      expect(checks).toContain("MissingAsset");
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  }, 30_000);
});
