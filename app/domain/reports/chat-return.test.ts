import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseMoney } from "../money";
import { chatReturnOf, proratedMonthlyCost } from "./chat-return";
import { addDays, type Day } from "./date-range";

const money = (text: string) => parseMoney(text)!;
const daysFrom = (first: Day, count: number) => Array.from({ length: count }, (_, i) => addDays(first, i));

describe("proratedMonthlyCost", () => {
  it("charges a whole month for a whole month, whatever its length", () => {
    expect(proratedMonthlyCost(money("300"), daysFrom("2026-02-01", 28))).toBe(money("300"));
    expect(proratedMonthlyCost(money("300"), daysFrom("2028-02-01", 29))).toBe(money("300"));
    expect(proratedMonthlyCost(money("300"), daysFrom("2026-11-01", 30))).toBe(money("300"));
    expect(proratedMonthlyCost(money("300"), daysFrom("2026-12-01", 31))).toBe(money("300"));
  });

  it("charges each day a share of its own month", () => {
    // 7 days of November (30 days) and 3 of December (31): 300·7/30 + 300·3/31 = 70 + 29.0323.
    expect(proratedMonthlyCost(money("300"), daysFrom("2026-11-24", 10))).toBe(money("99.0323"));
    expect(proratedMonthlyCost(money("300"), [])).toBe(0n);
  });

  it("adds up: a range split anywhere costs what the whole range costs, to the rounding of one unit per month", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 3_000 }),
        fc.integer({ min: 1, max: 400 }),
        fc.integer({ min: 0, max: 400 }),
        fc.bigInt({ min: 0n, max: 10n ** 12n }),
        (offset, length, cut, monthly) => {
          const days = daysFrom(addDays("2025-01-01", offset), length);
          const at = Math.min(cut, length);
          const whole = proratedMonthlyCost(monthly, days);
          const parts = proratedMonthlyCost(monthly, days.slice(0, at)) + proratedMonthlyCost(monthly, days.slice(at));
          const months = new Set(days.map((day) => day.slice(0, 7))).size;
          expect(parts - whole <= BigInt(months) && whole - parts <= BigInt(months)).toBe(true);
        },
      ),
    );
  });
});

describe("chatReturnOf", () => {
  const november = daysFrom("2026-11-01", 30);

  it("asks for a cost until one is set", () => {
    const result = chatReturnOf({
      costs: { monthly: null, perConversation: null, grossMarginPercent: null },
      days: november,
      conversations: null,
      attributedNet: money("1234.5"),
    });
    expect(result).toEqual({
      cost: null,
      monthlyPart: null,
      conversationPart: null,
      conversations: null,
      attributedNetRevenue: "1234.50",
      revenuePerCost: null,
      grossMarginPercent: null,
      profitAfterCost: null,
    });
  });

  it("adds the monthly share and the conversations' cost, and divides the attributed net by it", () => {
    const result = chatReturnOf({
      costs: { monthly: money("500"), perConversation: money("0.12"), grossMarginPercent: "40.00" },
      days: november,
      conversations: 2_500,
      attributedNet: money("9800"),
    });
    expect(result).toEqual({
      cost: "800.00",
      monthlyPart: "500.00",
      conversationPart: "300.00",
      conversations: 2_500,
      attributedNetRevenue: "9800.00",
      revenuePerCost: 12.25,
      grossMarginPercent: 40,
      // 9,800 × 40 % − 800
      profitAfterCost: "3120.00",
    });
  });

  it("says nothing of a ratio for a cost of 0, and shows a loss as a negative profit", () => {
    const free = chatReturnOf({
      costs: { monthly: 0n, perConversation: null, grossMarginPercent: null },
      days: november,
      conversations: null,
      attributedNet: money("10"),
    });
    expect(free.cost).toBe("0.00");
    expect(free.revenuePerCost).toBeNull();
    const loss = chatReturnOf({
      costs: { monthly: money("300"), perConversation: null, grossMarginPercent: "12.5" },
      days: november,
      conversations: 999,
      attributedNet: money("1000"),
    });
    expect(loss.conversations).toBeNull();
    expect(loss.revenuePerCost).toBe(3.33);
    expect(loss.profitAfterCost).toBe("-175.00");
  });
});
