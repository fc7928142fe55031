/**
 * A stand-in for the strict web-pixel sandbox: a fresh global with `shopify.extend` (what `register` calls)
 * and `fetch`, so a bundled pixel can be run in Node and its requests observed. Used by the pixel's tests and by
 * `npm run build:extensions` on the bundle Shopify's CLI produced.
 */
import vm from "node:vm";

export interface SentRequest {
  url: string;
  init: RequestInit;
}

export const SHOP_DOMAIN = "glow-and-co.myshopify.com";

export function loadPixel(bundle: string, settings: Record<string, string>) {
  const subscribers = new Map<string, (event: unknown) => void>();
  const sent: SentRequest[] = [];
  const api = {
    settings,
    analytics: {
      subscribe: (name: string, callback: (event: unknown) => void) => (subscribers.set(name, callback), () => true),
    },
    init: {
      context: {},
      data: {
        shop: {
          myshopifyDomain: SHOP_DOMAIN,
          name: "Glow & Co.",
          countryCode: "DE",
          storefrontUrl: "https://glow.example",
        },
        customer: null,
        cart: null,
        purchasingCompany: null,
      },
      customerPrivacy: {
        analyticsProcessingAllowed: true,
        marketingAllowed: false,
        preferencesProcessingAllowed: false,
        saleOfDataAllowed: false,
      },
    },
    browser: {},
    customerPrivacy: { subscribe: () => () => true },
  };
  const sandbox = {
    shopify: { extend: (_extensionPoint: string, extend: (api: unknown) => void) => extend(api) },
    fetch: (url: string, init: RequestInit) => (
      sent.push({ url, init }), Promise.resolve(new Response(null, { status: 200 }))
    ),
  };
  vm.runInNewContext(bundle, sandbox);
  return {
    subscribed: [...subscribers.keys()],
    emit: (name: string, event: unknown) => subscribers.get(name)?.(event),
    sent,
  };
}

/** A checkout_completed event as Shopify's Web Pixels API delivers it (types: @shopify/web-pixels-extension). */
export function checkoutCompleted(
  options: { attributes?: { key: string; value: string }[]; pathname?: string; id?: string; timestamp?: string } = {},
) {
  const money = (amount: number) => ({ amount, currencyCode: "EUR" });
  const product = (id: string, title: string) => ({
    id,
    title,
    vendor: "Glow",
    type: "Skincare",
    untranslatedTitle: title,
    url: `/products/${id}`,
  });
  return {
    id: options.id ?? "sh-88153c5a-8f9e-4e5b-b1cd-0c4b1c2d3e4f",
    clientId: "c7f2a8d4-1b3e-4c5d-9e6f-7a8b9c0d1e2f",
    name: "checkout_completed",
    type: "standard",
    seq: 4,
    timestamp: options.timestamp ?? "2026-11-22T10:15:30.123Z",
    context: {
      document: {
        location: {
          pathname: options.pathname ?? "/checkouts/cn/abc/thank-you",
          href: "https://glow.example/checkouts/cn/abc/thank-you",
        },
      },
    },
    data: {
      checkout: {
        attributes: options.attributes ?? [],
        currencyCode: "EUR",
        email: "buyer@example.com",
        phone: "+49 30 1234567",
        billingAddress: { address1: "Hauptstr. 1", city: "Berlin" },
        shippingAddress: { address1: "Hauptstr. 1", city: "Berlin" },
        token: "f0e1d2c3b4a5968778695a4b3c2d1e0f",
        order: { id: "5720304551234", customer: { id: "7390", isFirstOrder: true } },
        totalPrice: money(72.7),
        subtotalPrice: money(72.7),
        totalTax: money(11.6),
        discountsAmount: money(4.2),
        lineItems: [
          {
            id: "1",
            quantity: 1,
            title: "Vitamin C Serum",
            finalLinePrice: money(37.8),
            discountAllocations: [],
            properties: [{ key: "_chat_session_id", value: "c_8a3c" }],
            sellingPlanAllocation: null,
            variant: {
              id: "48103",
              title: "Default",
              price: money(42),
              product: product("8103", "Vitamin C Serum"),
              sku: null,
              image: null,
              untranslatedTitle: "Default",
            },
          },
          {
            id: "2",
            quantity: 1,
            title: "Hydrating Face Cream",
            finalLinePrice: money(34.9),
            discountAllocations: [],
            properties: [],
            sellingPlanAllocation: null,
            variant: {
              id: "48101",
              title: "Default",
              price: money(34.9),
              product: product("8101", "Hydrating Face Cream"),
              sku: null,
              image: null,
              untranslatedTitle: "Default",
            },
          },
        ],
        transactions: [],
        discountApplications: [],
        localization: {},
        delivery: null,
        shippingLine: null,
        smsMarketingPhone: null,
        buyerAcceptsEmailMarketing: false,
        buyerAcceptsSmsMarketing: false,
      },
    },
  };
}
