/**
 * The theme app embed in real Chromium on the storefront simulator that `npm run demo` starts: the embed's
 * real Liquid and built SDK, the simulator's AJAX cart, App Proxy requests signed like Shopify's and verified
 * by the app, and a checkout that sends the signed orders/paid webhook.
 */
import { createHash } from "node:crypto";
import path from "node:path";
import { describe, expect, inject, it } from "vitest";
import { artifactsDir, chromiumForThisFile } from "./browser";
import { type AjaxCart, attributionInAdmin, cartOf, eventsOfType, push, storedKeys, visitor } from "./storefront-visit";

const storefrontUrl = inject("storefrontUrl");
const adminUrl = inject("demoBaseUrl");
const browser = chromiumForThisFile();
const visit = visitor(browser, storefrontUrl);

describe("storefront embed (simulated Shopify storefront)", () => {
  it("processes commands a widget pushed before the SDK loaded, in order, and stamps the cart", async () => {
    // The widget asks its question while the page is still parsing; the deferred SDK runs later.
    const { page, accepted, pageErrors } = await visit("?chat_autostart=something%20for%20dry%20skin");
    await expect.poll(() => accepted.length, { timeout: 15_000 }).toBe(3);
    expect(accepted.map((event) => [event.type, event.role ?? null, event.answerFound ?? null])).toEqual([
      ["conversation_started", null, null],
      ["message", "shopper", null],
      ["message", "assistant", true],
    ]);
    const conversationId = accepted[0].conversationId!;
    const visitorId = accepted[0].visitorId;
    expect(new Set(accepted.map((event) => event.visitorId))).toEqual(new Set([visitorId]));
    expect(await page.evaluate(() => localStorage.getItem("chat_attribution_visitor"))).toBe(JSON.stringify(visitorId));
    expect((await page.context().cookies()).find((cookie) => cookie.name === "chat_attribution_vid")?.value).toBe(
      visitorId,
    );

    const cart = await cartOf(page);
    expect(cart.attributes).toEqual({ _chat_session_id: conversationId, _chat_visitor_id: visitorId });

    // A new cart (Shopify hands out one after checkout or expiry) is stamped again on the next page.
    await page.context().clearCookies({ name: "cart" });
    expect((await cartOf(page)).attributes).toEqual({});
    await page.goto(`${storefrontUrl}/`);
    await expect
      .poll(async () => (await cartOf(page)).attributes, { timeout: 10_000 })
      .toEqual({ _chat_session_id: conversationId, _chat_visitor_id: visitorId });
    expect(pageErrors).toEqual([]);
  });

  it("adds to cart from chat with the _chat_session_id line property on a locale's routes, and resolves to the cart", async () => {
    const { page, accepted } = await visit("", "/fr/");
    const cartRequests: string[] = [];
    page.on("request", (request) => {
      if (request.url().includes("/cart/")) cartRequests.push(new URL(request.url()).pathname);
    });
    await push(page, ["conversation_started", { conversationId: "c_fr_1" }]);
    const cart = (await push(page, [
      "add_to_cart",
      { conversationId: "c_fr_1", variantId: "gid://shopify/ProductVariant/48103", quantity: 2 },
    ])) as AjaxCart;

    expect(cart.items).toEqual([
      expect.objectContaining({ variant_id: 48103, quantity: 2, properties: { _chat_session_id: "c_fr_1" } }),
    ]);
    expect(cart.attributes._chat_session_id).toBe("c_fr_1");
    expect(cartRequests).toContain("/fr/cart/add.js");
    expect(cartRequests).toContain("/fr/cart/update.js");
    await expect.poll(() => eventsOfType(accepted, "cart").length, { timeout: 10_000 }).toBe(1);
    // 42.00 with the shop's 10 % automatic discount: the unit value after discounts.
    expect(eventsOfType(accepted, "cart")[0]).toMatchObject({
      cartType: "ITEM_ADDED",
      variantId: "48103",
      quantity: 2,
      value: "37.80",
      fromChat: true,
      conversationId: "c_fr_1",
      cartToken: cart.token,
    });

    // Invalid commands are reported and dropped, never thrown into the widget.
    const warnings: string[] = [];
    page.on("console", (message) => message.type() === "warning" && warnings.push(message.text()));
    expect(
      await push(page, ["add_to_cart", { conversationId: "c_fr_1", variantId: "48103", quantity: 0 }]),
    ).toBeUndefined();
    expect(await push(page, ["no_such_command", {}])).toBeUndefined();
    await expect.poll(() => warnings.length).toBe(2);
  });

  it("records the theme's own cart changes (fetch, XHR, form post) as deltas, and leaves the theme's requests as they were", async () => {
    const { page, accepted, pageErrors } = await visit();
    const cartEvents = () =>
      eventsOfType(accepted, "cart").map((event) => [
        event.cartType,
        event.variantId,
        event.quantity,
        event.value,
        event.fromChat,
      ]);

    await page.click("[data-add-fetch='48101']");
    await page.locator("[data-cart-count]", { hasText: "1" }).waitFor();
    await page.click("[data-add-xhr='48101']");
    await page.locator("[data-cart-count]", { hasText: "2" }).waitFor();
    await expect.poll(cartEvents, { timeout: 10_000 }).toEqual([
      ["ITEM_ADDED", "48101", 1, "34.90", false],
      ["QUANTITY_INCREASED", "48101", 1, "34.90", false],
    ]);

    // A plain form post navigates away; the change is recorded on the next page.
    await Promise.all([page.waitForURL(/#cart$/), page.click("[data-add-form='48103']")]);
    await page.locator("[data-cart-count]", { hasText: "3" }).waitFor();
    await expect.poll(() => cartEvents().length, { timeout: 10_000 }).toBe(3);
    expect(cartEvents()[2]).toEqual(["ITEM_ADDED", "48103", 1, "37.80", false]);

    const serumLine = page.locator("[data-cart-lines] li", { hasText: "Vitamin C Serum" });
    await serumLine.locator("[data-line-increase]").click();
    await serumLine.locator("[data-line-quantity]", { hasText: "2" }).waitFor();
    await page
      .locator("[data-cart-lines] li", { hasText: "Hydrating Face Cream" })
      .locator("[data-line-decrease]")
      .click();
    await page.locator("[data-cart-count]", { hasText: "3" }).waitFor();
    await serumLine.locator("[data-line-remove]").click();
    await page.locator("[data-cart-count]", { hasText: "1" }).waitFor();
    await expect
      .poll(() => cartEvents().slice(3), { timeout: 10_000 })
      .toEqual([
        ["QUANTITY_INCREASED", "48103", 1, "37.80", false],
        ["QUANTITY_DECREASED", "48101", 1, "34.90", false],
        ["ITEM_REMOVED", "48103", 2, "37.80", false],
      ]);
    // No chat happened, so nothing was stamped onto the cart.
    expect((await cartOf(page)).attributes).toEqual({});
    expect(pageErrors).toEqual([]);

    // The merchant can switch cart tracking off in the embed's settings: the theme's adds are then not recorded.
    const untracked = await visit("?embed_cart_tracking=false");
    await untracked.page.click("[data-add-fetch='48102']");
    await untracked.page.locator("[data-cart-count]", { hasText: "1" }).waitFor();
    await untracked.page.waitForTimeout(2500);
    expect(eventsOfType(untracked.accepted, "cart")).toEqual([]);
  });

  it("without analytics consent keeps and sends nothing, and starts once consent is given", async () => {
    const { page, accepted, attempts } = await visit("?consent_region=required");
    const banner = page.locator("[data-consent-banner]");
    await banner.waitFor();
    await banner.getByRole("button", { name: "Decline" }).click();
    await banner.waitFor({ state: "hidden" });

    await push(page, ["conversation_started", { conversationId: "c_consent" }]);
    await push(page, ["message", { conversationId: "c_consent", role: "assistant", answerFound: true }]);
    // Adding to cart still works for the shopper; it just carries no chat marker.
    const cart = (await push(page, ["add_to_cart", { conversationId: "c_consent", variantId: "48106" }])) as AjaxCart;
    expect(cart.items[0].properties).toEqual({});
    await page.waitForTimeout(2500);
    expect(attempts).toEqual([]);
    expect(await storedKeys(page)).toEqual([]);
    expect((await page.context().cookies()).map((cookie) => cookie.name)).not.toContain("chat_attribution_vid");
    expect((await cartOf(page)).attributes).toEqual({});

    await page.click("[data-privacy-settings]");
    await banner.getByRole("button", { name: "Accept" }).click();
    await expect.poll(() => storedKeys(page)).toContain("chat_attribution_visitor");
    await push(page, ["message", { conversationId: "c_consent", role: "assistant", answerFound: true }]);
    await expect.poll(() => accepted.length, { timeout: 10_000 }).toBe(1);
    expect(accepted[0]).toMatchObject({ type: "message", conversationId: "c_consent", answerFound: true });
    expect((await cartOf(page)).attributes._chat_session_id).toBe("c_consent");
  });

  it("keeps events through a network failure, bounded, and delivers them when the network is back", async () => {
    const { page, accepted, attempts } = await visit();
    await page.route("**/apps/chat-attribution/events", (route) => route.abort("internetdisconnected"));
    await push(page, ["conversation_started", { conversationId: "c_offline" }]);
    await push(page, ["message", { conversationId: "c_offline", role: "shopper", topic: "gift ideas" }]);
    await push(page, ["identify", { email: "  Shopper@Example.com " }]);
    await expect
      .poll(() => attempts.filter((status) => status === 0).length, { timeout: 15_000 })
      .toBeGreaterThanOrEqual(2);
    const queued = await page.evaluate(() => JSON.parse(localStorage.getItem("chat_attribution_queue") ?? "[]").length);
    expect(queued).toBe(3);

    await page.unroute("**/apps/chat-attribution/events");
    await expect.poll(() => accepted.length, { timeout: 40_000 }).toBe(3);
    expect(accepted.map((event) => event.type)).toEqual(["conversation_started", "message", "identify"]);
    // SHA-256 of the trimmed, lower-cased address; the address itself never leaves the browser.
    expect(accepted[2].emailSha256).toBe(createHash("sha256").update("shopper@example.com").digest("hex"));
    expect(JSON.stringify(accepted)).not.toMatch(/example\.com/i);
    expect(await page.evaluate(() => localStorage.getItem("chat_attribution_queue"))).toBeNull();

    // A dead network cannot fill storage: the queue keeps the newest 200 events.
    await page.route("**/apps/chat-attribution/events", (route) => route.abort("internetdisconnected"));
    await page.evaluate(async () => {
      const queue = (window as unknown as { chatAttribution: { push: (c: unknown) => Promise<unknown> } })
        .chatAttribution;
      for (let i = 0; i < 250; i++)
        await queue.push(["message", { conversationId: "c_flood", role: "shopper", topic: `t${i}` }]);
    });
    const flood = await page.evaluate(
      () => JSON.parse(localStorage.getItem("chat_attribution_queue") ?? "[]") as { topic: string }[],
    );
    expect(flood.length).toBe(200);
    expect(flood.at(-1)!.topic).toBe("t249");
  });

  it("never breaks the theme or the widget when storage is unavailable (private browsing, full quota)", async () => {
    const page = await browser.newPage();
    const pageErrors: string[] = [];
    page.on("pageerror", (error) => pageErrors.push(error.message));
    await page.addInitScript(() => {
      Storage.prototype.setItem = () => {
        throw new DOMException("The quota has been exceeded.", "QuotaExceededError");
      };
    });
    await page.goto(`${storefrontUrl}/`);
    await page.waitForFunction(
      () => (window as unknown as { chatAttribution?: { loaded?: number } }).chatAttribution?.loaded === 1,
    );
    await page.click("[data-add-fetch='48104']");
    await page.locator("[data-cart-count]", { hasText: "1" }).waitFor();
    const cart = (await push(page, [
      "add_to_cart",
      { conversationId: "c_no_storage", variantId: "48101" },
    ])) as AjaxCart;
    expect(cart.items.map((item) => item.variant_id).sort()).toEqual([48101, 48104]);
    expect(pageErrors).toEqual([]);
  });

  it("sends waiting events with keepalive when the shopper leaves, and a resend after that is a harmless duplicate", async () => {
    const { page } = await visit();
    // Left before the 1-second batching timer fires: only the pagehide flush can send it.
    await push(page, ["message", { conversationId: "c_leaving", role: "shopper", topic: "returns" }]);
    await page.goto("about:blank");
    await page.waitForTimeout(1000);

    // The leaving page never read the answer, so the event is still queued; the next page resends it, and the
    // app already has that event id from the keepalive request sent while the page was going away.
    const replies: { accepted: number; duplicates: number }[] = [];
    page.on("response", async (response) => {
      if (response.url().includes("/apps/chat-attribution/events")) replies.push(await response.json());
    });
    await page.goto(`${storefrontUrl}/`);
    await expect.poll(() => replies.length, { timeout: 10_000 }).toBeGreaterThan(0);
    expect(replies[0]).toMatchObject({ accepted: 0, duplicates: 1 });
  });

  it("chat → add to cart from chat → checkout: the order is led by the conversation in the admin", async () => {
    const { page, accepted, pageErrors } = await visit("?chat_autostart=which%20serum%20for%20dull%20skin");
    await page.getByRole("button", { name: "Add Vitamin C Serum to cart" }).click();
    await page.getByRole("button", { name: "Added ✓" }).waitFor();
    await page.locator("[data-cart-count]", { hasText: "1" }).waitFor();
    await expect.poll(() => eventsOfType(accepted, "cart").length, { timeout: 10_000 }).toBe(1);
    const conversationId = accepted[0].conversationId!;
    await page.screenshot({ path: path.join(artifactsDir, "storefront-chat.png"), fullPage: true });

    await Promise.all([page.waitForURL(/\/checkout$/), page.click("[data-checkout]")]);
    expect(await page.locator("[data-webhook-status]").getAttribute("data-webhook-status")).toBe("200");
    const orderId = await page.locator("[data-order-id]").textContent();
    const orderName = await page.locator("[data-order-name]").textContent();
    await page.screenshot({ path: path.join(artifactsDir, "storefront-thank-you.png") });
    expect(pageErrors).toEqual([]);

    const { admin, attribution } = await attributionInAdmin(browser, adminUrl, orderId!);
    expect(attribution).toMatchObject({
      orderId,
      name: orderName,
      verified: true,
      grossRevenue: "37.80",
      attribution: { class: "LED", matchedBy: "CART_ATTRIBUTE", source: "CHAT_WIDGET" },
    });
    expect(attribution.lineItems).toEqual([expect.objectContaining({ chatSessionId: conversationId, quantity: 1 })]);

    await admin.getByRole("navigation", { name: "App navigation" }).getByRole("link", { name: "Orders" }).click();
    await admin.getByRole("link", { name: orderName! }).first().click();
    await admin.getByText("Why is this order led?").waitFor();
    await admin.screenshot({ path: path.join(artifactsDir, "storefront-order-in-admin.png"), fullPage: true });
  });
});
