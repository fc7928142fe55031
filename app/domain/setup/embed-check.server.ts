/**
 * Asks Shopify (Admin GraphQL, `read_themes`) for the published theme's settings_data.json and reads the
 * embed's state from it. Never throws: the Setup page shows "could not check" with the reason instead.
 */
import { embedStateOf, type EmbedState } from "./theme-embed";

export interface EmbedCheck {
  state: EmbedState | "unknown";
  themeName: string | null;
  reason: string | null;
}

import type { AdminGraphql } from "../admin-graphql";

export type { AdminGraphql };

export const MAIN_THEME_SETTINGS_QUERY = `#graphql
  query MainThemeSettings {
    themes(first: 1, roles: [MAIN]) {
      nodes {
        name
        files(filenames: ["config/settings_data.json"], first: 1) {
          nodes { body { ... on OnlineStoreThemeFileBodyText { content } } }
        }
      }
    }
  }`;

interface MainThemeSettings {
  data?: { themes?: { nodes?: { name: string; files?: { nodes?: { body?: { content?: string } }[] } }[] } };
  errors?: unknown;
}

const CHECK_TIMEOUT_MS = 5_000;

export async function checkThemeEmbed(admin: AdminGraphql, timeoutMs = CHECK_TIMEOUT_MS): Promise<EmbedCheck> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`Shopify did not answer within ${timeoutMs / 1000} s`)), timeoutMs);
    });
    const response = await Promise.race([admin.graphql(MAIN_THEME_SETTINGS_QUERY), timeout]);
    const body = (await Promise.race([response.json(), timeout])) as MainThemeSettings;
    const theme = body.data?.themes?.nodes?.[0];
    if (!theme)
      return {
        state: "unknown",
        themeName: null,
        reason: "The shop has no published theme, or the app lacks read_themes",
      };
    const content = theme.files?.nodes?.[0]?.body?.content;
    if (content === undefined)
      return {
        state: "unknown",
        themeName: theme.name,
        reason: "The published theme has no config/settings_data.json",
      };
    return { state: embedStateOf(content), themeName: theme.name, reason: null };
  } catch (error) {
    // The library throws a Response for auth failures and an Error for network ones.
    const reason =
      error instanceof Response
        ? `Shopify answered HTTP ${error.status}`
        : error instanceof Error
          ? error.message
          : String(error);
    return { state: "unknown", themeName: null, reason };
  } finally {
    clearTimeout(timer);
  }
}
