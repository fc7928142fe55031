/**
 * A local stand-in for a Shopify Online Store, for the demo and the browser tests: nothing Shopify does to the
 * app can be reached from here (no store, no login), so this does it the documented way with the real secret.
 *
 * - serves a theme page with the theme app embed rendered from its real Liquid and its real SDK asset;
 * - implements the AJAX Cart API (simulated-cart.ts) on a `cart` cookie, with and without a locale prefix;
 * - forwards /apps/<subpath>/* to the app's proxy URL signed exactly like Shopify's App Proxy;
 * - completes a checkout by sending the app a signed `orders/paid` webhook for the cart.
 */
import express, { type Request as ExpressRequest, type Response as ExpressResponse } from "express";
import type { Server } from "node:http";
import path from "node:path";
import qs from "qs";
import { signedAppProxyParams, signedWebhookHeaders } from "../../shopify/signing.server";
import { orderFromCart } from "./checkout-order";
import { DEMO_CATALOG } from "../catalog";
import { answerStorefrontApi, STOREFRONT_API_PATH, type StandInShop } from "./storefront-api";
import { ADMIN_API_PATH, answerAdminApi, type AppMetafieldStore, demoSubscription } from "./app-metafields-api";
import {
  addItems,
  type AddItem,
  CartError,
  cartJson,
  changeLine,
  clearCart,
  lineJson,
  newCart,
  updateCart,
  type SimulatedCart,
} from "./simulated-cart";
import {
  escapeHtml,
  renderProductPage,
  renderStorefrontPage,
  renderThankYouPage,
  STOREFRONT_ASSETS_DIR,
  type EmbedSettings,
} from "./storefront-page.server";
import { errorMessage } from "../../lib/error-message";
import { CHAT_SESSION_KEY } from "../../domain/orders/order-payload";

export interface SimulatorOptions {
  /** Where the app runs, e.g. http://localhost:3000 (the proxy target is <appUrl><proxyPath>). */
  appUrl: string;
  apiSecret: string;
  shopDomain: string;
  currency: string;
  /** shopify.app.toml [app_proxy]: prefix/subpath on the storefront, url path on the app. */
  proxyPrefix?: string;
  proxyPath?: string;
  /** The admin page the thank-you page links to. */
  adminUrl?: string;
  extensionDir: string;
}

export interface SimulatedOrder {
  id: number;
  name: string;
  webhookStatus: number;
}

export interface StorefrontSimulator {
  app: express.Express;
  orders: SimulatedOrder[];
  /** Its carts and variants as its Storefront API gives them out (also served at STOREFRONT_API_PATH). */
  shop: StandInShop;
  /** The app's app-data metafields, as the app set them through the Admin API (served at ADMIN_API_PATH). */
  appMetafields: AppMetafieldStore;
  listen(port: number, host?: string): Promise<Server>;
}

const LOCALES = ["fr", "de"];
const localePrefix = `(?:/(?:${LOCALES.join("|")}))?`;
const CART_COOKIE = "cart";
/** The simulator's Storefront API takes this token; the demo gives it to the app's Storefront client. */
export const DEMO_STOREFRONT_TOKEN = "demo-storefront-private-token";
/** The simulator's Admin API (app-data metafields) takes this token. */
export const DEMO_ADMIN_TOKEN = "shpat_demo-admin-token";
const CUSTOMER_COOKIE = "simulator_customer_id";

function cookieOf(request: ExpressRequest, name: string): string | undefined {
  const match = new RegExp(`(?:^|;\\s*)${name}=([^;]*)`).exec(request.headers.cookie ?? "");
  return match ? decodeURIComponent(match[1]) : undefined;
}

/** Cart endpoints take JSON, url-encoded forms or multipart FormData with Rails-style keys (`properties[_x]`). */
async function cartRequestBody(request: ExpressRequest): Promise<Record<string, unknown>> {
  const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
  const type = request.headers["content-type"] ?? "";
  if (raw.length === 0) return qs.parse(request.url.split("?")[1] ?? "");
  if (type.includes("application/json")) {
    const parsed = JSON.parse(raw.toString("utf8"));
    if (!parsed || typeof parsed !== "object") throw new CartError(400, "body must be a JSON object");
    return parsed;
  }
  if (type.includes("multipart/form-data")) {
    const form = await new Request("http://simulator.local/", {
      method: "POST",
      headers: { "content-type": type },
      body: new Uint8Array(raw),
    }).formData();
    const pairs = new URLSearchParams();
    for (const [key, value] of form) if (typeof value === "string") pairs.append(key, value);
    return qs.parse(pairs.toString());
  }
  return qs.parse(raw.toString("utf8"));
}

