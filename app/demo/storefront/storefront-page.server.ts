/**
 * The simulated theme's pages. The app embed is rendered from its real Liquid file (block settings from the
 * schema's defaults, overridable per request as a merchant would in the theme editor) and its schema's
 * `javascript` asset is added deferred, as Shopify injects it.
 */
import { Liquid } from "liquidjs";
import { readFileSync } from "node:fs";
import path from "node:path";
import { EMBED_BLOCK_HANDLE } from "../../domain/setup/theme-embed";
import { DEMO_CATALOG } from "../catalog";

export const STOREFRONT_ASSETS_DIR = path.join(import.meta.dirname, "assets");

export interface EmbedSettings {
  cart_tracking: boolean;
  debug: boolean;
}

/** Where the simulator serves the extension's assets (Shopify's CDN for `asset_url`). */
export const EMBED_ASSETS_PATH = "/cdn/embed/";
const liquid = new Liquid();
liquid.registerFilter("asset_url", (file: string) => `${EMBED_ASSETS_PATH}${encodeURIComponent(file)}`);
const SCHEMA = /\{%-?\s*schema\s*-?%\}([\s\S]*?)\{%-?\s*endschema\s*-?%\}/;

async function renderEmbed(
  extensionDir: string,
  overrides: Partial<EmbedSettings>,
  appMetafields: AppMetafields,
): Promise<string> {
  const source = readFileSync(path.join(extensionDir, "blocks", `${EMBED_BLOCK_HANDLE}.liquid`), "utf8");
  const schema = JSON.parse(SCHEMA.exec(source)![1]) as { settings: { id: string; default: unknown }[] };
  const settings = {
    ...Object.fromEntries(schema.settings.map((setting) => [setting.id, setting.default])),
    ...overrides,
  };
  // Liquid's `app.metafields.<namespace>.<key>.value`: a json metafield's value is its parsed object.
  const metafields: Record<string, Record<string, { value: unknown }>> = {};
  for (const [namespace, key, value] of appMetafields()) {
    metafields[namespace] ??= {};
    metafields[namespace][key] = { value: JSON.parse(value) };
  }
  return liquid.parseAndRender(source.replace(SCHEMA, ""), { block: { settings }, app: { metafields } });
}

/** The app's app-data metafields as the shop holds them now: [namespace, key, JSON value]. */
export type AppMetafields = () => [namespace: string, key: string, value: string][];

/** The end of every theme page: the footer, the consent banner theme-consent.js drives, and the app embed. */
async function pageEnd(options: StorefrontPageOptions, footerStart: string): Promise<string> {
  return `<footer class="footer">${footerStart}<button type="button" class="link" data-privacy-settings>Privacy settings</button></footer>
  <div class="consent-banner" data-consent-banner hidden>
    <p>We use cookies and similar technologies for analytics.</p>
    <button type="button" class="button" data-consent="accept">Accept</button>
    <button type="button" class="link" data-consent="decline">Decline</button>
  </div>
  ${options.embedEnabled === false ? "" : await renderEmbed(options.extensionDir, options.embedSettings, options.appMetafields ?? (() => []))}`;
}

export const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const price = (decimal: string, currency: string) => `${decimal} ${currency}`;

export interface StorefrontPageOptions {
  root: string;
  shopDomain: string;
  currency: string;
  customerId?: string;
  extensionDir: string;
  embedSettings: Partial<EmbedSettings>;
  /** The merchant can switch the app embed off in the theme editor; Shopify then renders none of it. */
  embedEnabled?: boolean;
  appMetafields?: AppMetafields;
}

