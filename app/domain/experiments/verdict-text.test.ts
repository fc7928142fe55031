import { describe, expect, it } from "vitest";
import { liftSentence, verdictText } from "./verdict-text";

describe("liftSentence", () => {
  it("reads a lift and its always-valid interval as the page prints it", () => {
    expect(liftSentence("revenuePerVisitor", { estimate: 0.081, alwaysValid: [0.023, 0.139] }, "en")).toBe(
      "+8.1% revenue per visitor, 95 % CI +2.3% to +13.9%",
    );
    expect(liftSentence("conversionRate", { estimate: -0.05, alwaysValid: [-0.12, 0.02] }, "en")).toBe(
      "−5% conversion rate, 95 % CI −12% to +2%",
    );
  });

  it("says why there is no lift when the control has nothing to compare with", () => {
    expect(liftSentence("averageOrderValue", { estimate: null, alwaysValid: null }, "en")).toMatch(
      /^No average order value lift yet/,
    );
  });
});

it("never presents a split that failed the sample-ratio check as proof", () => {
  expect(verdictText("not-proof", "Chat", "No chat")).toMatch(/not proof/);
  expect(verdictText("better", "Chat", "No chat")).toMatch(/^Chat does better than No chat/);
  expect(verdictText("inconclusive", "B", "A")).toMatch(/^Not yet conclusive/);
});
