import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { jsonResponse } from "../http/json";
import { verifyAppProxyRequest } from "../shopify/app-proxy.server";

// Shopify forwards https://<shop>/apps/chat-attribution/* here, signed (shopify.app.toml [app_proxy]).
export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { shop } = await verifyAppProxyRequest(request);
  return jsonResponse({ ok: true, shop });
};

export const action = async ({ request }: ActionFunctionArgs) => {
  const { shop } = await verifyAppProxyRequest(request);
  return jsonResponse({ ok: true, shop });
};
