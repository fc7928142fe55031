/**
 * The embed on a product page whose cart code is Dawn's (app/demo/storefront/assets/dawn-theme.js): the product
 * form's FormData post with `sections`, the drawer's debounced /cart/change.js by line, cart type "page", and a
 * consent banner the shopper answers after chatting. Both sides are checked: what the embed sent, and what the app
 * stored and shows (the conversation's timeline, the order's class).
 */
import path from "node:path";
import type { Page } from "playwright-core";
import { describe, expect, inject, it } from "vitest";
import { artifactsDir, chromiumForThisFile } from "./browser";
import { attributionInAdmin, cartOf, eventsOfType, push, storedKeys, visitor } from "./storefront-visit";

const storefrontUrl = inject("storefrontUrl");
const adminUrl = inject("demoBaseUrl");
const browser = chromiumForThisFile();
const visit = visitor(browser, storefrontUrl);

const cartEvents = (accepted: Parameters<typeof eventsOfType>[0]) =>
  eventsOfType(accepted, "cart").map((event) => [
    event.cartType,
    event.variantId,
    event.quantity,
    event.fromChat,
    event.conversationId ?? null,
  ]);
const sessionKeys = (page: Page) =>
  page.evaluate(() => Object.keys(sessionStorage).filter((key) => key.startsWith("chat_attribution_")));

/** Checks out the page's cart (the simulator sends the signed orders/paid webhook) and returns the order's id. */
async function checkout(page: Page) {
  await page.goto(`${storefrontUrl}/`);
  await page.locator("[data-checkout]:not([disabled])").waitFor();
  await Promise.all([page.waitForURL(/\/checkout$/), page.click("[data-checkout]")]);
  expect(await page.locator("[data-webhook-status]").getAttribute("data-webhook-status")).toBe("200");
  return (await page.locator("[data-order-id]").textContent())!;
}

const attributionOf = (orderId: string) => attributionInAdmin(browser, adminUrl, orderId);

