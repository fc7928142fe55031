import { describe, expect, it } from "vitest";
import { orderFixture } from "../../../test/fixtures";
import { parseOrderDelivery } from "./order-webhook.server";

describe("reading an order delivery before its batch", () => {
  const base = { webhookId: "w-1", shopDomain: "shop.myshopify.com" };

  it.each(["ORDERS_PAID", "ORDERS_UPDATED", "ORDERS_CANCELLED"])(
    "%s keeps the order read from the payload, not the payload",
    (topic) => {
      const read = parseOrderDelivery({ ...base, topic, payload: orderFixture() });
      expect(read.payload).toBeNull();
      expect(read.order).toMatchObject({ ok: true, order: { shopifyOrderId: "450789469" } });
      expect(read.webhookId).toBe("w-1");
    },
  );

  it("keeps a refund's payload, which is read inside the batch with its shop's currency", () => {
    const payload = { id: 1, order_id: 450789469, transactions: [] };
    const read = parseOrderDelivery({ ...base, topic: "REFUNDS_CREATE", payload });
    expect(read.payload).toBe(payload);
    expect(read.order).toBeNull();
  });

  it("keeps the reason an order payload was refused", () => {
    const read = parseOrderDelivery({ ...base, topic: "ORDERS_PAID", payload: { id: "not an order" } });
    expect(read.payload).toBeNull();
    expect(read.order).toMatchObject({ ok: false, reason: expect.any(String) });
  });
});
