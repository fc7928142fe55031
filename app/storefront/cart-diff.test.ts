import { describe, expect, it } from "vitest";
import { cartChanges, type AjaxCart, type AjaxCartLine } from "./cart-diff";

const line = (
  key: string,
  quantity: number,
  finalLinePrice: number,
  properties: AjaxCartLine["properties"] = {},
): AjaxCartLine => ({
  key,
  product_id: 632910392,
  variant_id: Number(key.split(":")[0]),
  quantity,
  final_line_price: finalLinePrice,
  product_title: "Hydrating Face Cream",
  properties,
});
const cart = (...items: AjaxCartLine[]): AjaxCart => ({
  token: "c1-abc?key=1",
  currency: "EUR",
  attributes: {},
  items,
});

describe("cartChanges", () => {
  it.each([
    ["nothing changed", cart(line("1:a", 2, 6980)), cart(line("1:a", 2, 6980)), []],
    ["a new line", cart(), cart(line("1:a", 2, 6980)), [["ITEM_ADDED", 2, "34.90"]]],
    ["more of a line", cart(line("1:a", 1, 3490)), cart(line("1:a", 3, 10470)), [["QUANTITY_INCREASED", 2, "34.90"]]],
    ["less of a line", cart(line("1:a", 3, 10470)), cart(line("1:a", 1, 3490)), [["QUANTITY_DECREASED", 2, "34.90"]]],
    ["a line removed", cart(line("1:a", 3, 10470)), cart(), [["ITEM_REMOVED", 3, "34.90"]]],
    // 10 % off 34.90 is 31.41 a unit; the delta carries the unit value after the discount, not the list price.
    ["a discounted line", cart(), cart(line("1:a", 2, 6282)), [["ITEM_ADDED", 2, "31.41"]]],
    [
      "the same variant with a chat property is its own line",
      cart(line("1:a", 1, 3490)),
      cart(line("1:a", 1, 3490), line("1:b", 1, 3490, { _chat_session_id: "c_8a3c" })),
      [["ITEM_ADDED", 1, "34.90", "c_8a3c"]],
    ],
    [
      "cleared",
      cart(line("1:a", 1, 3490), line("2:a", 4, 4000)),
      cart(),
      [
        ["ITEM_REMOVED", 1, "34.90"],
        ["ITEM_REMOVED", 4, "10.00"],
      ],
    ],
  ])("%s", (_name, before, after, expected) => {
    const changes = cartChanges(before, after).map((change) =>
      [change.cartType, change.quantity, change.value, change.conversationId].filter((v) => v !== undefined),
    );
    expect(changes).toEqual(expected);
  });

  it("names product and variant as the protocol's numeric strings", () => {
    expect(cartChanges(cart(), cart(line("39072856:a", 1, 3490)))[0]).toMatchObject({
      productId: "632910392",
      variantId: "39072856",
      productName: "Hydrating Face Cream",
    });
  });
});
