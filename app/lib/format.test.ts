import { describe, expect, it } from "vitest";
import {
  adminOrderUrl,
  changeRatio,
  formatChange,
  formatCurrency,
  formatDateTime,
  formatDayRange,
  formatPointChange,
} from "./format";

describe("format", () => {
  it.each([
    ["2026-11-08", "2026-12-07", "en", "Nov 8, 2026 – Dec 7, 2026"],
    ["2026-12-07", "2026-12-07", "en", "Dec 7, 2026"],
    ["2025-12-30", "2026-01-05", "de", "30.12.2025 – 05.01.2026"],
  ])("days %s to %s in %s read %s", (from, to, locale, expected) => {
    expect(formatDayRange(from, to, locale)).toBe(expected);
  });

  it.each([
    ["120.5", "EUR", "de-DE", "120,50 €"],
    ["120.5", "EUR", "en", "€120.50"],
    ["1234567.891", "USD", "en-US", "$1,234,567.89"],
    ["5", "JPY", "ja-JP", "￥5"],
  ])("%s %s in %s → %s", (amount, currency, locale, expected) => {
    expect(formatCurrency(amount, currency, locale).replace(/\u00a0/g, " ")).toBe(expected);
  });

  it.each([
    ["110", "100", "+10%"],
    ["90", "100", "−10%"],
    ["100", "100", "0%"],
    ["5", "0", "—"],
    ["0", "0", "—"],
  ])("change from %s to %s reads %s", (current, previous, expected) => {
    expect(formatChange(changeRatio(current, previous), "en")).toBe(expected);
  });

  it.each([
    [0.225, 0.208, "en", "+1.7 pp"],
    [0.2, 0.203, "en", "−0.3 pp"],
    [0.5, 0.5, "en", "0 pp"],
    [0.3, 0.05, "de-DE", "+25 pp"],
    [0.0125, 0, "de-DE", "+1,3 pp"],
  ])(
    "a rate from %s to %s in %s changes %s (percentage points, never a relative %%)",
    (current, previous, locale, expected) => {
      expect(formatPointChange(current, previous, locale)).toBe(expected);
    },
  );

  it("formats a time in the shop's zone and links to the admin order", () => {
    expect(formatDateTime("2026-11-22T12:00:00Z", "Europe/Berlin", "en-GB")).toBe("22 Nov 2026, 13:00");
    expect(adminOrderUrl("demo-shop.myshopify.com", "450789469")).toBe(
      "https://admin.shopify.com/store/demo-shop/orders/450789469",
    );
  });
});
