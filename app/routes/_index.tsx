import type { LoaderFunctionArgs } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { isDemoMode } from "../config.server";

// Shopify opens the app at its root with ?shop=…&host=…; everything lives under /app.
export const loader = async ({ request }: LoaderFunctionArgs) => {
  const url = new URL(request.url);
  if (url.searchParams.get("shop")) throw redirect(`/app?${url.searchParams}`);
  if (isDemoMode()) throw redirect("/demo");
  throw redirect("/auth/login");
};
