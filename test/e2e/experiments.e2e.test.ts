/**
 * Experiments in real Chromium: the demo's shipped experiments on the Experiments page against the report API, then a
 * holdout created and started on the page, published to the simulator's Admin API as the app-data metafield, and the
 * storefront loading the embed's experiments build: a holdout visitor is told `showChat: false` and the demo's chat
 * widget stays hidden, a chat visitor sees it, each is exposed once and their cart carries the arm into the order.
 */
import type { Page } from "playwright-core";
import { afterAll, describe, expect, inject, it } from "vitest";
import { assignedArm } from "../../app/domain/experiments/assignment";
import { chromiumForThisFile } from "./browser";
import { adminFetch } from "./global-demo";
import { type AjaxCart, cartOf, eventsOfType, push, type SentEvent } from "./storefront-visit";

const baseUrl = inject("demoBaseUrl");
const storefrontUrl = inject("storefrontUrl");
const shipped = inject("shippedExperiments");
const browser = chromiumForThisFile();

interface Assignment {
  experimentId: string;
  arm: string;
  showChat: boolean;
  variant: string | null;
}

let started: string | null = null;
afterAll(async () => {
  // The other browser files test the everyday embed: leave no experiment running.
  if (started)
    await adminFetch(
      baseUrl,
      `/app/experiments/${started}?_data=${encodeURIComponent("routes/app.experiments.$experimentId")}`,
      {
        method: "POST",
        body: new URLSearchParams({ intent: "end" }),
      },
    );
});

async function openAdmin(path: string): Promise<Page> {
  const page = await browser.newPage();
  await page.goto(`${baseUrl}/demo`);
  await page.getByRole("heading", { name: "Insights" }).waitFor();
  await page.getByRole("navigation", { name: "App navigation" }).getByRole("link", { name: "Experiments" }).click();
  await page.getByRole("heading", { name: "Experiments" }).waitFor();
  if (path !== "/app/experiments") await page.goto(`${baseUrl}${path}`);
  return page;
}

/** A storefront visit as a given visitor id (as if a former page had minted it), recording the events the app kept. */
async function visitAs(visitorId: string) {
  const page = await browser.newPage();
  const accepted: SentEvent[] = [];
  page.on("response", async (response) => {
    if (!response.url().includes("/apps/chat-attribution/events") || response.status() !== 200) return;
    const sent = response.request().postDataJSON().events as SentEvent[];
    const reply = await response.json().catch(() => undefined);
    if (!reply) return;
    const refused = new Set((reply.rejected as { index: number }[]).map((r) => r.index));
    accepted.push(...sent.filter((_, index) => !refused.has(index)));
  });
  await page.addInitScript((id) => localStorage.setItem("chat_attribution_visitor", JSON.stringify(id)), visitorId);
  await page.goto(`${storefrontUrl}/`);
  await page.waitForFunction(
    () => (window as unknown as { chatAttribution?: { loaded?: number } }).chatAttribution?.loaded === 1,
  );
  return { page, accepted };
}

