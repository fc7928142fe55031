/**
 * Whether the storefront embed is switched on in the published theme. Shopify keeps app embeds in the
 * theme's config/settings_data.json under `current.blocks`, each with a `type` of
 * `shopify://apps/<app>/blocks/<block handle>/<extension uuid>` and `disabled: true` when switched off
 * (shopify-platform-facts.md §5). The block is off by default after install.
 */

/** The embed block's Liquid file name (extensions/…/blocks/<handle>.liquid): the deep link and the check use it. */
export const EMBED_BLOCK_HANDLE = "chat-attribution";

export type EmbedState = "enabled" | "disabled" | "missing";

/** settings_data.json as Shopify serves it can open with a /* … *\/ comment header: strip block comments outside strings. */
function withoutLeadingComments(text: string): string {
  return text.replace(/^\uFEFF?\s*(\/\*[\s\S]*?\*\/\s*)*/, "");
}

export function embedStateOf(settingsData: string, handle: string = EMBED_BLOCK_HANDLE): EmbedState {
  const parsed = JSON.parse(withoutLeadingComments(settingsData)) as { current?: unknown };
  const current = parsed.current;
  // `current` is the name of a preset when the merchant never customised the theme: no blocks at all.
  if (!current || typeof current !== "object") return "missing";
  const blocks = (current as { blocks?: Record<string, { type?: unknown; disabled?: unknown }> }).blocks ?? {};
  const ours = Object.values(blocks).filter(
    (block) => typeof block?.type === "string" && block.type.includes(`/blocks/${handle}/`),
  );
  if (ours.length === 0) return "missing";
  return ours.some((block) => block.disabled !== true) ? "enabled" : "disabled";
}

/** The theme editor deep link that opens App embeds with ours selected; the merchant still has to click Save. */
export function embedActivationUrl(shopDomain: string, apiKey: string, handle: string = EMBED_BLOCK_HANDLE): string {
  const params = new URLSearchParams({ context: "apps", template: "index", activateAppId: `${apiKey}/${handle}` });
  return `https://${shopDomain}/admin/themes/current/editor?${params}`;
}
