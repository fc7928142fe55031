import { redirect } from "@remix-run/node";
import { demoAdminUrl } from "../shopify/demo.server";

// Demo only: open the embedded admin for the demo shop as Shopify's admin would (with a session token).
export const loader = async () => redirect(demoAdminUrl());
