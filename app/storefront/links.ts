/**
 * Tracked links (docs/event-protocol.md, "link"): a page URL with `chat_link=<token>.<conversation id>`, the token 8
 * random letters or digits minted by whoever shares it. Used by the storefront SDK and by POST /api/v1/links, so the
 * two write and read the same parameter. No dependencies: it is bundled into the embed.
 */
export const LINK_PARAM = "chat_link";

/** `url` with the tracking parameter set (any earlier one replaced). */
export function trackedUrl(url: URL, conversationId: string, token: string): string {
  url.searchParams.set(LINK_PARAM, `${token}.${conversationId}`);
  return url.href;
}

/** The link a landing page's query names, or null when it names none or not in the tracked form. */
export function landingLink(search: string): { linkId: string; conversationId: string } | null {
  const match = /^(\w{8})\.(.+)/.exec(new URLSearchParams(search).get(LINK_PARAM) ?? "");
  return match && { linkId: match[1], conversationId: match[2] };
}
