import { describe, expect, it } from "vitest";
import { formatMoney, parseMoney, sumMoney } from "./money";

describe("money", () => {
  it.each([
    ["12.5", 125000n],
    ["0.0001", 1n],
    ["-3", -30000n],
    ["598.94", 5989400n],
    ["1.10000", 11000n],
  ])("parses %s exactly", (text, units) => {
    expect(parseMoney(text)).toBe(units);
  });

  it.each([["abc"], [""], ["1e5"], ["NaN"], ["Infinity"], ["1.00001"], [Number.NaN], [Number.POSITIVE_INFINITY]])(
    "rejects %s",
    (text) => {
      expect(parseMoney(text as string)).toBeNull();
    },
  );

  it("adds without float error and formats at the currency's precision", () => {
    expect(formatMoney(sumMoney([parseMoney("0.1")!, parseMoney("0.2")!]))).toBe("0.30");
    expect(formatMoney(parseMoney("1.005")!)).toBe("1.01");
    expect(formatMoney(parseMoney("-0.004")!)).toBe("0.00");
    expect(formatMoney(parseMoney("7")!, 0)).toBe("7");
    expect(formatMoney(parseMoney("1.2345")!, 3)).toBe("1.235");
  });
});
