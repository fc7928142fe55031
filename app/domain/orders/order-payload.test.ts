import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { orderFixture } from "../../../test/fixtures";
import { emailSha256Of, normaliseCartToken, parseOrderPayload } from "./order-payload";

describe("REST order payload", () => {
  it("reads Shopify's real order fixture", () => {
    const result = parseOrderPayload(orderFixture());
    if (!result.ok) throw new Error(result.reason);
    const order = result.order;
    expect(order).toMatchObject({
      shopifyOrderId: "450789469",
      name: "#1001",
      test: false,
      financialStatus: "partially_refunded",
      cancelledAt: null,
      currency: "USD",
      presentmentCurrency: "USD",
      grossAmount: "598.9400",
      currentTotalAmount: "199.6500",
      reflectedRefundIds: ["509562969"],
      checkoutToken: "bd5a8aa1ecd019dd3520ff791ee3a24c",
      cartToken: "68778783ad298f1c80c3bafcddeea02f",
      customerId: "207119551",
      emailSha256: createHash("sha256").update("bob.norman@mail.example.com").digest("hex"),
      chatSessionId: null,
    });
    expect(order.processedAt.toISOString()).toBe("2008-01-10T16:00:00.000Z");
    expect(order.lineItems).toHaveLength(3);
    expect(order.lineItems[0]).toMatchObject({
      shopifyLineItemId: "466157049",
      productId: "632910392",
      variantId: "39072856",
      title: "IPod Nano - 8gb",
      quantity: 1,
      amount: "195.6600", // 199.00 less the 3.34 discount allocation
    });
    expect(JSON.stringify(order)).not.toContain("bob.norman@mail.example.com");
  });

  it("reads the chat stamps from note attributes and line-item properties", () => {
    const payload = orderFixture();
    payload.note_attributes = [
      { name: "_chat_session_id", value: "c_8a3c" },
      { name: "_chat_visitor_id", value: "v_123" },
    ];
    payload.line_items[1].properties = [{ name: "_chat_session_id", value: "c_card" }];
    const result = parseOrderPayload(payload);
    if (!result.ok) throw new Error(result.reason);
    expect(result.order.chatSessionId).toBe("c_8a3c");
    expect(result.order.chatVisitorId).toBe("v_123");
    expect(result.order.lineItems[1].chatSessionId).toBe("c_card");
  });

  it.each([
    [
      "a NUL in a line item's title",
      (p: ReturnType<typeof orderFixture>) => (p.line_items[1].title = "Nano\u0000"),
      "line_items.1.title",
    ],
    [
      "a lone surrogate in a note attribute",
      (p: ReturnType<typeof orderFixture>) => (p.note_attributes = [{ name: "gift", value: "\ud800" }]),
      "note_attributes.0.value",
    ],
    [
      "a NUL in the e-mail (kept only as a hash, but refused like any read field)",
      (p: ReturnType<typeof orderFixture>) => (p.email = "a\u0000@b.example"),
      "email",
    ],
  ])("refuses text PostgreSQL cannot store in a field it reads: %s", (_case, spoil, path) => {
    const payload = orderFixture();
    spoil(payload);
    expect(parseOrderPayload(payload)).toEqual({
      ok: false,
      reason: `not an order: ${path} must not contain NUL characters or unpaired UTF-16 surrogates`,
    });
  });

  it("accepts an order whose unstorable text is only in fields it never reads", () => {
    const payload = orderFixture();
    payload.shipping_address.address2 = "\u0000";
    payload.line_items[0].vendor = "\udfff";
    payload["\u0000"] = "a key nobody reads";
    const result = parseOrderPayload(payload);
    if (!result.ok) throw new Error(result.reason);
    expect(JSON.stringify(result.order)).not.toMatch(/\\u0000|\\udfff/);
  });

  it("takes money from shop_money, never the presentment currency", () => {
    const payload = orderFixture();
    payload.presentment_currency = "EUR";
    payload.total_price_set.presentment_money = { amount: "550.00", currency_code: "EUR" };
    payload.current_total_price_set.presentment_money = { amount: "180.00", currency_code: "EUR" };
    const result = parseOrderPayload(payload);
    if (!result.ok) throw new Error(result.reason);
    expect(result.order).toMatchObject({
      currency: "USD",
      presentmentCurrency: "EUR",
      grossAmount: "598.9400",
      currentTotalAmount: "199.6500",
    });
  });

  it("reads a cancellation; the order keeps its gross", () => {
    const payload = { ...orderFixture(), cancelled_at: "2008-01-11T10:00:00-05:00" };
    const result = parseOrderPayload(payload);
    if (!result.ok) throw new Error(result.reason);
    expect(result.order.cancelledAt).toEqual(new Date("2008-01-11T15:00:00Z"));
    expect(result.order.grossAmount).toBe("598.9400");
  });

  it("accepts a payload without e-mail or customer (protected data not approved)", () => {
    const payload = { ...orderFixture(), email: null, contact_email: null, customer: null };
    const result = parseOrderPayload(payload);
    if (!result.ok) throw new Error(result.reason);
    expect(result.order.customerId).toBeNull();
    expect(result.order.emailSha256).toBeNull();
  });

  it.each([
    ["an empty object", {}],
    ["a product", { id: 1, title: "Shirt", variants: [] }],
    [
      "an order with a non-numeric total",
      { ...orderFixture(), total_price_set: { shop_money: { amount: "lots", currency_code: "USD" } } },
    ],
    ["an order with a bad time", { ...orderFixture(), updated_at: "yesterday" }],
  ])("rejects %s with a reason", (_label, payload) => {
    const result = parseOrderPayload(payload);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toMatch(/^not an order: /);
  });

  it("normalises e-mail and cart tokens before comparing", () => {
    expect(emailSha256Of("  Bob.Norman@Mail.Example.com ")).toBe(emailSha256Of("bob.norman@mail.example.com"));
    expect(emailSha256Of("")).toBeNull();
    expect(normaliseCartToken("c1-68778783AD298f1c80c3bafcddeea02f?key=0d99")).toBe("68778783ad298f1c80c3bafcddeea02f");
    expect(normaliseCartToken("68778783ad298f1c80c3bafcddeea02f")).toBe("68778783ad298f1c80c3bafcddeea02f");
    expect(normaliseCartToken(null)).toBeNull();
  });

  it("keeps only the app's own stamps of note attributes and line properties, and fits every text to its column", () => {
    const payload = {
      ...orderFixture(),
      name: "#".padEnd(100, "9"),
      checkout_token: "t".repeat(300),
      note_attributes: [
        { name: "gift_message", value: "Happy birthday, Anna" },
        { name: "_chat_session_id", value: "c_1" },
        { name: "_chat_visitor_id", value: "v_1" },
      ],
      line_items: orderFixture().line_items.map((item: Record<string, unknown>) => ({
        ...item,
        properties: [
          { name: "Engraving", value: "A + B" },
          { name: "_chat_session_id", value: "c_1" },
        ],
      })),
    };
    const parsed = parseOrderPayload(payload);
    if (!parsed.ok) throw new Error(parsed.reason);
    expect(parsed.order.name).toHaveLength(64);
    expect(parsed.order.checkoutToken).toBeNull();
    expect(parsed.order.noteAttributes).toEqual([
      { name: "_chat_session_id", value: "c_1" },
      { name: "_chat_visitor_id", value: "v_1" },
    ]);
    for (const item of parsed.order.lineItems)
      expect(item.properties).toEqual([{ name: "_chat_session_id", value: "c_1" }]);
    expect(JSON.stringify(parsed.order)).not.toMatch(/Anna|Engraving/);
  });
});