describe("experiments", () => {
  it("ships a finished holdout and a running variant test, and the page shows what the report API says", async () => {
    expect(shipped.map((e) => [e.name, e.status])).toEqual([
      ["Prompt A against prompt B", "RUNNING"],
      ["Chat holdout", "ENDED"],
    ]);
    const holdout = shipped.find((e) => e.name === "Chat holdout")!;
    const page = await openAdmin("/app/experiments");
    await expect.poll(() => page.locator("[data-experiment-link]").count()).toBeGreaterThanOrEqual(2);
    await page.getByRole("link", { name: "Chat holdout" }).click();
    await page.locator("[data-verdict]").first().waitFor();
    const report = await page.evaluate(
      async (id) => (await fetch(`/api/reports/experiments/${id}`)).json(),
      holdout.id,
    );
    const shown = await page.evaluate(() => ({
      verdicts: [...document.querySelectorAll("[data-verdict]")].map((el) => el.getAttribute("data-verdict")),
      rows: [...document.querySelectorAll("[data-arms-table] tbody tr")].map((row) =>
        [...row.querySelectorAll("td, th")].map((cell) => cell.textContent),
      ),
    }));
    expect(shown.verdicts).toEqual(report.comparisons.map((c: { verdict: string }) => c.verdict));
    expect(shown.verdicts).toEqual(["better"]);
    const money = (amount: string) =>
      new Intl.NumberFormat("en", { style: "currency", currency: report.currency }).format(Number(amount));
    expect(shown.rows.map((cells) => [cells[1], cells[4], cells[5]])).toEqual(
      report.arms.map((arm: { visitors: number; netRevenue: string; revenuePerVisitor: string }) => [
        new Intl.NumberFormat("en").format(arm.visitors),
        money(arm.netRevenue),
        money(arm.revenuePerVisitor),
      ]),
    );
    await page.locator('[data-lift-chart="ready"]').waitFor();
    expect(await page.locator('[data-lift-chart="ready"] svg').count()).toBeGreaterThan(0);

    // Insights over 90 days, which the holdout ran in: the return card adds what it caused, as the summary API says.
    await page.goto(`${baseUrl}/demo`); // the embedded admin's URL, session token included
    await page.getByRole("heading", { name: "Insights" }).waitFor();
    const insights = new URL(page.url());
    insights.searchParams.set("preset", "90d");
    await page.goto(insights.href);
    await page.locator('[data-causal-return="headline"]').waitFor();
    const shownCausal = await page.locator('[data-causal-return="headline"]').textContent();
    const { causalReturn } = await page.evaluate(async () => (await fetch("/api/reports/summary?preset=90d")).json());
    expect(causalReturn).toMatchObject({ experimentId: holdout.id, verdict: "better" });
    expect(shownCausal).toBe(
      `the chat added ${money(causalReturn.incrementalRevenue)} (95 % CI ${money(causalReturn.interval[0])} to ${money(causalReturn.interval[1])}) for ${money(causalReturn.cost)} spent`,
    );
  });

  it("starts a holdout from the page; the storefront hides the chat from a holdout visitor and stamps the arm", async () => {
    const page = await openAdmin("/app/experiments");
    await page.getByRole("button", { name: "Holdout template" }).click();
    await page.getByLabel("Name").fill("Browser holdout");
    const weights = page.getByLabel("Weight %");
    await weights.nth(0).fill("50");
    await weights.nth(1).fill("50");
    await page.getByRole("button", { name: "Create draft" }).click();
    await page.waitForURL(/\/app\/experiments\/[0-9a-f-]{36}/);
    const id = new URL(page.url()).pathname.split("/").pop()!;
    await page.getByRole("button", { name: "Start experiment" }).click();
    await page.getByText("Started: the storefront assigns visitors from now on.").waitFor();
    started = id;

    const arms = [
      { key: "no-chat-holdout", weight: 50 },
      { key: "chat", weight: 50 },
    ];
    const keyIn = (arm: string) => {
      for (let n = 0; ; n++) if (assignedArm(id, arms, `e2e-${n}`).key === arm) return `e2e-${n}`;
    };

    const holdout = await visitAs(keyIn("no-chat-holdout"));
    const assignment = (await push(holdout.page, ["assignment", {}])) as Assignment;
    expect(assignment).toEqual({ experimentId: id, arm: "no-chat-holdout", showChat: false, variant: null });
    await expect.poll(() => holdout.page.locator("aside.chat").getAttribute("data-chat-arm")).toBe("no-chat-holdout");
    expect(await holdout.page.locator("aside.chat").isHidden()).toBe(true);
    await expect.poll(() => eventsOfType(holdout.accepted, "exposure").length, { timeout: 10_000 }).toBe(1);
    expect(eventsOfType(holdout.accepted, "exposure")[0]).toMatchObject({ experimentId: id, arm: "no-chat-holdout" });
    await expect
      .poll(async () => (await cartOf(holdout.page)).attributes, { timeout: 10_000 })
      .toEqual({ _chat_visitor_id: keyIn("no-chat-holdout"), _chat_arm: "no-chat-holdout" });

    // The theme's own add, then checkout: the order carries the arm, and the experiment counts it for the holdout.
    await holdout.page.locator("[data-add-fetch]").first().click();
    await expect.poll(async () => ((await cartOf(holdout.page)) as AjaxCart).items.length).toBe(1);
    await holdout.page.reload();
    await Promise.all([holdout.page.waitForURL(/\/checkout$/), holdout.page.click("[data-checkout]")]);
    expect(await holdout.page.locator("[data-webhook-status]").getAttribute("data-webhook-status")).toBe("200");
    // A second page in the experiment sends no second exposure.
    expect(eventsOfType(holdout.accepted, "exposure")).toHaveLength(1);

    const chat = await visitAs(keyIn("chat"));
    expect(await push(chat.page, ["assignment", {}])).toEqual({
      experimentId: id,
      arm: "chat",
      showChat: true,
      variant: null,
    });
    await expect.poll(() => chat.page.locator("aside.chat").getAttribute("data-chat-arm")).toBe("chat");
    expect(await chat.page.locator("aside.chat").isVisible()).toBe(true);
    await expect.poll(() => eventsOfType(chat.accepted, "exposure").length, { timeout: 10_000 }).toBe(1);

    const report = await (await adminFetch(baseUrl, `/api/reports/experiments/${id}`)).json();
    expect(
      report.arms.map((arm: { key: string; visitors: number; orders: number }) => [arm.key, arm.visitors, arm.orders]),
    ).toEqual([
      ["no-chat-holdout", 1, 1],
      ["chat", 1, 0],
    ]);
  });
});
