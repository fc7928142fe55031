import { mintDemoSessionToken } from "../shopify/demo.server";

// Demo only: what App Bridge's shopify.idToken() returns inside the real admin.
export const loader = async () =>
  new Response(mintDemoSessionToken(), { headers: { "Content-Type": "text/plain", "Cache-Control": "no-store" } });
