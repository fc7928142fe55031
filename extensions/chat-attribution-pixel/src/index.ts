/**
 * Web pixel (strict sandbox): on checkout_completed, tells the app which order a checkout became, with the cart
 * attributes the storefront embed stamped (`_chat_session_id`, `_chat_visitor_id`). The app treats all of it as
 * untrusted: it links tokens to an order id, but money only ever comes from Shopify's signed webhooks.
 *
 * No e-mail, phone or address leaves the pixel. The body is sent as text (no Content-Type header), which makes it
 * a CORS "simple" request with no preflight, and with keepalive so it survives the thank-you page closing.
 */
import { register } from "@shopify/web-pixels-extension";

/** What the app's /api/pixel endpoint accepts (app/domain/pixel/pixel-event.ts validates the same shape). */
export interface PixelCheckoutBody {
  v: 1;
  eventId: string;
  clientId: string;
  timestamp: string;
  shop: string;
  accountId: string;
  checkout: {
    orderId: string | null;
    token: string | null;
    currencyCode: string | null;
    totalPrice: number | null;
    subtotalPrice: number | null;
    attributes: { key: string; value: string }[];
    lineItems: {
      productId: string | null;
      variantId: string | null;
      quantity: number;
      finalLinePrice: number;
      properties: { key: string; value: string }[];
    }[];
  };
}

register(({ analytics, settings, init }) => {
  const ingestUrl: string = settings.ingestUrl;
  const accountId: string = settings.accountID;
  if (!ingestUrl || !accountId) return;

  analytics.subscribe("checkout_completed", (event) => {
    const checkout = event.data.checkout;
    const body: PixelCheckoutBody = {
      v: 1,
      eventId: event.id,
      clientId: event.clientId,
      timestamp: event.timestamp,
      shop: init.data.shop.myshopifyDomain,
      accountId,
      checkout: {
        orderId: checkout.order?.id ?? null,
        token: checkout.token,
        currencyCode: checkout.currencyCode ?? checkout.totalPrice?.currencyCode ?? null,
        totalPrice: checkout.totalPrice?.amount ?? null,
        subtotalPrice: checkout.subtotalPrice?.amount ?? null,
        attributes: checkout.attributes.map(({ key, value }) => ({ key, value })),
        lineItems: checkout.lineItems.map((line) => ({
          productId: line.variant?.product?.id ?? null,
          variantId: line.variant?.id ?? null,
          quantity: line.quantity,
          finalLinePrice: line.finalLinePrice.amount,
          properties: line.properties.map(({ key, value }) => ({ key, value })),
        })),
      },
    };
    // A failed send is not retried from the sandbox: the order's webhook and the reconciliation job still
    // bring the order; only the checkout-token link would be missing.
    fetch(ingestUrl, { method: "POST", keepalive: true, body: JSON.stringify(body) }).catch(() => {});
  });
});
