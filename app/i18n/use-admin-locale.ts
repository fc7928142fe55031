import { useRouteLoaderData } from "@remix-run/react";
import type { Language } from "./i18n";

/** The admin layout's route (routes/app.tsx): its loader decides the admin's language and locale for every page. */
export const ADMIN_LAYOUT_ROUTE = "routes/app";
export type AdminLanguageData = { locale: string; language: Language };

/** The language and locale the admin layout chose; undefined outside the admin (the root document, say). */
export function useAdminLanguage(): AdminLanguageData | undefined {
  return useRouteLoaderData(ADMIN_LAYOUT_ROUTE) as AdminLanguageData | undefined;
}

/** The locale every admin page formats numbers and dates in (the admin user's, else the shop's): app.tsx decides. */
export function useAdminLocale(): string {
  return useAdminLanguage()?.locale ?? "en";
}
