import { mkdirSync } from "node:fs";
import path from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll } from "vitest";
import { launchBrowser, newPage } from "../../scripts/chromium";

export { launchBrowser, newPage };

export const artifactsDir = path.resolve(import.meta.dirname, "..", "..", "artifacts");

/**
 * One Chromium for the calling test file: launched before its tests (with the artifacts folder for screenshots),
 * closed after them. Each `newPage()` is a fresh profile.
 */
export function chromiumForThisFile(): { newPage: () => Promise<Page> } {
  let browser: Browser | undefined;
  beforeAll(async () => {
    browser = await launchBrowser();
    mkdirSync(artifactsDir, { recursive: true });
  });
  afterAll(async () => {
    await browser?.close();
  });
  return { newPage: () => newPage(browser!) };
}