/** What a visitor of the demo can try, each with the page it happens on; the admin shows the result. */
function tryIt(root: string): string {
  const product = `${root}products/vitamin-c-serum`;
  const steps = [
    `Ask the chat, then add its suggestion with the product page's own <a href="${product}">Add to cart</a>: the add is the chat's, as the conversation's timeline shows.`,
    `Cart type "page": <a href="${product}?cart_type=page">the same product page</a> opens the cart after an add, and the add still counts, once.`,
    `<a href="${root}?consent_region=required">As a visitor who must consent first</a>: chat before answering the banner; nothing is sent until you accept, and a decline drops it.`,
    `Press "Send me a link" in the chat and open the link in another browser: an order there is led through the shared link.`,
    `Chat twice as the same visitor: the order is credited to the first conversation inside the window.`,
    `Insights lists how many attributed orders each kind of evidence matched; a chat backend's identify names the conversation (README, Events API).`,
  ];
  return `<section class="try-it" aria-label="Try it">
      <h2>Try it</h2>
      <ol>${steps.map((step) => `<li>${step}</li>`).join("")}</ol>
    </section>`;
}

export async function renderStorefrontPage(options: StorefrontPageOptions): Promise<string> {
  const shopify = { shop: options.shopDomain, routes: { root: options.root }, currency: { active: options.currency } };
  const products = DEMO_CATALOG.map(
    (product) => `
      <li class="product" data-variant-id="${product.variantId}">
        <div class="product-image" aria-hidden="true"></div>
        <h3><a href="${options.root}products/${product.handle}">${escapeHtml(product.title)}</a></h3>
        <p class="price">${price(product.price, options.currency)}${product.variantId === "48103" ? ' <span class="sale">−10 % automatic discount</span>' : ""}</p>
        <button type="button" class="button" data-add-fetch="${product.variantId}">Add to cart</button>
        <button type="button" class="link" data-add-xhr="${product.variantId}">Quick add</button>
        <form method="post" action="${options.root}cart/add" class="inline">
          <input type="hidden" name="id" value="${product.variantId}"><input type="hidden" name="quantity" value="1">
          <button type="submit" class="link" data-add-form="${product.variantId}">Add without JavaScript</button>
        </form>
      </li>`,
  ).join("");
  const account = options.customerId
    ? `<form method="post" action="/account/logout">Signed in as customer ${escapeHtml(options.customerId)} <button class="link">Sign out</button></form>`
    : `<form method="post" action="/account/login"><input type="hidden" name="customer_id" value="7390"><button class="link">Sign in as a customer</button></form>`;
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Glow &amp; Co. — simulated storefront</title>
  <link rel="stylesheet" href="/cdn/theme/storefront.css">
  <script>window.Shopify = ${JSON.stringify(shopify)};</script>
  <script src="/cdn/theme/customer-privacy.js"></script>
  <script src="/cdn/theme/chat-widget.js"></script>
  <script src="/cdn/theme/theme-consent.js" defer></script>
  <script src="/cdn/theme/theme.js" defer></script>
</head>
<body>
  <header class="header">
    <strong>Glow &amp; Co.</strong>
    <span class="note">Simulated storefront of ${escapeHtml(options.shopDomain)} — the theme app embed runs here as on Shopify.</span>
    <a href="#cart" class="cart-link">Cart (<span data-cart-count>0</span>)</a>
  </header>
  <main>
    ${tryIt(options.root)}
    <section><h2>Skincare</h2><ul class="products">${products}</ul></section>
    <section id="cart" class="cart" aria-label="Cart">
      <h2>Cart</h2>
      <ul data-cart-lines></ul>
      <p data-cart-total></p>
      <details><summary>Cart attributes and line properties (hidden by real themes)</summary><pre data-cart-debug></pre></details>
      <div class="cart-actions">
        <button type="button" class="link" data-cart-clear>Clear cart</button>
        <form method="post" action="/checkout"><button class="button" data-checkout>Check out</button></form>
      </div>
    </section>
  </main>
  ${await pageEnd(options, account)}
</body>
</html>`;
}

export interface ProductPageOptions extends StorefrontPageOptions {
  handle: string;
  /** Dawn's "Cart type" theme setting: "drawer" opens the drawer after an add, "page" goes to /cart. */
  cartType: "drawer" | "page";
}

/**
 * A product page as Shopify's reference theme Dawn makes it: its product form posts `FormData` with `sections` to
 * /cart/add (no `.js`) and, with cart type "page", goes to /cart when the answer is in; its cart drawer changes a
 * line by index with a debounced /cart/change.js. The theme's script is dawn-theme.js; nothing here knows the embed.
 */
export async function renderProductPage(options: ProductPageOptions): Promise<string | null> {
  const product = DEMO_CATALOG.find((candidate) => candidate.handle === options.handle);
  if (!product) return null;
  const shopify = { shop: options.shopDomain, routes: { root: options.root }, currency: { active: options.currency } };
  const routes = {
    cart_add_url: `${options.root}cart/add`,
    cart_change_url: `${options.root}cart/change`,
    cart_url: `${options.root}cart`,
  };
  return `<!doctype html>
<html lang="en" data-cart-type="${options.cartType}">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>${escapeHtml(product.title)} — Glow &amp; Co.</title>
  <link rel="stylesheet" href="/cdn/theme/storefront.css">
  <script>window.Shopify = ${JSON.stringify(shopify)}; window.routes = ${JSON.stringify(routes)};</script>
  <script src="/cdn/theme/customer-privacy.js"></script>
  <script src="/cdn/theme/chat-widget.js"></script>
  <script src="/cdn/theme/theme-consent.js" defer></script>
  <script src="/cdn/theme/dawn-theme.js" defer></script>
</head>
<body>
  <header class="header">
    <a href="${options.root}"><strong>Glow &amp; Co.</strong></a>
    <span class="note">A product page as Dawn 15 makes it (cart type "${options.cartType}").</span>
    <a href="${routes.cart_url}" id="cart-icon-bubble" class="cart-link">Cart (<span data-cart-count>0</span>)</a>
  </header>
  <main>
    <section class="product-page">
      <h1>${escapeHtml(product.title)}</h1>
      <p class="price">${price(product.price, options.currency)}</p>
      <product-form>
        <form method="post" action="${routes.cart_add_url}" data-type="add-to-cart-form" accept-charset="UTF-8" enctype="multipart/form-data">
          <input type="hidden" name="form_type" value="product"><input type="hidden" name="utf8" value="✓">
          <input type="hidden" name="id" value="${product.variantId}">
          <label>Quantity <input type="number" name="quantity" value="1" min="1"></label>
          <button type="submit" name="add" class="button">Add to cart</button>
          <p role="alert" data-product-form-error hidden></p>
        </form>
      </product-form>
    </section>
    <cart-drawer class="cart" aria-label="Cart drawer"><h2>Your cart</h2><div id="cart-drawer"></div></cart-drawer>
  </main>
  ${await pageEnd(options, "<span></span>")}
</body>
</html>`;
}

export interface ThankYouOptions {
  orderId: number;
  orderName: string;
  total: string;
  currency: string;
  webhookStatus: number;
  adminUrl?: string;
}

export function renderThankYouPage(options: ThankYouOptions): string {
  const delivered = options.webhookStatus >= 200 && options.webhookStatus < 300;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Thank you — ${escapeHtml(options.orderName)}</title><link rel="stylesheet" href="/cdn/theme/storefront.css"></head>
<body><main class="thank-you">
  <h1>Thank you for your order!</h1>
  <p>Order <strong data-order-name>${escapeHtml(options.orderName)}</strong> (id <code data-order-id>${options.orderId}</code>), ${price(options.total, options.currency)}.</p>
  <p data-webhook-status="${options.webhookStatus}">${delivered ? "Shopify's signed orders/paid webhook was delivered to the app." : `The app answered the orders/paid webhook with ${options.webhookStatus || "no response"}.`}</p>
  ${options.adminUrl ? `<p><a href="${escapeHtml(options.adminUrl)}">See it in the app's admin</a></p>` : ""}
  <p><a href="/">Continue shopping</a></p>
</main></body></html>`;
}