describe("the embed on Dawn's product page", () => {
  it("adds one cart read to a page view and no other request, on the home page and on Dawn's product page", async () => {
    /** The page's own script requests (fetch, XHR, beacons) during a load and the second after it. */
    const scriptRequests = async (pathAndQuery: string) => {
      const page = await browser.newPage();
      const seen: string[] = [];
      page.on("request", (request) => {
        if (["fetch", "xhr", "ping"].includes(request.resourceType()))
          seen.push(`${request.method()} ${new URL(request.url()).pathname}`);
      });
      await page.goto(`${storefrontUrl}${pathAndQuery}`);
      await page.waitForLoadState("networkidle");
      await page.waitForTimeout(1_000);
      await page.close();
      return seen.sort();
    };
    for (const path of ["/", "/products/vitamin-c-serum"]) {
      const off = await scriptRequests(`${path}?embed=off`);
      const on = await scriptRequests(path);
      const added = [...on];
      for (const request of off) if (added.includes(request)) added.splice(added.indexOf(request), 1);
      expect({ path, added }).toEqual({ path, added: ["GET /cart.js"] });
    }
  });

  it("is reached from the home page, whose Try it panel links a working page for each behaviour", async () => {
    const { page } = await visit();
    const panel = page.getByRole("region", { name: "Try it" });
    expect(await panel.getByRole("listitem").count()).toBe(6);
    const links = await panel
      .getByRole("link")
      .evaluateAll((anchors) => anchors.map((a) => (a as HTMLAnchorElement).href));
    expect(links.length).toBeGreaterThanOrEqual(3);
    for (const href of links) expect((await page.request.get(href)).status(), href).toBe(200);
    await page.getByRole("link", { name: "Vitamin C Serum" }).click();
    await page.waitForURL(/\/products\/vitamin-c-serum$/);
    await page.getByRole("button", { name: "Add to cart" }).waitFor();
  });

  it("links the product page's own Add to cart and the drawer's quantity change to the chat the cart is stamped with", async () => {
    const { page, accepted, pageErrors } = await visit(
      "?chat_autostart=which%20serum%20for%20dull%20skin",
      "/products/vitamin-c-serum",
    );
    await expect.poll(() => eventsOfType(accepted, "message").length, { timeout: 15_000 }).toBe(2);
    const conversationId = accepted[0].conversationId!;
    await expect.poll(async () => (await cartOf(page)).attributes._chat_session_id).toBe(conversationId);

    // The shopper takes the advice with the theme's own button, then sets 3 in the drawer (typed, debounced).
    const cartRequests: { url: string; type: string }[] = [];
    page.on("request", (request) => {
      if (/\/cart\/(add|change)/.test(request.url()))
        cartRequests.push({ url: new URL(request.url()).pathname, type: request.headers()["content-type"] ?? "" });
    });
    await page.getByRole("button", { name: "Add to cart" }).click();
    const quantity = page.getByRole("spinbutton", { name: "Quantity of Vitamin C Serum" });
    await quantity.waitFor();
    // Two steps in quick succession (the shopper clicks + twice): Dawn's debounce sends one change, for 3.
    await quantity.evaluate((input: HTMLInputElement) => {
      for (const value of ["2", "3"]) {
        input.value = value;
        input.dispatchEvent(new Event("change", { bubbles: true }));
      }
    });
    await page.locator("[data-cart-count]", { hasText: "3" }).waitFor();
    expect(cartRequests.map((r) => r.url)).toEqual(["/cart/add", "/cart/change.js"]);
    expect(cartRequests[0].type).toMatch(/^multipart\/form-data/);

    await expect
      .poll(() => cartEvents(accepted), { timeout: 10_000 })
      .toEqual([
        ["ITEM_ADDED", "48103", 1, false, conversationId],
        ["QUANTITY_INCREASED", "48103", 2, false, conversationId],
      ]);
    expect(pageErrors).toEqual([]);

    const orderId = await checkout(page);
    const { admin, attribution } = await attributionOf(orderId);
    expect(attribution.attribution).toMatchObject({ class: "LED", matchedBy: "CART_ATTRIBUTE" });
    // The conversation's timeline counts the theme's adds, and says where they came from.
    await admin.goto(`${adminUrl}/demo`);
    await admin.getByRole("navigation", { name: "App navigation" }).getByRole("link", { name: "Orders" }).click();
    await admin.getByRole("link", { name: attribution.name }).first().click();
    await admin.getByRole("link", { name: conversationId }).click();
    await admin.getByText("Added 1 × Vitamin C Serum").waitFor();
    await expect.poll(() => admin.getByText("from the shop's own cart, stamped with this chat").count()).toBe(2);
    await admin.getByText("Increased by 2 × Vitamin C Serum").waitFor();
    await admin.screenshot({ path: path.join(artifactsDir, "dawn-theme-conversation.png"), fullPage: true });
  });

  it('with cart type "page", finishes an add on the cart page it navigated to, exactly once', async () => {
    const { page, accepted, pageErrors } = await visit("?cart_type=page", "/products/hydrating-face-cream");
    // The cart read after the add answers slowly, so the theme's navigation to /cart always wins the race.
    await page.route("**/cart.js", async (route) => {
      await new Promise((resolve) => setTimeout(resolve, 1500));
      await route.continue();
    });
    await Promise.all([
      page.waitForURL(/#cart$/, { timeout: 15_000 }),
      page.getByRole("button", { name: "Add to cart" }).click(),
    ]);
    await page.locator("[data-cart-count]", { hasText: "1" }).waitFor();
    await expect
      .poll(() => cartEvents(accepted), { timeout: 15_000 })
      .toEqual([["ITEM_ADDED", "48101", 1, false, null]]);
    await expect.poll(() => sessionKeys(page)).toEqual([]);
    // Another page load has nothing left to finish: still one add.
    await page.reload();
    await page.waitForTimeout(4000);
    expect(cartEvents(accepted)).toEqual([["ITEM_ADDED", "48101", 1, false, null]]);
    expect(pageErrors).toEqual([]);
  });

  it("holds a chat the shopper has before answering the consent banner in memory, and sends it once they accept", async () => {
    const { page, accepted, attempts } = await visit(
      "?consent_region=required&chat_autostart=something%20for%20dry%20skin",
      "/products/hydrating-face-cream",
    );
    const banner = page.locator("[data-consent-banner]");
    await banner.waitFor();
    // Chatted and added from the chat while the banner is still open: nothing sent, nothing stored, no visitor id.
    await page.getByRole("button", { name: "Add Hydrating Face Cream to cart" }).click();
    await page.getByRole("button", { name: "Added ✓" }).waitFor();
    await page.waitForTimeout(2500);
    expect(attempts).toEqual([]);
    expect(await storedKeys(page)).toEqual([]);
    expect(await sessionKeys(page)).toEqual([]);
    expect((await page.context().cookies()).map((cookie) => cookie.name)).not.toContain("chat_attribution_vid");
    const cart = await cartOf(page);
    expect(cart.attributes).toEqual({});
    expect(cart.items[0].properties).toEqual({});

    const answeredAt = Date.now();
    await banner.getByRole("button", { name: "Accept" }).click();
    await expect.poll(() => accepted.length, { timeout: 15_000 }).toBe(4);
    expect(accepted.map((event) => [event.type, event.role ?? event.cartType ?? null])).toEqual([
      ["conversation_started", null],
      ["message", "shopper"],
      ["message", "assistant"],
      ["cart", "ITEM_ADDED"],
    ]);
    // Sent with the times they happened, before the shopper answered.
    for (const event of accepted) expect(Date.parse(event.occurredAt)).toBeLessThan(answeredAt);
    const conversationId = accepted[0].conversationId!;
    expect(new Set(accepted.map((event) => event.visitorId)).size).toBe(1);
    await expect
      .poll(async () => (await cartOf(page)).attributes)
      .toEqual({ _chat_session_id: conversationId, _chat_visitor_id: accepted[0].visitorId });

    const orderId = await checkout(page);
    const { attribution } = await attributionOf(orderId);
    expect(attribution.attribution).toMatchObject({ class: "LED", matchedBy: "CART_ATTRIBUTE" });
  });

  it("a link the chat shared, opened in another browser, leads to an order matched by LINK; a forged one credits nothing", async () => {
    const chat = await visit("?chat_autostart=which%20serum%20for%20dull%20skin", "/products/vitamin-c-serum");
    await chat.page.getByRole("button", { name: "Send me a link" }).click();
    const link = chat.page.locator("[data-chat-link]");
    await link.waitFor();
    const url = (await link.getAttribute("href"))!;
    await expect.poll(() => eventsOfType(chat.accepted, "link_shared").length, { timeout: 10_000 }).toBe(1);
    const conversationId = eventsOfType(chat.accepted, "link_shared")[0].conversationId!;
    expect(url).toMatch(new RegExp(`[?&]chat_link=[0-9a-f]{8}\\.${conversationId}$`));

    // Another device: a fresh browser profile, another visitor.
    const phone = await visit(new URL(url).search, new URL(url).pathname);
    await expect.poll(() => eventsOfType(phone.accepted, "link_click").length, { timeout: 10_000 }).toBe(1);
    const visitorId = phone.accepted[0].visitorId;
    expect(visitorId).not.toBe(chat.accepted[0].visitorId);
    await expect
      .poll(async () => (await cartOf(phone.page)).attributes)
      .toEqual({ _chat_session_id: conversationId, _chat_visitor_id: visitorId });
    await phone.page.getByRole("button", { name: "Add to cart" }).click();
    await expect
      .poll(() => cartEvents(phone.accepted), { timeout: 10_000 })
      .toEqual([["ITEM_ADDED", "48103", 1, false, conversationId]]);
    const { admin, attribution } = await attributionOf(await checkout(phone.page));
    expect(attribution.attribution, JSON.stringify(attribution.attribution)).toMatchObject({
      class: "LED",
      matchedBy: "LINK",
    });
    expect(attribution.attribution.steps.join(" ")).toMatch(/opened a link the chat shared/);
    await admin.goto(`${adminUrl}/demo`);
    await admin.getByRole("navigation", { name: "App navigation" }).getByRole("link", { name: "Orders" }).click();
    await admin.getByRole("link", { name: attribution.name }).first().click();
    await admin.getByRole("link", { name: conversationId }).click();
    await admin.getByText("Shared a link").waitFor();
    await admin.getByText("by another visitor (another device or person)").waitFor();

    // The same conversation's id with a token it never shared: the click is kept, the order is not credited.
    const forged = await visit(`?chat_link=zzzzzzzz.${conversationId}`, "/products/clay-mask");
    await expect.poll(() => eventsOfType(forged.accepted, "link_click").length, { timeout: 10_000 }).toBe(1);
    await expect.poll(async () => (await cartOf(forged.page)).attributes._chat_session_id).toBe(conversationId);
    await forged.page.getByRole("button", { name: "Add to cart" }).click();
    await forged.page.locator("[data-cart-count]", { hasText: "1" }).waitFor();
    const { attribution: forgedOrder } = await attributionOf(await checkout(forged.page));
    expect(forgedOrder.attribution).toMatchObject({ class: "UNATTRIBUTED", matchedBy: null });
    expect(forgedOrder.attribution.steps.join(" ")).toMatch(/not counted/);
  });

  it("drops a chat held before consent when the shopper declines, and sends none of it on a later accept", async () => {
    const { page, accepted, attempts } = await visit("?consent_region=required", "/products/clay-mask");
    const banner = page.locator("[data-consent-banner]");
    await banner.waitFor();
    await push(page, ["conversation_started", { conversationId: "c_declined" }]);
    await push(page, ["message", { conversationId: "c_declined", role: "assistant", answerFound: true }]);
    await banner.getByRole("button", { name: "Decline" }).click();
    await banner.waitFor({ state: "hidden" });
    await page.waitForTimeout(2000);
    expect(attempts).toEqual([]);

    await page.click("[data-privacy-settings]");
    await banner.getByRole("button", { name: "Accept" }).click();
    await expect.poll(() => storedKeys(page)).toContain("chat_attribution_visitor");
    await push(page, ["message", { conversationId: "c_after", role: "shopper", topic: "masks" }]);
    await expect.poll(() => accepted.length, { timeout: 10_000 }).toBe(1);
    expect(accepted[0]).toMatchObject({ type: "message", conversationId: "c_after" });
    expect((await cartOf(page)).attributes).toEqual({});
  });
});
