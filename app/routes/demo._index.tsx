import { redirect, type LoaderFunctionArgs } from "@remix-run/node";
import { validLocale } from "../i18n/i18n";
import { demoAdminUrl } from "../shopify/demo.server";

// Demo only: open the embedded admin for the demo shop as Shopify's admin would (with a session token), in the
// admin language `?locale=` names.
export const loader = async ({ request }: LoaderFunctionArgs) =>
  redirect(demoAdminUrl("/app", validLocale(new URL(request.url).searchParams.get("locale")) ?? "en"));
