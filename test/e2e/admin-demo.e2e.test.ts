/**
 * The README's demo in a real browser: `npm run demo`, open the printed URL, the embedded admin renders
 * through the real authenticate.admin (a session token minted for the demo shop).
 */
import { mkdirSync } from "node:fs";
import path from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { artifactsDir, launchBrowser, newPage } from "./browser";
import { startDemo, type RunningDemo } from "./demo-process";

let demo: RunningDemo;
let browser: Browser;

beforeAll(async () => {
  [demo, browser] = await Promise.all([startDemo(), launchBrowser()]);
  console.log(`[e2e] npm run demo was ready after ${demo.secondsToReady.toFixed(1)} s`);
  mkdirSync(artifactsDir, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  await demo?.stop();
});

describe("npm run demo", () => {
  it("serves the admin home for the demo shop in Chromium", async () => {
    const page = await newPage(browser);
    const consoleErrors: string[] = [];
    page.on("pageerror", (error) => consoleErrors.push(error.message));
    await page.goto(`${demo.baseUrl}/demo`);
    await expect.poll(() => page.getByRole("heading", { name: "Insights" }).count(), { timeout: 30_000 }).toBe(1);
    expect(page.url()).toContain("/app?");
    expect(await page.getByText("demo-shop.myshopify.com · EUR · Europe/Berlin").count()).toBe(1);
    expect(await page.getByText("Attribution rules in force").count()).toBe(1);
    await page.screenshot({ path: path.join(artifactsDir, "admin-home.png"), fullPage: true });
    expect(consoleErrors).toEqual([]);
  });

  it("navigates client-side with the stand-in App Bridge adding session tokens", async () => {
    const page = await newPage(browser);
    const authorized: string[] = [];
    page.on("request", (request) => {
      if (request.url().includes(".data") && request.headers()["authorization"]?.startsWith("Bearer ")) authorized.push(request.url());
    });
    await page.goto(`${demo.baseUrl}/demo`);
    await page.getByRole("heading", { name: "Insights" }).waitFor();
    await page.getByRole("navigation", { name: "App navigation" }).getByRole("link", { name: "Insights" }).click();
    await page.getByRole("heading", { name: "Insights" }).waitFor();
    await expect.poll(() => authorized.length, { timeout: 10_000 }).toBeGreaterThan(0);
  });

  it("changes a rule on the Settings page and shows history being recomputed to the end", async () => {
    const page = await newPage(browser);
    const consoleErrors: string[] = [];
    page.on("pageerror", (error) => consoleErrors.push(error.message));
    await page.goto(`${demo.baseUrl}/demo`);
    await page.getByRole("heading", { name: "Insights" }).waitFor();
    await page.getByRole("navigation", { name: "App navigation" }).getByRole("link", { name: "Settings" }).click();
    await page.getByRole("heading", { name: "Settings" }).waitFor();
    const ledWindow = page.getByLabel("Led window (hours)");
    expect(await ledWindow.inputValue()).toBe("24");

    // Passes the browser's own min/max checks, fails the server's cross-field rule.
    const assistedWindow = page.getByLabel("Assisted window (days)");
    await ledWindow.fill("48");
    await assistedWindow.fill("1");
    await page.getByRole("button", { name: "Save" }).click();
    await page.getByText("The settings were not saved").waitFor();
    expect(await page.getByText("the assisted window must be at least as long as the led window").count()).toBe(1);

    await assistedWindow.fill("7");
    await page.getByRole("button", { name: "Save" }).click();
    await page.getByText("History is being recomputed under the new rules.").waitFor();
    // The page polls the job; the demo's seeded orders are all recomputed under settings v2.
    await page.getByText(/^All \d+ orders recomputed under settings v2\.$/).waitFor({ timeout: 60_000 });
    expect(await page.getByRole("progressbar", { name: "Re-attribution progress" }).getAttribute("aria-valuenow")).toBe("100");
    await page.screenshot({ path: path.join(artifactsDir, "admin-settings.png"), fullPage: true });
    expect(consoleErrors).toEqual([]);
  });

  it("refuses demo mode under NODE_ENV=production", async () => {
    const { spawnSync } = await import("node:child_process");
    const result = spawnSync("node", ["--import", "tsx", "scripts/demo.ts", "--no-build"], {
      cwd: path.resolve(import.meta.dirname, "..", ".."),
      env: { ...process.env, NODE_ENV: "production", DATABASE_URL: "pglite:memory" },
      encoding: "utf8",
    });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain("Refusing to start: DEMO_MODE is on while NODE_ENV=production");
  });
});
