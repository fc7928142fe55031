/**
 * The README's demo in a real browser: `npm run demo`, open the printed URL, the embedded admin renders
 * through the real authenticate.admin (a session token minted for the demo shop).
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import type { Page } from "playwright-core";
import { AxeBuilder } from "@axe-core/playwright";
import { describe, expect, inject, it } from "vitest";
import { artifactsDir, chromiumForThisFile } from "./browser";

const demo = { baseUrl: inject("demoBaseUrl") };
const browser = chromiumForThisFile();

/** A screenshot's name for an admin path: "/app/orders/123" → "orders-detail". */
function slug(pathname: string) {
  const [, , section = "insights", id] = pathname.split("/");
  return id ? `${section}-detail` : section;
}

function appNav(page: Page, name: string) {
  return page.getByRole("navigation", { name: "App navigation" }).getByRole("link", { name }).click();
}

/**
 * Reads the KPI cards and the exclusion note off the page and asks the report API, from inside the page
 * (so the stand-in App Bridge adds the session token), for the same range and surface; both must agree.
 */
async function expectInsightsMatchApi(page: Page) {
  await page.locator("[data-kpi]").first().waitFor();
  // What the page rendered, with the range and surface it rendered them for, in one read: the URL changes as a
  // navigation completes, a moment before React renders the report it loaded. The range comes as explicit days, so
  // a preset cannot roll over midnight between the two reads.
  const shown = await page.evaluate(() => {
    const kpis = Object.fromEntries(
      [...document.querySelectorAll("[data-kpi]")].map((el) => [el.getAttribute("data-kpi"), el.textContent]),
    );
    const excluded = Object.fromEntries(
      [...document.querySelectorAll("[data-excluded]")].map((el) => [
        el.getAttribute("data-excluded"),
        Number(el.textContent),
      ]),
    );
    const paths = Object.fromEntries(
      [...document.querySelectorAll("[data-matched-path]")].map((el) => [
        el.getAttribute("data-matched-path"),
        el.textContent,
      ]),
    );
    const filters = document.querySelector("[data-range-from]")!;
    const [from, to, surface] = ["data-range-from", "data-range-to", "data-surface"].map(
      (name) => filters.getAttribute(name)!,
    );
    const chatFigures = Object.fromEntries(
      [...document.querySelectorAll("[data-chat-return], [data-chat-lines]")].map((el) => [
        el.getAttribute("data-chat-return") ?? `lines-${el.getAttribute("data-chat-lines")}`,
        el.textContent,
      ]),
    );
    const variants = Object.fromEntries(
      [...document.querySelectorAll("[data-variant-revenue]")].map((el) => [
        el.getAttribute("data-variant-revenue"),
        el.textContent,
      ]),
    );
    return { kpis, excluded, paths, chatFigures, variants, filters: { from, to, ...(surface ? { surface } : {}) } };
  });
  const expected = await page.evaluate(async (filters) => {
    const params = new URLSearchParams(filters);
    const report = await (await fetch(`/api/reports/summary?${params}`)).json();
    const byVariant = await (await fetch(`/api/reports/variants?${params}`)).json();
    const money = (amount: string) =>
      new Intl.NumberFormat("en", { style: "currency", currency: report.currency }).format(Number(amount));
    const percent = (fraction: number) =>
      new Intl.NumberFormat("en", { style: "percent", maximumFractionDigits: 1 }).format(fraction);
    return {
      kpis: {
        "Attributed revenue": money(report.totals.attributed.netRevenue),
        "Led revenue": money(report.totals.led.netRevenue),
        "Assisted revenue": money(report.totals.assisted.netRevenue),
        "Attributed orders": new Intl.NumberFormat("en").format(report.totals.attributed.orders),
        "Average order value": money(report.totals.aov),
        "Attribution rate": percent(report.totals.attributionRate.orders),
        "Cart GMV": money(report.cart.gmv),
        "Products in cart": new Intl.NumberFormat("en").format(report.cart.productsInCart),
      },
      excluded: report.excluded,
      paths: Object.fromEntries(
        (report.matchedPaths as { matchedBy: string; orders: number }[]).map((p) => [
          p.matchedBy,
          new Intl.NumberFormat("en").format(p.orders),
        ]),
      ),
      pathsTotal: (report.matchedPaths as { orders: number }[]).reduce((n, p) => n + p.orders, 0),
      attributedOrders: report.totals.attributed.orders as number,
      chatFigures: {
        "lines-net": money(report.chatLines.netRevenue),
        // The demo shop's chat has a cost; under a surface filter the return is not shown (the cost is the shop's).
        ...(report.chatReturn
          ? {
              headline: `The chat earned ${money(report.chatReturn.attributedNetRevenue)} for ${money(report.chatReturn.cost)} spent`,
              ratio: `${new Intl.NumberFormat("en", { maximumFractionDigits: 2 }).format(report.chatReturn.revenuePerCost)}×`,
              profit: money(report.chatReturn.profitAfterCost),
            }
          : {}),
      },
      surfaceFiltered: Boolean(report.surface),
      variants: (byVariant.variants as { variant: string | null; attributed: { netRevenue: string } }[]).some(
        (row) => row.variant !== null,
      )
        ? Object.fromEntries(
            (byVariant.variants as { variant: string | null; attributed: { netRevenue: string } }[]).map((row) => [
              row.variant ?? "",
              money(row.attributed.netRevenue),
            ]),
          )
        : {},
    };
  }, shown.filters);
  expect(shown.kpis).toEqual(expected.kpis);
  expect(shown.excluded).toEqual(expected.excluded);
  expect(shown.paths).toEqual(expected.paths);
  expect(shown.chatFigures).toEqual(expected.chatFigures);
  expect(shown.variants).toEqual(expected.variants);
  expect(Object.keys(shown.chatFigures)).toHaveLength(expected.surfaceFiltered ? 1 : 4);
  // Every attributed order was matched one way: the paths add up to the total.
  expect(expected.pathsTotal).toBe(expected.attributedOrders);
  expect(expected.attributedOrders).toBeGreaterThan(0);
}

