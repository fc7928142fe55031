import { describe, expect, it } from "vitest";
import { i18nFor } from "../../i18n/i18n";
import { liftSentence, verdictText } from "./verdict-text";

const en = i18nFor("en").t;
const de = i18nFor("de").t;

describe("liftSentence", () => {
  it("reads a lift and its always-valid interval as the page prints it", () => {
    expect(liftSentence("revenuePerVisitor", { estimate: 0.081, alwaysValid: [0.023, 0.139] }, "en", en)).toBe(
      "+8.1% revenue per visitor, 95 % CI +2.3% to +13.9%",
    );
    expect(liftSentence("conversionRate", { estimate: -0.05, alwaysValid: [-0.12, 0.02] }, "en", en)).toBe(
      "−5% conversion rate, 95 % CI −12% to +2%",
    );
  });

  it("reads the same lift in German, with German numbers", () => {
    expect(liftSentence("revenuePerVisitor", { estimate: 0.081, alwaysValid: [0.023, 0.139] }, "de", de)).toBe(
      // Intl puts a no-break space between a German number and its percent sign.
      "+8,1\u00a0% Umsatz pro Besucher, 95-%-KI +2,3\u00a0% bis +13,9\u00a0%",
    );
  });

  it("says why there is no lift when the control has nothing to compare with", () => {
    expect(liftSentence("averageOrderValue", { estimate: null, alwaysValid: null }, "en", en)).toMatch(
      /^No average order value lift yet/,
    );
  });
});

it("never presents a split that failed the sample-ratio check as proof", () => {
  expect(verdictText("not-proof", "Chat", "No chat", en)).toMatch(/not proof/);
  expect(verdictText("better", "Chat", "No chat", en)).toMatch(/^Chat does better than No chat/);
  expect(verdictText("inconclusive", "B", "A", en)).toMatch(/^Not yet conclusive/);
  expect(verdictText("not-proof", "Chat", "Ohne Chat", de)).toMatch(/kein Beweis/);
});
