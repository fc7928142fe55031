/**
 * Storefront visits for the browser tests: a fresh Chromium profile on the demo's storefront simulator, the events the
 * app accepted (and so stored), and the embed's command queue and storage as a widget and the shopper see them.
 */
import type { Page } from "playwright-core";

export interface SentEvent {
  id: string;
  type: string;
  occurredAt: string;
  visitorId: string;
  conversationId?: string;
  role?: string;
  answerFound?: boolean;
  cartType?: string;
  variantId?: string;
  quantity?: number;
  value?: string;
  fromChat?: boolean;
  cartToken?: string;
  emailSha256?: string;
}

export interface AjaxCart {
  token: string;
  attributes: Record<string, string>;
  items: { key: string; variant_id: number; quantity: number; properties: Record<string, string> }[];
}

/** Storefront visits in fresh browser profiles, recording every event the app accepted (and so stored). */
export const visitor =
  (browser: { newPage: () => Promise<Page> }, storefrontUrl: string) =>
  async (query = "", pathname = "/") => {
    const page = await browser.newPage();
    const accepted: SentEvent[] = [];
    const attempts: number[] = [];
    const pageErrors: string[] = [];
    // Replies whose body the browser dropped because the page navigated away first (a checkout right after an add):
    // the app answered 200, but which events it refused is unknown, so none of them is counted as accepted.
    const unreadReplies: SentEvent[][] = [];
    page.on("pageerror", (error) => pageErrors.push(error.message));
    page.on("response", async (response) => {
      if (!response.url().includes("/apps/chat-attribution/events")) return;
      attempts.push(response.status());
      if (response.status() !== 200) return;
      const sent = response.request().postDataJSON().events as SentEvent[];
      const reply = await response.json().catch(() => undefined);
      if (reply === undefined) {
        unreadReplies.push(sent);
        return;
      }
      // Accepted means stored: the events the app refused one by one (a cart add its cart does not bear out) are not.
      const refused = new Set((reply.rejected as { index: number }[]).map((r) => r.index));
      accepted.push(...sent.filter((_, index) => !refused.has(index)));
    });
    page.on("requestfailed", (request) => {
      if (request.url().includes("/apps/chat-attribution/events")) attempts.push(0);
    });
    await page.goto(`${storefrontUrl}${pathname}${query}`);
    await page.waitForFunction(
      () => (window as unknown as { chatAttribution?: { loaded?: number } }).chatAttribution?.loaded === 1,
    );
    return { page, accepted, unreadReplies, attempts, pageErrors };
  };

export const cartOf = (page: Page, root = "/") =>
  page.evaluate(async (at) => (await fetch(`${at}cart.js`)).json() as Promise<AjaxCart>, root);
export const push = (page: Page, command: [string, Record<string, unknown>]) =>
  page.evaluate(
    (c) =>
      (window as unknown as { chatAttribution: { push: (c: unknown) => Promise<unknown> } }).chatAttribution.push(c),
    command,
  );
export const storedKeys = (page: Page) =>
  page.evaluate(() => Object.keys(localStorage).filter((key) => key.startsWith("chat_attribution_")));
export const eventsOfType = (events: SentEvent[], type: string) => events.filter((event) => event.type === type);

/** The order's stored attribution as the demo admin's API gives it, and the admin page that asked for it. */
export async function attributionInAdmin(browser: { newPage: () => Promise<Page> }, adminUrl: string, orderId: string) {
  const admin = await browser.newPage();
  await admin.goto(`${adminUrl}/demo`);
  await admin.getByRole("heading", { name: "Insights" }).waitFor();
  const attribution = await admin.evaluate(
    async (id) => (await fetch(`/api/orders/${id}/attribution`)).json(),
    orderId,
  );
  return { admin, attribution };
}
