import { useRouteLoaderData } from "@remix-run/react";

/** The locale every admin page formats numbers and dates in (the admin user's, else the shop's): app.tsx decides. */
export function useAdminLocale(): string {
  const data = useRouteLoaderData("routes/app") as { locale: string } | undefined;
  return data?.locale ?? "en";
}