describe("npm run demo", () => {
  it("serves Insights for the demo shop, with the same numbers as the report API", async () => {
    const page = await browser.newPage();
    const consoleErrors: string[] = [];
    page.on("pageerror", (error) => consoleErrors.push(error.message));
    await page.goto(`${demo.baseUrl}/demo`);
    await expect.poll(() => page.getByRole("heading", { name: "Insights" }).count(), { timeout: 30_000 }).toBe(1);
    expect(page.url()).toContain("/app?");
    await page.locator('[data-trend-chart="ready"] svg').first().waitFor();
    await expectInsightsMatchApi(page);
    // The demo's chat tries two prompts in the last three weeks: Insights compares them.
    await page.getByRole("heading", { name: "Revenue by chat variant" }).waitFor();
    expect(await page.locator("[data-variant-revenue]").count()).toBe(3);
    await page.screenshot({ path: path.join(artifactsDir, "admin-insights.png"), fullPage: true });

    // Another preset and a surface filter: the URL changes, the page reloads its data, and still agrees with the API.
    await page.getByRole("button", { name: "7 days" }).click();
    await page.waitForURL(/preset=7d/);
    await page.getByLabel("Surface").selectOption("CHAT_WIDGET");
    await page.waitForURL(/surface=CHAT_WIDGET/);
    // The filter applied in the rendered report, not only in the URL (see expectInsightsMatchApi).
    await page.locator('[data-surface="CHAT_WIDGET"]').waitFor();
    await page.getByText(/compared with/).waitFor();
    await expectInsightsMatchApi(page);
    expect(consoleErrors).toEqual([]);
  });

  it("lists orders by class, explains one order, and exports the range as CSV", async () => {
    const page = await browser.newPage();
    const consoleErrors: string[] = [];
    page.on("pageerror", (error) => consoleErrors.push(error.message));
    await page.goto(`${demo.baseUrl}/demo`);
    await page.getByRole("heading", { name: "Insights" }).waitFor();
    await appNav(page, "Orders");
    await page.getByRole("heading", { name: "Orders", exact: true }).waitFor();
    await page.getByRole("tab", { name: "Led" }).click();
    await page.waitForURL(/filter=led/);
    // The URL changes first; the rows follow when the loader answers.
    const classCells = page.locator("table tbody tr td:nth-child(3)");
    await expect
      .poll(async () => {
        const badges = await classCells.allTextContents();
        // Polaris badges carry a visually hidden tone word before the label.
        return badges.length > 0 && badges.every((text) => text.includes("Led"));
      })
      .toBe(true);
    const firstOrder = page.locator("table a").first();
    const orderName = (await firstOrder.textContent())!;
    await page.screenshot({ path: path.join(artifactsDir, "admin-orders.png"), fullPage: true });

    const download = page.waitForEvent("download");
    await page.getByRole("button", { name: "Export CSV" }).click();
    const file = await download;
    expect(file.suggestedFilename()).toMatch(/^chat-orders-\d{4}-\d{2}-\d{2}-to-\d{4}-\d{2}-\d{2}\.csv$/);
    const csv = readFileSync((await file.path())!, "utf8")
      .replace(/^\uFEFF/, "")
      .trimEnd()
      .split("\r\n");
    expect(csv[0]).toBe(
      "Order,Order id,Date,Class,Source,Matched by,Net,Gross,Chat lines (net),Currency,Excluded,Status",
    );
    expect(csv.length - 1).toBe(
      Number((await page.getByText(/· \d+ orders?$/).textContent())!.match(/(\d+) orders?$/)![1]),
    );
    expect(csv.slice(1).every((line) => line.split(",")[3] === "Led")).toBe(true);
    // Every led order is counted, so each has its chat lines' revenue (0.00 when the chat recommended none of them).
    expect(csv.slice(1).every((line) => /^\d+\.\d{2}$/.test(line.split(",")[8]))).toBe(true);

    await firstOrder.click();
    await page.getByRole("heading", { name: `Order ${orderName}` }).waitFor();
    await page.getByText("Why is this order led?").waitFor();
    const steps = await page.locator("ol li").allTextContents();
    expect(steps.length).toBeGreaterThanOrEqual(2);
    expect(steps.at(-1)).toMatch(/Led/);
    await page.screenshot({ path: path.join(artifactsDir, "admin-order-detail.png"), fullPage: true });
    expect(consoleErrors).toEqual([]);
  });

  it("shows conversations with revenue credited, and one conversation's timeline", async () => {
    const page = await browser.newPage();
    const consoleErrors: string[] = [];
    page.on("pageerror", (error) => consoleErrors.push(error.message));
    await page.goto(`${demo.baseUrl}/demo`);
    await page.getByRole("heading", { name: "Insights" }).waitFor();
    await appNav(page, "Conversations");
    await page.getByRole("heading", { name: "Conversations", exact: true }).waitFor();
    await page.screenshot({ path: path.join(artifactsDir, "admin-conversations.png"), fullPage: true });
    // A conversation that earned money: the first row whose "Orders credited" is not 0.
    const row = page
      .locator("table tbody tr")
      .filter({ has: page.locator("td:nth-child(7)", { hasNotText: /^0$/ }) })
      .first();
    const revenue = (await row.locator("td:nth-child(8)").textContent())!;
    await row.locator("a").click();
    await page.getByRole("heading", { name: /^Conversation / }).waitFor();
    expect(await page.locator("[data-revenue-credited]").textContent()).toBe(revenue);
    expect(await page.locator('[data-timeline-kind="touch"]').count()).toBeGreaterThan(0);
    expect(await page.locator('[data-timeline-kind="order"]').count()).toBeGreaterThan(0);
    await page.screenshot({ path: path.join(artifactsDir, "admin-conversation-detail.png"), fullPage: true });
    expect(consoleErrors).toEqual([]);
  });

  it("shows the demo shop's Pro trial on the Plan page, with the way to Shopify's hosted plan page", async () => {
    const page = await browser.newPage();
    const consoleErrors: string[] = [];
    page.on("pageerror", (error) => consoleErrors.push(error.message));
    await page.goto(`${demo.baseUrl}/demo`);
    await page.getByRole("heading", { name: "Insights" }).waitFor();
    await appNav(page, "Plan");
    await page.getByRole("heading", { name: "Plan", exact: true }).waitFor();
    // As the simulator (playing Shopify's Admin API) reports it: a test charge of Pro in its trial.
    expect(await page.locator("[data-plan-name]").getAttribute("data-plan-name")).toBe("PRO");
    await page.getByText(/^Trial: 1[01] days left$/).waitFor();
    expect(await page.getByText("Test charge", { exact: true }).count()).toBe(1);
    await page.getByText("$29.00 every 30 days, billed by Shopify with your store's bill").waitFor();
    expect(await page.getByText(/^\d+, no limit$/).count()).toBe(1);
    // Shopify hosts plan selection: the button leaves the app's frame for the demo shop's plan page.
    const change = page.getByRole("link", { name: "Change plan" });
    expect(await change.getAttribute("href")).toBe(
      "https://admin.shopify.com/store/demo-shop/charges/chat-attribution/pricing_plans",
    );
    expect(await change.getAttribute("target")).toBe("_top");
    // Asking Shopify again reads the same subscription.
    await page.getByRole("link", { name: "Check with Shopify again" }).click();
    await page.waitForURL(/\/app\/plan\?refresh=1/);
    await page.getByText(/^Read from Shopify /).waitFor();
    expect(await page.locator("[data-plan-name]").getAttribute("data-plan-name")).toBe("PRO");
    await page.screenshot({ path: path.join(artifactsDir, "admin-plan.png"), fullPage: true });
    expect(consoleErrors).toEqual([]);
  });

  it("shows the setup checklist with each step's live state, and the privacy page", async () => {
    const page = await browser.newPage();
    await page.goto(`${demo.baseUrl}/demo`);
    await page.getByRole("heading", { name: "Insights" }).waitFor();
    await appNav(page, "Setup");
    await page.getByRole("heading", { name: "Setup", exact: true }).waitFor();
    // Offline there is no Shopify to ask about the theme: the page says so and still offers the deep link.
    await page.getByText("Could not check").waitFor({ timeout: 15_000 });
    const deepLink = await page.getByRole("link", { name: "Enable in theme editor" }).getAttribute("href");
    expect(deepLink).toBe(
      "https://demo-shop.myshopify.com/admin/themes/current/editor?context=apps&template=index&activateAppId=demo-api-key%2Fchat-attribution",
    );
    expect(await page.getByText(/^Last webhook: orders\/|^Last webhook: refunds\//).count()).toBe(1);
    expect(await page.getByText("Not connected").count()).toBe(1);
    // The demo has no Shopify to reconcile with: the step says no run has completed, and claims nothing.
    expect(await page.getByText("Not run yet").count()).toBe(1);
    expect(await page.getByText(/no run has completed yet\.$/).count()).toBe(1);
    // Connecting the pixel asks Shopify (webPixelCreate); offline the page says why it could not.
    await page.getByRole("button", { name: "Connect pixel" }).click();
    await page.getByText("The pixel could not be connected").waitFor({ timeout: 15_000 });
    expect(await page.getByText("Not connected").count()).toBe(1);
    // The guide a chat vendor needs, with whether anything arrived yet: the demo's history came through the
    // storefront; no API key has been used.
    await page.getByRole("heading", { name: "Connect your chat" }).waitFor();
    expect(await page.locator('[data-snippet="widget"]').textContent()).toContain(
      'chatAttribution.push(["assignment"])',
    );
    expect(await page.locator('[data-snippet="server"]').textContent()).toMatch(
      /^curl -X POST http\S+\/api\/v1\/events/,
    );
    expect(await page.getByText(/^Last received /).count()).toBe(1);
    expect(await page.getByText("Nothing yet").count()).toBe(1);
    await page.screenshot({ path: path.join(artifactsDir, "admin-setup.png"), fullPage: true });

    await appNav(page, "Privacy");
    await page.getByRole("heading", { name: "Privacy", exact: true }).waitFor();
    expect(await page.getByText("No customer data requests").count()).toBe(1);
    await page.screenshot({ path: path.join(artifactsDir, "admin-privacy.png"), fullPage: true });
  });

  it("shows a report's error state for a query it cannot answer", async () => {
    const page = await browser.newPage();
    await page.goto(`${demo.baseUrl}/demo`);
    await page.getByRole("heading", { name: "Insights" }).waitFor();
    // The chart mounts only after hydration; before it, typing into the server-rendered inputs reaches no React state.
    await page.locator('[data-trend-chart="ready"]').waitFor();
    await page.getByLabel("From").fill("2026-11-20");
    await page.getByLabel("To").fill("2026-11-01");
    await page.getByRole("button", { name: "Apply range" }).click();
    await page.getByText("invalid report query").waitFor();
    expect(await page.getByText("to: must not be before from").count()).toBe(1);
    await page.getByRole("link", { name: "Show the default view" }).click();
    await page.locator("[data-kpi]").first().waitFor();
  });

  it("navigates client-side with the stand-in App Bridge adding session tokens", async () => {
    const page = await browser.newPage();
    const authorized: string[] = [];
    page.on("request", (request) => {
      if (request.url().includes(".data") && request.headers()["authorization"]?.startsWith("Bearer "))
        authorized.push(request.url());
    });
    await page.goto(`${demo.baseUrl}/demo`);
    await page.getByRole("heading", { name: "Insights" }).waitFor();
    await page.getByRole("navigation", { name: "App navigation" }).getByRole("link", { name: "Insights" }).click();
    await page.getByRole("heading", { name: "Insights" }).waitFor();
    await expect.poll(() => authorized.length, { timeout: 10_000 }).toBeGreaterThan(0);
  });

  it("changes a rule on the Settings page through App Bridge's save bar, and shows history recomputed", async () => {
    const page = await browser.newPage();
    const consoleErrors: string[] = [];
    page.on("pageerror", (error) => consoleErrors.push(error.message));
    await page.goto(`${demo.baseUrl}/demo`);
    await page.getByRole("heading", { name: "Insights" }).waitFor();
    await appNav(page, "Settings");
    await page.getByRole("heading", { name: "Settings" }).waitFor();
    const titleBar = page.locator("ui-title-bar");
    const titleBarSave = titleBar.getByRole("button", { name: "Save" });
    const ledWindow = page.getByLabel("Led window (hours)");
    expect(await ledWindow.inputValue()).toBe("24");
    // The contextual save bar (ui-save-bar) shows only while the form differs from what is stored.
    const saveBar = page.getByRole("region", { name: "Unsaved changes" });
    expect(await saveBar.count()).toBe(0);
    expect(await titleBarSave.isDisabled()).toBe(true);
    await ledWindow.fill("36");
    await saveBar.waitFor();
    expect(await titleBarSave.isDisabled()).toBe(false);
    await saveBar.getByRole("button", { name: "Discard" }).click();
    expect(await ledWindow.inputValue()).toBe("24");
    await saveBar.waitFor({ state: "detached" });

    // Leaving with unsaved edits asks first: "Stay" keeps the page and the edit, "Leave page" drops it.
    await ledWindow.fill("30");
    await saveBar.waitFor();
    const leaveDialog = page.getByRole("dialog", { name: "Leave page with unsaved changes?" });
    await appNav(page, "Orders");
    await leaveDialog.waitFor();
    await page.screenshot({ path: path.join(artifactsDir, "admin-settings-leave-confirmation.png") });
    await leaveDialog.getByRole("button", { name: "Stay" }).click();
    await leaveDialog.waitFor({ state: "detached" });
    expect(new URL(page.url()).pathname).toBe("/app/settings");
    expect(await ledWindow.inputValue()).toBe("30");
    await appNav(page, "Orders");
    await leaveDialog.getByRole("button", { name: "Leave page" }).click();
    await page.getByRole("heading", { name: "Orders", exact: true }).waitFor();
    expect(await saveBar.count()).toBe(0);
    await appNav(page, "Settings");
    await page.getByRole("heading", { name: "Settings" }).waitFor();
    expect(await ledWindow.inputValue()).toBe("24");

    // Passes the browser's own min/max checks, fails the server's cross-field rule.
    const assistedWindow = page.getByLabel("Assisted window (days)");
    await ledWindow.fill("48");
    await assistedWindow.fill("1");
    await page.screenshot({ path: path.join(artifactsDir, "admin-settings-save-bar.png") });
    await saveBar.getByRole("button", { name: "Save" }).click();
    await page.getByText("The settings were not saved").waitFor();
    expect(await page.getByText("the assisted window must be at least as long as the led window").count()).toBe(1);
    expect(await saveBar.count()).toBe(1); // still unsaved

    await assistedWindow.fill("7");
    // The title bar's Save does what the save bar's does.
    await titleBarSave.click();
    await page.getByText("History is being recomputed under the new rules.").waitFor();
    // The page polls the job: every seeded order is checked under settings v2, those with a chat recomputed.
    await page.getByText(/^All \d+ orders checked under settings v2: \d+ recomputed\./).waitFor({ timeout: 60_000 });
    expect(await saveBar.count()).toBe(0); // saved: nothing left unsaved
    expect(await ledWindow.inputValue()).toBe("48");
    expect(await page.getByRole("progressbar", { name: "Re-attribution progress" }).getAttribute("aria-valuenow")).toBe(
      "100",
    );
    // Saved, so leaving asks nothing.
    await appNav(page, "Insights");
    await page.getByRole("heading", { name: "Insights" }).waitFor();
    expect(consoleErrors).toEqual([]);
  });

  it("creates an API key in Settings that a chat backend can use, and revokes it", async () => {
    const page = await browser.newPage();
    await page.goto(`${demo.baseUrl}/demo`);
    await page.getByRole("heading", { name: "Insights" }).waitFor();
    await appNav(page, "Settings");
    await page.getByRole("heading", { name: "API keys" }).waitFor();
    await page.getByLabel("Key name").fill("Chat vendor (e2e)");
    await page.getByRole("button", { name: "Create key" }).click();
    const shown = page.locator("[data-new-api-key]");
    await shown.waitFor();
    const key = (await shown.textContent())!.trim();
    expect(key).toMatch(/^ca_[\w-]{43}$/);
    await page.screenshot({ path: path.join(artifactsDir, "admin-api-keys.png"), fullPage: true });

    const send = () =>
      fetch(`${demo.baseUrl}/api/v1/events`, {
        method: "POST",
        headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
        body: JSON.stringify({
          events: [
            {
              id: crypto.randomUUID(),
              type: "message",
              occurredAt: new Date().toISOString(),
              conversationId: "c_backend",
              role: "assistant",
              answerFound: true,
            },
          ],
        }),
      });
    expect((await send()).status).toBe(200);

    // Away and back: the key is listed by its prefix only, never shown again.
    await appNav(page, "Insights");
    await page.getByRole("heading", { name: "Insights" }).waitFor();
    await appNav(page, "Settings");
    await page.getByRole("heading", { name: "API keys" }).waitFor();
    const row = page.locator(`[data-api-key="${key.slice(0, 11)}"]`);
    await row.waitFor();
    expect(await page.content()).not.toContain(key);
    await row.getByRole("button", { name: "Revoke Chat vendor (e2e)" }).click();
    await row.getByRole("button", { name: "Revoke key" }).click();
    await row.locator(".Polaris-Badge", { hasText: "Revoked" }).waitFor();
    expect((await send()).status).toBe(401);
  });

  it("loads every admin page as a document: no React error, a title, no serious or critical axe violation", async () => {
    const page = await browser.newPage();
    await page.goto(`${demo.baseUrl}/demo`);
    await page.getByRole("heading", { name: "Insights" }).waitFor();
    const admin = new URL(page.url());
    const errors: string[] = [];
    page.on("pageerror", (error) => errors.push(`${new URL(page.url()).pathname}: ${error.message.slice(0, 120)}`));
    const paths = [
      "/app",
      "/app/orders",
      "/app/conversations",
      "/app/experiments",
      "/app/setup",
      "/app/settings",
      "/app/plan",
      "/app/privacy",
    ];
    const firstLink = async (selector: string) =>
      (await page.locator(selector).first().getAttribute("href"))!.split("?")[0];
    const findings: Record<string, string[]> = {};
    for (let i = 0; i < paths.length; i++) {
      admin.pathname = paths[i];
      await page.goto(admin.href);
      await page.getByRole("heading", { level: 1 }).first().waitFor();
      // Hydration runs after the document loads; a mismatch is reported once React has compared the two.
      await page.waitForLoadState("networkidle");
      expect(await page.title(), paths[i]).toMatch(/^\S.* · Chat Attribution$/);
      // App Bridge's title bar names the page as its heading does.
      expect(await page.locator("ui-title-bar .title").textContent(), paths[i]).toBe(
        await page.getByRole("heading", { level: 1 }).first().textContent(),
      );
      await page.screenshot({ path: path.join(artifactsDir, `page-${slug(paths[i])}-1280px.png`), fullPage: true });
      const { violations } = await new AxeBuilder({ page }).analyze();
      const serious = violations.filter((v) => v.impact === "serious" || v.impact === "critical");
      if (serious.length) findings[paths[i]] = serious.map((v) => `${v.id}: ${v.nodes[0]?.target.join(" ")}`);
      // Each list leads to a detail page, checked in turn.
      if (paths[i] === "/app/orders") paths.push(await firstLink('a[href^="/app/orders/"]'));
      if (paths[i] === "/app/conversations") paths.push(await firstLink('a[href^="/app/conversations/"]'));
      if (paths[i] === "/app/experiments") paths.push(await firstLink("[data-experiment-link]"));
    }
    expect(paths).toHaveLength(11);
    expect(findings).toEqual({});
    expect(errors).toEqual([]);

    // The same pages on a phone (Shopify's mobile app, 390 px): none scrolls sideways.
    await page.setViewportSize({ width: 390, height: 844 });
    const overflowing: Record<string, number> = {};
    for (const pathname of paths) {
      admin.pathname = pathname;
      await page.goto(admin.href);
      await page.getByRole("heading", { level: 1 }).first().waitFor();
      await page.waitForLoadState("networkidle");
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      if (overflow > 0) overflowing[pathname] = overflow;
      await page.screenshot({ path: path.join(artifactsDir, `page-${slug(pathname)}-390px.png`), fullPage: true });
    }
    expect(overflowing).toEqual({});
  });

  it("fits a phone (390 px): no sideways scrolling on Insights, Orders or Conversations, the menu folded", async () => {
    const page = await browser.newPage();
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${demo.baseUrl}/demo`);
    await page.getByRole("heading", { name: "Insights" }).waitFor();
    const admin = new URL(page.url());
    for (const [pathname, title] of [
      ["/app", "insights"],
      ["/app/orders", "orders"],
      ["/app/conversations", "conversations"],
    ]) {
      admin.pathname = pathname;
      await page.goto(admin.href);
      await page.getByRole("heading", { level: 1 }).first().waitFor();
      await page.waitForLoadState("networkidle");
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      expect(overflow, pathname).toBeLessThanOrEqual(0);
      await page.screenshot({ path: path.join(artifactsDir, `admin-${title}-390px.png`), fullPage: true });
    }
    // Each order is one stacked row: its link and its net amount both inside the screen.
    admin.pathname = "/app/orders";
    await page.goto(admin.href);
    // The first render is the server's (wide) layout; the stacked one replaces it once the breakpoint is read.
    await expect
      .poll(async () => {
        const box = await page.locator("[data-order-link]").first().boundingBox();
        return box !== null && box.x + box.width <= 390;
      })
      .toBe(true);
    // The sidebar folds into a menu, as the admin's does on a phone.
    const nav = page.getByRole("navigation", { name: "App navigation" });
    expect(await nav.getByRole("link", { name: "Conversations" }).isVisible()).toBe(false);
    await nav.getByRole("button", { name: "Menu" }).click();
    await nav.getByRole("link", { name: "Conversations" }).click();
    await page.getByRole("heading", { name: "Conversations", exact: true }).waitFor();
    expect(await nav.getByRole("link", { name: "Orders" }).isVisible()).toBe(false);
  });

  it("speaks the admin's language: German strings, Polaris' own German, German numbers and dates", async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on("pageerror", (error) => errors.push(error.message));
    // Shopify passes the admin user's locale on the app's URL; the demo takes it as /demo?locale=.
    await page.goto(`${demo.baseUrl}/demo?locale=de`);
    await page.getByRole("heading", { name: "Auswertung", level: 1 }).waitFor();
    await page.waitForLoadState("networkidle");
    expect(await page.locator("html").getAttribute("lang")).toBe("de");
    expect(await page.title()).toBe("Auswertung · Chat Attribution");
    expect(await page.locator("ui-title-bar .title").textContent()).toBe("Auswertung");
    // German amounts: a comma before the cents and the euro sign after them.
    expect(await page.locator('[data-kpi="Attributed revenue"]').textContent()).toMatch(/^[\d.]+,\d{2}\s€$/);
    await page.getByRole("button", { name: "7 Tage" }).click();
    await page.waitForURL(/preset=7d/);
    await page.getByText("Was diese Summen auslassen").waitFor();

    // In-app navigation keeps the language; Polaris' own strings (the pagination's labels) are German too.
    await appNav(page, "Bestellungen");
    await page.getByRole("heading", { name: "Bestellungen", exact: true, level: 1 }).waitFor();
    await page.getByRole("tab", { name: "Geführt" }).waitFor();
    await page.getByRole("button", { name: "Weiter" }).waitFor();
    expect(await page.getByText(/^Seite 1 von \d+$/).count()).toBe(1);
    await page.screenshot({ path: path.join(artifactsDir, "admin-orders-de.png"), fullPage: true });

    // An order's evidence steps, recorded as facts, read in German with the shop's zone named in German.
    await page.getByRole("tab", { name: "Geführt" }).click();
    await page.waitForURL(/filter=led/);
    await expect
      .poll(async () =>
        (await page.locator("table tbody tr td:nth-child(3)").allTextContents()).every((text) =>
          text.includes("Geführt"),
        ),
      )
      .toBe(true);
    await page.locator("[data-order-link]").first().click();
    await page.getByRole("heading", { name: "Warum ist diese Bestellung geführt?" }).waitFor();
    const steps = await page.locator("ol li").allTextContents();
    expect(steps.at(-1)).toBe("→ Geführt.");
    expect(steps.join(" ")).toMatch(/qualifizierende Antwort.*(MEZ|MESZ)/);
    await appNav(page, "Bestellungen");

    await appNav(page, "Einstellungen");
    await page.getByLabel("Zeitfenster für geführt (Stunden)").fill("30");
    await page.getByRole("region", { name: "Unsaved changes" }).getByRole("button", { name: "Verwerfen" }).click();
    expect(await page.getByLabel("Zeitfenster für geführt (Stunden)").inputValue()).not.toBe("30");
    expect(await page.locator("body").textContent()).not.toMatch(/\bAttributed revenue\b|\bLed window\b/);
    expect(errors).toEqual([]);
  });

  it("answers a load balancer's liveness and readiness probes", async () => {
    const probe = async (path: string) => {
      const response = await fetch(`${demo.baseUrl}${path}`);
      return { status: response.status, body: await response.json() };
    };
    expect(await probe("/healthz")).toEqual({ status: 200, body: { status: "ok" } });
    // Migrated by `prisma migrate deploy` (the demo's own step), with the embedded database answering.
    expect(await probe("/readyz")).toEqual({ status: 200, body: { status: "ready" } });
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
