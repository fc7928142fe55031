import { describe, expect, it } from "vitest";
import { netAmountOf, parseRefundPayload } from "./refunds";
import { orderFixture } from "../../../test/fixtures";

/** The refund inside Shopify's order fixture is the REST Refund resource refunds/create delivers. */
const fixtureRefund = () => orderFixture().refunds[0];

describe("refunds/create payload", () => {
  it("reads the fixture's refund: the successful refund transactions, in shop money", () => {
    const result = parseRefundPayload(fixtureRefund(), "USD");
    if (!result.ok) throw new Error(result.reason);
    expect(result.refund).toEqual({
      shopifyRefundId: "509562969",
      shopifyOrderId: "450789469",
      processedAt: new Date("2025-04-02T16:29:59Z"),
      amount: "209.0000",
    });
  });

  it("uses shop-money line amounts when the buyer was refunded in another currency", () => {
    const refund = {
      ...fixtureRefund(),
      transactions: [{ amount: "190.00", currency: "EUR", kind: "refund", status: "success" }],
      refund_line_items: [
        {
          subtotal_set: { shop_money: { amount: "195.66", currency_code: "USD" } },
          total_tax_set: { shop_money: { amount: "3.98", currency_code: "USD" } },
        },
      ],
      refund_shipping_lines: [{ subtotal_amount_set: { shop_money: { amount: "5.00", currency_code: "USD" } } }],
    };
    const result = parseRefundPayload(refund, "USD");
    expect(result.ok && result.refund.amount).toBe("204.6400");
  });

  it.each([
    [
      "failed and non-refund transactions",
      [
        { amount: "50", kind: "refund", status: "failure" },
        { amount: "10", kind: "refund", status: "success" },
        { amount: "99", kind: "sale", status: "success" },
      ],
      "10.0000",
    ],
    ["no transactions (a restock-only refund)", [], "0.0000"],
  ])("counts only successful refund transactions: %s", (_label, transactions, expected) => {
    const result = parseRefundPayload({ ...fixtureRefund(), transactions, refund_line_items: [] }, "USD");
    expect(result.ok && result.refund.amount).toBe(expected);
  });

  it("rejects a body that is not a refund with a reason", () => {
    const result = parseRefundPayload({ id: 1 }, "USD");
    expect(result).toEqual({ ok: false, reason: expect.stringMatching(/^not a refund: order_id/) });
  });
});

describe("net amount", () => {
  const refund = (shopifyRefundId: string, amount: string) => ({ shopifyRefundId, amount });
  it.each([
    ["no refunds", { currentTotalAmount: "100", reflectedRefundIds: [] }, [], "100.0000"],
    [
      "a refund the payload already reflects",
      { currentTotalAmount: "60", reflectedRefundIds: ["1"] },
      [refund("1", "40")],
      "60.0000",
    ],
    [
      "a refund the payload does not list yet (partial)",
      { currentTotalAmount: "100", reflectedRefundIds: [] },
      [refund("1", "40")],
      "60.0000",
    ],
    [
      "one reflected, one not",
      { currentTotalAmount: "60", reflectedRefundIds: ["1"] },
      [refund("1", "40"), refund("2", "10")],
      "50.0000",
    ],
    ["a full refund", { currentTotalAmount: "100", reflectedRefundIds: [] }, [refund("1", "100")], "0.0000"],
    [
      "refunds above the total never go negative",
      { currentTotalAmount: "100", reflectedRefundIds: [] },
      [refund("1", "70"), refund("2", "70")],
      "0.0000",
    ],
  ])("%s", (_label, order, refunds, expected) => {
    expect(netAmountOf({ cancelledAt: null, ...order }, refunds)).toBe(expected);
  });

  it("is zero for a cancelled order", () => {
    expect(netAmountOf({ cancelledAt: new Date(), currentTotalAmount: "100", reflectedRefundIds: [] }, [])).toBe(
      "0.0000",
    );
  });
});
