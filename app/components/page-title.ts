import type { MetaFunction } from "@remix-run/node";
import type { ParseKeys } from "i18next";
import { i18nFor } from "../i18n/i18n";
import { ADMIN_LAYOUT_ROUTE, type AdminLanguageData } from "../i18n/use-admin-locale";

export const APP_NAME = "Chat Attribution";

/**
 * A page's document title, "Orders · Chat Attribution", as the admin shows it in the browser's tab and history, in the
 * admin's language (the app layout's loader chose it).
 */
export function pageTitle(key: ParseKeys): MetaFunction {
  return ({ matches }) => {
    const layout = matches.find((match) => match.id === ADMIN_LAYOUT_ROUTE)?.data as AdminLanguageData | undefined;
    return [{ title: `${i18nFor(layout?.language ?? "en").t(key)} · ${APP_NAME}` }];
  };
}
