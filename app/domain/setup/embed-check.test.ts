import { describe, expect, it } from "vitest";
import { checkThemeEmbed, MAIN_THEME_SETTINGS_QUERY, type AdminGraphql } from "./embed-check.server";

const answering = (body: unknown): AdminGraphql & { queries: string[] } => {
  const queries: string[] = [];
  return {
    queries,
    graphql: async (query) => {
      queries.push(query);
      return new Response(JSON.stringify(body), { headers: { "Content-Type": "application/json" } });
    },
  };
};
const themeWith = (content: string | undefined) => ({
  data: {
    themes: { nodes: [{ name: "Dawn", files: { nodes: content === undefined ? [] : [{ body: { content } }] } }] },
  },
});
const ours = "shopify://apps/chat-attribution/blocks/chat-attribution/0199";

describe("checkThemeEmbed", () => {
  it("reports the embed's state in the published theme", async () => {
    const admin = answering(themeWith(JSON.stringify({ current: { blocks: { a: { type: ours, disabled: false } } } })));
    expect(await checkThemeEmbed(admin)).toEqual({ state: "enabled", themeName: "Dawn", reason: null });
    expect(admin.queries).toEqual([MAIN_THEME_SETTINGS_QUERY]);
    const off = answering(themeWith(JSON.stringify({ current: { blocks: { a: { type: ours, disabled: true } } } })));
    expect((await checkThemeEmbed(off)).state).toBe("disabled");
  });

  it.each([
    [
      "no published theme",
      { data: { themes: { nodes: [] } } },
      null,
      "The shop has no published theme, or the app lacks read_themes",
    ],
    ["no settings file", themeWith(undefined), "Dawn", "The published theme has no config/settings_data.json"],
  ])("is unknown, with a reason, when there is %s", async (_, body, themeName, reason) => {
    expect(await checkThemeEmbed(answering(body))).toEqual({ state: "unknown", themeName, reason });
  });

  it("is unknown when Shopify cannot be reached, refuses, or does not answer in time", async () => {
    const unreachable: AdminGraphql = { graphql: async () => Promise.reject(new TypeError("fetch failed")) };
    expect(await checkThemeEmbed(unreachable)).toEqual({ state: "unknown", themeName: null, reason: "fetch failed" });
    const refused: AdminGraphql = { graphql: async () => Promise.reject(new Response("", { status: 401 })) };
    expect((await checkThemeEmbed(refused)).reason).toBe("Shopify answered HTTP 401");
    const silent: AdminGraphql = { graphql: () => new Promise(() => {}) };
    expect((await checkThemeEmbed(silent, 20)).reason).toBe("Shopify did not answer within 0.02 s");
  });
});
