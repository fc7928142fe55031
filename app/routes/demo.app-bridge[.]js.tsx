import { demoAppBridgeScript } from "../shopify/demo.server";

export const loader = async () =>
  new Response(demoAppBridgeScript(), {
    headers: { "Content-Type": "text/javascript; charset=utf-8", "Cache-Control": "no-store" },
  });
