import type { MetaFunction } from "@remix-run/node";

export const APP_NAME = "Chat Attribution";

/** A page's document title, "Orders · Chat Attribution", as the admin shows it in the browser's tab and history. */
export function pageTitle(title: string): MetaFunction {
  return () => [{ title: `${title} · ${APP_NAME}` }];
}
