import { jsonResponse } from "../lib/http";
import { authenticate } from "../shopify.server";

/**
 * Verifies an App Proxy request with Shopify's own validator (signature + 90 s timestamp tolerance).
 * The library answers a bad signature with 400; the event protocol promises 401, so translate it.
 * The shop comes only from the signed parameters.
 */
export async function verifyAppProxyRequest(request: Request) {
  try {
    const context = await authenticate.public.appProxy(request);
    const params = new URL(request.url).searchParams;
    return {
      ...context,
      shop: params.get("shop")!,
      loggedInCustomerId: params.get("logged_in_customer_id") || null,
    };
  } catch (error) {
    if (error instanceof Response && error.status === 400) {
      throw jsonResponse({ error: "invalid app proxy signature" }, {
        status: 401,
      });
    }
    throw error;
  }
}