/**
 * Shopify's Section Rendering API as Dawn asks for it (`sections` on a cart request, or `?sections=` on a page): each
 * named section's HTML. The stand-in renders the two Dawn's cart code reads: the drawer's lines and the cart count.
 */
function renderSections(cart: SimulatedCart, requested: unknown): Record<string, string> | undefined {
  const ids = (Array.isArray(requested) ? requested : String(requested ?? "").split(","))
    .map((id) => String(id).trim())
    .filter(Boolean);
  if (ids.length === 0) return undefined;
  const json = cartJson(cart);
  const drawer =
    json.items
      .map(
        (item, index) =>
          `<p data-line="${index + 1}">${escapeHtml(item.product_title)} <input type="number" min="0" data-quantity-line="${index + 1}" value="${item.quantity}" aria-label="Quantity of ${escapeHtml(item.product_title)}"></p>`,
      )
      .join("") || "<p>Your cart is empty.</p>";
  return Object.fromEntries(
    ids.map((id) => [id, id === "cart-drawer" ? drawer : id === "cart-icon-bubble" ? String(json.item_count) : ""]),
  );
}

export function createStorefrontSimulator(options: SimulatorOptions): StorefrontSimulator {
  const proxyPrefix = options.proxyPrefix ?? "/apps/chat-attribution";
  const proxyPath = options.proxyPath ?? "/proxy";
  const carts = new Map<string, SimulatedCart>();
  const orders: SimulatedOrder[] = [];
  const appMetafields: AppMetafieldStore = new Map();
  // The demo shop's plan as the simulator starts: a test charge of Pro in its trial.
  const subscriptions = [demoSubscription(new Date())];
  const appMetafieldsNow = () =>
    [...appMetafields.values()].map(({ namespace, key, value }): [string, string, string] => [namespace, key, value]);
  let orderNumber = 1000 + Math.floor(Math.random() * 8000);

  const existingCart = (request: ExpressRequest) => carts.get(cookieOf(request, CART_COOKIE) ?? "");
  /** Shopify creates the cart (and its cookie) on the first write; reads of no cart get a fresh empty one. */
  const writableCart = (request: ExpressRequest, response: ExpressResponse) => {
    const existing = existingCart(request);
    if (existing) return existing;
    const cart = newCart(options.currency);
    carts.set(cart.id, cart);
    response.cookie(CART_COOKIE, cart.id, { path: "/", sameSite: "lax", maxAge: 14 * 86_400_000 });
    return cart;
  };
  const embedSettings = (request: ExpressRequest): Partial<EmbedSettings> => ({
    ...(request.query.embed_cart_tracking !== undefined
      ? { cart_tracking: request.query.embed_cart_tracking !== "false" }
      : {}),
    ...(request.query.embed_debug !== undefined ? { debug: request.query.embed_debug === "true" } : {}),
  });

  const app = express();
  app.disable("x-powered-by");
  app.use(express.raw({ type: () => true, limit: "1mb" }));

  // ?consent_region=required on any page makes this browser a visitor from a region where analytics need consent.
  app.get(/.*/, (request, response, next) => {
    const region = request.query.consent_region;
    if (typeof region === "string") response.cookie("simulator_consent_region", region, { path: "/", sameSite: "lax" });
    next();
  });
  app.get(new RegExp(`^${localePrefix}/?$`), async (request, response) => {
    if (request.query.sections !== undefined)
      return void response.json(
        renderSections(existingCart(request) ?? newCart(options.currency), request.query.sections),
      );
    const locale = /^\/(\w\w)(\/|$)/.exec(request.path)?.[1];
    response.type("html").send(
      await renderStorefrontPage({
        root: locale ? `/${locale}/` : "/",
        shopDomain: options.shopDomain,
        currency: options.currency,
        customerId: cookieOf(request, CUSTOMER_COOKIE),
        extensionDir: options.extensionDir,
        embedSettings: embedSettings(request),
        appMetafields: appMetafieldsNow,
        // ?embed=off: the theme with the app embed switched off (the storefront benchmark's baseline page).
        embedEnabled: request.query.embed !== "off",
      }),
    );
  });
  // A product page as Dawn makes it; ?cart_type=page is Dawn's "Cart type: page" setting.
  app.get(new RegExp(`^${localePrefix}/products/([\\w-]+)$`), async (request, response) => {
    const locale = /^\/(\w\w)\/products\//.exec(request.path)?.[1];
    const page = await renderProductPage({
      root: locale ? `/${locale}/` : "/",
      handle: request.params[0],
      cartType: request.query.cart_type === "page" ? "page" : "drawer",
      embedEnabled: request.query.embed !== "off",
      shopDomain: options.shopDomain,
      currency: options.currency,
      customerId: cookieOf(request, CUSTOMER_COOKIE),
      extensionDir: options.extensionDir,
      embedSettings: embedSettings(request),
      appMetafields: appMetafieldsNow,
    });
    if (!page) return void response.status(404).type("text").send("No such product.");
    response.type("html").send(page);
  });
  // The theme's cart page: this theme shows the cart on the home page.
  app.get(new RegExp(`^${localePrefix}/cart/?$`), (request, response) =>
    response.redirect(`${request.path.replace(/cart\/?$/, "")}#cart`),
  );

  // Shopify's Storefront API, where the app reads the carts storefront events name (the same carts /cart.js serves).
  const shop: StandInShop = {
    cartOf: (cartGid) => {
      const match = /^gid:\/\/shopify\/Cart\/([^?]+)\?key=(.+)$/.exec(cartGid);
      const cart = match ? carts.get(match[1]) : undefined;
      if (!cart || cart.secret !== match![2]) return null;
      return {
        currency: cart.currency,
        chatSessionId: cart.attributes[CHAT_SESSION_KEY] ?? null,
        lines: cart.lines.map((line) => ({
          productId: line.product.productId,
          variantId: line.product.variantId,
          quantity: line.quantity,
          unitPrice: line.product.price,
          currency: cart.currency,
          chatSessionId: line.properties[CHAT_SESSION_KEY] ?? null,
        })),
      };
    },
    variantOf: (variantGid) => {
      const product = DEMO_CATALOG.find((p) => `gid://shopify/ProductVariant/${p.variantId}` === variantGid);
      return product ? { productId: product.productId, price: product.price, currency: options.currency } : null;
    },
  };
  app.post(STOREFRONT_API_PATH, (request, response) =>
    answerStorefrontApi(request, response, request.body as Buffer, shop, DEMO_STOREFRONT_TOKEN),
  );
  app.post(ADMIN_API_PATH, (request, response) =>
    answerAdminApi(request, response, request.body as Buffer, appMetafields, DEMO_ADMIN_TOKEN, subscriptions),
  );

  app.get(new RegExp(`^${localePrefix}/cart\\.js$`), (request, response) => {
    response.json(cartJson(existingCart(request) ?? newCart(options.currency)));
  });

  app.post(new RegExp(`^${localePrefix}/cart/(add|change|update|clear)(\\.js)?$`), async (request, response) => {
    const [, action, js] = /\/cart\/(add|change|update|clear)(\.js)?$/.exec(request.path)!;
    try {
      const body = await cartRequestBody(request);
      const cart = writableCart(request, response);
      let added: ReturnType<typeof addItems> | undefined;
      if (action === "add") {
        const items = Array.isArray(body.items) ? (body.items as AddItem[]) : [body as AddItem];
        added = addItems(cart, items);
        // A script's post without .js (Dawn's product form, X-Requested-With) is answered as /cart/add.js is.
        if (js || request.headers["x-requested-with"] === "XMLHttpRequest") {
          const sections = renderSections(cart, body.sections);
          const answer = Array.isArray(body.items) ? { items: added.map(lineJson) } : lineJson(added[0]);
          return void response.json(sections ? { ...answer, sections } : answer);
        }
      } else if (action === "change") changeLine(cart, body);
      else if (action === "update") updateCart(cart, body);
      else clearCart(cart);
      // Without .js these are the theme's plain form posts: Shopify answers with a redirect to the cart.
      if (!js) return void response.redirect(303, `${request.path.replace(/cart\/\w+$/, "")}cart`);
      const sections = renderSections(cart, body.sections);
      response.json(sections ? { ...cartJson(cart), sections } : cartJson(cart));
    } catch (error) {
      const status = error instanceof CartError ? error.status : 400;
      const description = errorMessage(error);
      response.status(status).json({ status, message: "Cart Error", description });
    }
  });

  // Shopify's App Proxy: forward to the app with the signed parameters; cookies are not passed on.
  app.all(new RegExp(`^${proxyPrefix}(/.*)?$`), async (request, response) => {
    const rest = request.path.slice(proxyPrefix.length);
    const params = signedAppProxyParams(
      options.apiSecret,
      { shop: options.shopDomain, loggedInCustomerId: cookieOf(request, CUSTOMER_COOKIE), pathPrefix: proxyPrefix },
      new URLSearchParams(request.url.split("?")[1] ?? ""),
    );
    try {
      const forwarded = await fetch(`${options.appUrl}${proxyPath}${rest}?${params}`, {
        method: request.method,
        headers: {
          "content-type": request.headers["content-type"] ?? "application/octet-stream",
          "user-agent": request.headers["user-agent"] ?? "",
        },
        body:
          ["GET", "HEAD"].includes(request.method) || !Buffer.isBuffer(request.body)
            ? undefined
            : new Uint8Array(request.body),
      });
      response.status(forwarded.status);
      for (const header of ["content-type", "retry-after"]) {
        const value = forwarded.headers.get(header);
        if (value) response.setHeader(header, value);
      }
      response.send(Buffer.from(await forwarded.arrayBuffer()));
    } catch {
      response.status(502).type("text").send("The app did not answer the proxied request.");
    }
  });

  app.post("/account/login", (request, response) => {
    const customerId = String(qs.parse(Buffer.isBuffer(request.body) ? request.body.toString() : "").customer_id ?? "");
    if (/^\d{1,20}$/.test(customerId)) response.cookie(CUSTOMER_COOKIE, customerId, { path: "/", sameSite: "lax" });
    response.redirect(303, "/");
  });
  app.post("/account/logout", (_request, response) => {
    response.clearCookie(CUSTOMER_COOKIE, { path: "/" });
    response.redirect(303, "/");
  });

  /** Checkout: the order Shopify would create, delivered to the app as a signed orders/paid webhook; then a new cart. */
  app.post("/checkout", async (request, response) => {
    const cart = existingCart(request);
    if (!cart || cart.lines.length === 0) return void response.status(400).type("text").send("Your cart is empty.");
    orderNumber += 1;
    const order = orderFromCart(cart, {
      orderId: Date.now() * 10 + (orderNumber % 10),
      orderNumber,
      customerId: cookieOf(request, CUSTOMER_COOKIE),
      now: new Date(),
    });
    const body = JSON.stringify(order);
    let webhookStatus = 0;
    try {
      const delivered = await fetch(`${options.appUrl}/webhooks/orders`, {
        method: "POST",
        body,
        headers: signedWebhookHeaders(options.apiSecret, body, { topic: "orders/paid", shop: options.shopDomain }),
      });
      webhookStatus = delivered.status;
    } catch {
      webhookStatus = 0;
    }
    orders.push({ id: order.id, name: order.name, webhookStatus });
    carts.delete(cart.id);
    response.clearCookie(CART_COOKIE, { path: "/" });
    response.type("html").send(
      renderThankYouPage({
        orderId: order.id,
        orderName: order.name,
        total: order.total_price,
        currency: order.currency,
        webhookStatus,
        adminUrl: options.adminUrl,
      }),
    );
  });

  app.get("/favicon.ico", (_request, response) => response.status(204).end());
  app.use("/cdn/embed", express.static(path.join(options.extensionDir, "assets"), { maxAge: 0 }));
  app.use("/cdn/theme", express.static(STOREFRONT_ASSETS_DIR, { maxAge: 0 }));

  return {
    app,
    orders,
    shop,
    appMetafields,
    listen: (port, host = "0.0.0.0") =>
      new Promise<Server>((resolve) => {
        const server = app.listen(port, host, () => resolve(server));
      }),
  };
}
