import { describe, expect, it } from "vitest";
import { embedActivationUrl, embedStateOf } from "./theme-embed";

const block = (type: string, disabled?: boolean) => ({
  type,
  ...(disabled === undefined ? {} : { disabled }),
  settings: {},
});
const ours = "shopify://apps/chat-attribution/blocks/chat-attribution/0199a1b2-0000-7000-8000-000000000001";
const theirs = "shopify://apps/reviews/blocks/reviews-embed/0199a1b2-0000-7000-8000-000000000002";

describe("embedStateOf", () => {
  it.each([
    [
      "enabled when our block is present and not disabled",
      { current: { blocks: { "1": block(ours, false) } } },
      "enabled",
    ],
    ["enabled when disabled is absent", { current: { blocks: { "1": block(ours) } } }, "enabled"],
    ["disabled when switched off", { current: { blocks: { "1": block(ours, true) } } }, "disabled"],
    [
      "missing when only another app's embed is there",
      { current: { blocks: { "1": block(theirs, false) } } },
      "missing",
    ],
    ["missing when the theme has no blocks", { current: { colors: {} } }, "missing"],
    ["missing when current names a preset", { current: "Default", presets: {} }, "missing"],
  ])("%s", (_, data, expected) => {
    expect(embedStateOf(JSON.stringify(data))).toBe(expected);
  });

  it("reads the file with Shopify's comment header", () => {
    const text = `/*\n * ------------------------------------------------------------\n * IMPORTANT: The contents of this file are auto-generated.\n * ------------------------------------------------------------\n */\n${JSON.stringify({ current: { blocks: { x: block(ours) } } })}`;
    expect(embedStateOf(text)).toBe("enabled");
  });

  it("throws on a file that is not JSON, so the caller reports it instead of guessing", () => {
    expect(() => embedStateOf("<html>")).toThrow();
  });
});

describe("embedActivationUrl", () => {
  it("deep-links to App embeds with api_key/handle", () => {
    expect(embedActivationUrl("demo-shop.myshopify.com", "abc123")).toBe(
      "https://demo-shop.myshopify.com/admin/themes/current/editor?context=apps&template=index&activateAppId=abc123%2Fchat-attribution",
    );
  });
});
