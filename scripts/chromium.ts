/**
 * Headless Chromium (Debian's) driven by playwright-core, with the flags this offline machine needs:
 * without the background-networking switches Chromium keeps dialling Google and gets refused.
 * Used by the browser tests and the storefront benchmark.
 */
import { chromium, type Browser, type Page } from "playwright-core";
import { ensureChromium } from "./ensure-chromium";

export async function launchBrowser(): Promise<Browser> {
  // playwright-core gives every launch a fresh, empty profile directory of its own.
  return chromium.launch({
    executablePath: ensureChromium(),
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

/** An ordinary desktop Chrome's user agent: Shopify's library (isbot) answers a bot's with 410 Gone on admin routes. */
export const DESKTOP_USER_AGENT =
  "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36";

/** Headless Chromium announces itself as "HeadlessChrome"; a person's browser sends an ordinary user agent. */
export async function newPage(browser: Browser): Promise<Page> {
  const context = await browser.newContext({
    userAgent: DESKTOP_USER_AGENT,
    viewport: { width: 1280, height: 900 },
  });
  return context.newPage();
}
