/**
 * The storefront SDK the theme app embed loads (docs/event-protocol.md is its public contract).
 * Bundled by `npm run build:embed` into extensions/chat-attribution-embed/assets/chat-attribution.js; the bundle
 * must stay under 3 KB gzipped, so this file trades a little verbosity for size (no classes, no polyfills).
 *
 * Rules it lives by:
 * - It never breaks the theme: every failure is caught and logged; the theme's own cart requests go out
 *   unchanged and their responses are handed back untouched.
 * - Without analytics consent (Shopify's Customer Privacy API) it keeps no visitor id, writes nothing to
 *   storage and sends nothing. While the shopper has not answered yet, the chat's events wait in memory only: sent
 *   (with their own times) when consent arrives, dropped when it is declined. Withdrawn consent forgets everything.
 * - A cart request the page navigates away from (a theme that opens /cart after its add) is finished on the next
 *   page: the cart before it waits in sessionStorage until a diff has recorded it, so it is counted exactly once.
 * - Events wait in a bounded localStorage queue until the app answers, so a flaky network loses nothing and a
 *   dead one cannot fill storage.
 */
import { armOfBucket, bucketOf } from "../domain/experiments/assignment";
import { cartChanges, SESSION_KEY, VISITOR_KEY, type AjaxCart } from "./cart-diff";
import { LINK_PARAM } from "./links";

/**
 * True in the build the embed loads while an experiment runs (chat-attribution-experiments.js), false in the one it
 * loads otherwise: the experiment code costs the everyday page nothing (scripts/build-embed.ts, decision 015).
 */
declare const EXPERIMENTS: boolean;
const ARM_KEY = "_chat_arm";

type Payload = Record<string, any>;
type Command = [string, Payload?];

const QUEUE_LIMIT = 200;
const BATCH_EVENTS = 100;
// fetch keepalive bodies share a 64 KB budget in the browser; stay under it so a pagehide flush is sent.
const BATCH_CHARS = 60_000;
const CART_REQUEST = /\/cart\/(add|change|update|clear)(\.js)?$/;

((w: any, d: Document) => {
  // A page may have put anything there; only an array is a queue of commands.
  const pending: any = Array.isArray(w.chatAttribution) ? w.chatAttribution : [];
  if (pending.loaded) return;

  const config: Payload = JSON.parse(d.getElementById("chat-attribution-config")?.textContent || "{}");
  const nativeFetch: typeof fetch = w.fetch.bind(w);
  // Shopify's storefront object; the Customer Privacy API is added to it when it loads.
  const shopify = w.Shopify || {};
  const root: string = shopify.routes?.root || "/";
  const endpoint = (config.proxy || "/apps/chat-attribution") + "/events";
  const say = (level: "warn" | "debug", ...args: unknown[]) =>
    (level == "warn" || config.debug) && console[level]("[chat-attribution]", ...args);

  let allowed = false;
  // The chat's events while consent is unanswered (memory only); null once it is declined.
  let held: Payload[] | null = [];
  // Cart requests on their way: the snapshot before them stays in sessionStorage until they are diffed.
  let inFlight = 0;
  let visitor = "";
  let session = "";
  let lastCart: AjaxCart | undefined;
  let failures = 0;
  let timer: any = 0;
  let sending = false;
  // The running experiment as the embed's Liquid rendered it, and this visitor's arm once consent gives an id.
  const experiment = EXPERIMENTS && config.experiment;
  let assignment: Payload | null = null;

  const load = (key: string, store = localStorage) => {
    try {
      return JSON.parse(store.getItem("chat_attribution_" + key)!);
    } catch {}
  };
  // Nothing is written without consent; removing always works.
  const save = (key: string, value: unknown, store = localStorage) => {
    try {
      value == null
        ? store.removeItem("chat_attribution_" + key)
        : allowed && store.setItem("chat_attribution_" + key, JSON.stringify(value));
    } catch {}
  };
  const cookie = (value: string, maxAge: number) =>
    (d.cookie = `chat_attribution_vid=${value};path=/;max-age=${maxAge};samesite=lax`);

  // keepalive for the event queue: a flush on pagehide must still go out.
  const post = (url: string, body: Payload, keepalive?: boolean) =>
    nativeFetch(url, {
      method: "POST",
      keepalive,
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
  const getCart = async (): Promise<AjaxCart> => (await nativeFetch(root + "cart.js")).json();

  // Cart work runs one task at a time, so every diff compares against the snapshot the previous task left.
  let cartTasks: Promise<unknown> = Promise.resolve();
  const cartTask = <T>(task: () => Promise<T>): Promise<T> => {
    const result = cartTasks.then(task);
    cartTasks = result.catch((error) => say("warn", error));
    return result;
  };

  /**
   * Writes the session and visitor onto the cart (Shopify copies cart attributes onto the order); in an experiment,
   * every assigned visitor's cart also gets the visitor and the arm, chat or no chat.
   */
  const stamp = async (cart: AjaxCart) => {
    const attributes = cart.attributes || {};
    if (EXPERIMENTS) {
      const marks: Payload = { [VISITOR_KEY]: visitor };
      if (session) marks[SESSION_KEY] = session;
      if (assignment) marks[ARM_KEY] = assignment.arm;
      if (allowed && (session || assignment) && Object.keys(marks).some((key) => attributes[key] != marks[key])) {
        const response = await post(root + "cart/update.js", { attributes: marks });
        if (response.ok) cart = await response.json();
      }
    } else if (allowed && session && (attributes[SESSION_KEY] != session || attributes[VISITOR_KEY] != visitor)) {
      const response = await post(root + "cart/update.js", {
        attributes: { [SESSION_KEY]: session, [VISITOR_KEY]: visitor },
      });
      if (response.ok) cart = await response.json();
    }
    return (lastCart = cart);
  };

  /**
   * Reads the cart, records what changed since `before`, re-stamps a cart that is new, returns the cart. A theme's
   * change belongs to the conversation the cart is stamped with (the app checks the stamp at Shopify).
   */
  const sync = async (before = lastCart, chatSession?: string) => {
    const after = await getCart();
    if (before) {
      for (const change of cartChanges(before, after)) {
        record("cart", {
          ...change,
          currency: after.currency,
          cartToken: after.token,
          fromChat: !!chatSession,
          conversationId: chatSession || change.conversationId || session || undefined,
        });
      }
    }
    // Recorded (or nothing to record) in the same task: a page left from here on has nothing left to finish.
    save("pending", inFlight ? after : null, sessionStorage);
    return stamp(after);
  };

  const tracking = () => allowed && config.cartTracking !== false;
  const cartRequestStarted = () => {
    inFlight++;
    if (tracking() && lastCart && !load("pending", sessionStorage)) save("pending", lastCart, sessionStorage);
  };
  const cartRequestEnded = (ok: unknown) => {
    inFlight--;
    ok && tracking() && cartTask(() => sync());
  };
  const isCartRequest = (url: string, method?: string) => {
    try {
      const target = new URL(url, location.href);
      return /post/i.test(method || "") && target.origin == location.origin && CART_REQUEST.test(target.pathname);
    } catch {}
  };

  const record = (type: string, data: Payload) => {
    const event = { ...data, id: crypto.randomUUID(), type, occurredAt: new Date().toISOString() };
    say("debug", type, data);
    if (allowed) enqueue([event]);
    else held?.push(event); // memory only; enqueue keeps the newest QUEUE_LIMIT
  };
  const enqueue = (events: Payload[]) => {
    const queue: Payload[] = load("queue") || [];
    for (const event of events) queue.push({ ...event, visitorId: visitor });
    save("queue", queue.slice(-QUEUE_LIMIT));
    schedule(1000);
  };

  const schedule = (delay: number) => {
    if (!timer) timer = setTimeout(() => ((timer = 0), flush()), delay);
  };

  const flush = async () => {
    const queue: Payload[] = load("queue") || [];
    if (!allowed || sending || !queue.length) return;
    const batch: Payload[] = [];
    let chars = 0;
    for (const event of queue) {
      chars += JSON.stringify(event).length + 1;
      if (batch.length == BATCH_EVENTS || chars > BATCH_CHARS) break;
      batch.push(event);
    }
    sending = true;
    let retryIn = 0;
    let done = batch;
    try {
      const response = await post(endpoint, { events: batch }, true);
      if (response.status == 400) {
        // One invalid event rejects the batch; drop only the events the app named and resend the rest.
        const errors: { index: number | null }[] = (await response.json()).errors || [];
        const bad = errors.map((error) => error.index);
        if (!bad.includes(null)) done = batch.filter((_, index) => bad.includes(index));
        say("warn", "rejected", errors);
      } else if (!response.ok && response.status != 413) {
        retryIn = Number(response.headers.get("Retry-After")) * 1000;
        done = [];
      }
    } catch {
      done = [];
    }
    sending = false;
    const sent = new Set(done.map((event) => event.id));
    const left = (load("queue") || []).filter((event: Payload) => !sent.has(event.id));
    save("queue", left.length ? left : null);
    if (done.length) failures = 0;
    else retryIn ||= Math.min(60_000, 1000 * 2 ** failures++) * (0.5 + Math.random() / 2);
    if (left.length) schedule(retryIn);
  };

  /** Consent given: a visitor id (kept in localStorage and a first-party cookie), the cart, the queue. */
  const start = () => {
    allowed = true;
    visitor = load("visitor") || d.cookie.match(/chat_attribution_vid=([\w-]+)/)?.[1] || crypto.randomUUID();
    save("visitor", visitor);
    cookie(visitor, 31_536_000);
    // The chat held before consent: its session is stamped now, its events go out with their own times.
    save("session", (session ||= load("session") || ""));
    enqueue(held || []);
    held = null;
    if (EXPERIMENTS && experiment) {
      // The same hash the app checks every exposure against (experiments/assignment.ts); one exposure per visitor.
      const arm = armOfBucket(
        experiment.arms as { key: string; weight: number; showChat: boolean; variant: string }[],
        bucketOf(experiment.id, visitor),
      );
      assignment = { experimentId: experiment.id, arm: arm.key, showChat: arm.showChat, variant: arm.variant };
      if (load("exposed") != experiment.id) record("exposure", { experimentId: experiment.id, arm: arm.key });
      save("exposed", experiment.id);
      d.dispatchEvent(new CustomEvent("chat-attribution:assignment", { detail: assignment }));
    }
    // A cart request the last page did not live to diff is diffed against the cart before it.
    cartTask(() => sync(load("pending", sessionStorage)));
    flush();
  };
  const stop = () => {
    allowed = false;
    held = null;
    for (const key of ["visitor", "session", "queue"]) save(key, null);
    if (EXPERIMENTS) save("exposed", (assignment = null));
    save("pending", null, sessionStorage);
    cookie("", 0);
    visitor = session = "";
  };
  const keeping = () => allowed || held;
  /** The conversation the cart is stamped with from now on (held: stamped when consent arrives, in start). */
  const adopt = (conversationId: string) => {
    if (keeping()) {
      save("session", (session = conversationId));
      return allowed && cartTask(() => sync());
    }
  };
  const consentChanged = (analytics: boolean) => (analytics ? !allowed && start() : stop());

  const consentKnown = new Promise<void>((resolve) => {
    const read = () => {
      const privacy = shopify.customerPrivacy;
      // Unanswered (""): keep holding; declined: drop what is held.
      if (privacy?.analyticsProcessingAllowed()) start();
      else if (privacy?.currentVisitorConsent?.().analytics == "no") stop();
      resolve();
    };
    if (shopify.customerPrivacy) read();
    else shopify.loadFeatures?.([{ name: "consent-tracking-api", version: "0.1" }], read);
    // No Customer Privacy API at all means no way to learn consent: stay off, but never hold the widget up.
    setTimeout(resolve, 3000);
  });
  d.addEventListener("visitorConsentCollected", (event: any) => consentChanged(!!event.detail?.analyticsAllowed));

  const required = (payload: Payload, field: string) => {
    const value = payload[field];
    if (!value && value !== 0) throw Error(`no ${field}`);
    return String(value);
  };

  const commands: Record<string, (payload: Payload) => unknown> = {
    conversation_started(payload) {
      record("conversation_started", {
        // The app checks the id (a batch's bad event is refused alone) and decides the surface (a nudgeId makes it NUDGE_CLICK) and the variant from the conversation's first event.
        conversationId: payload.conversationId,
        surface: payload.surface,
        nudgeId: payload.nudgeId,
        // In an experiment, the arm's variant unless the chat names its own.
        variant: EXPERIMENTS ? payload.variant || assignment?.variant : payload.variant,
      });
    },
    // The visitor's arm of the running experiment; null without one, or without consent (no visitor to assign).
    assignment: () => (EXPERIMENTS ? assignment : null),
    message(payload) {
      const conversationId = required(payload, "conversationId");
      const { role, answerFound } = payload;
      // A role the protocol does not know is refused by the app for this event alone (see flush).
      record("message", {
        conversationId,
        role,
        answerFound,
        productIds: payload.productIds,
        topic: payload.topic,
        text: payload.text,
      });
      if (role == "assistant" && answerFound === true && session != conversationId) return adopt(conversationId);
    },
    add_to_cart(payload) {
      const conversationId = required(payload, "conversationId");
      const id = Number(required(payload, "variantId").split("/").pop());
      const quantity = payload.quantity ?? 1;
      if (!(id > 0) || !(quantity >= 1 && quantity <= 999 && quantity % 1 == 0))
        throw Error("variantId or quantity is invalid");
      const properties = { ...payload.properties };
      if (allowed) properties[SESSION_KEY] = conversationId;
      if (keeping()) save("session", (session = conversationId));
      return cartTask(async () => {
        const before = lastCart || (await getCart());
        const response = await post(root + "cart/add.js", { items: [{ id, quantity, properties }] });
        if (!response.ok) throw Error(`cart/add.js: ${(await response.json()).description}`);
        return sync(before, conversationId);
      });
    },
    // A link the chat shares (in the widget, or copied into a message): the URL back, with its tracking parameter.
    link(payload) {
      const conversationId = required(payload, "conversationId");
      const url = new URL(required(payload, "url"), location.href);
      const linkId = crypto.randomUUID().slice(0, 8);
      record("link_shared", { conversationId, linkId, url: url.href });
      // As links.ts trackedUrl writes it (inlined here for the size budget).
      url.searchParams.set(LINK_PARAM, linkId + "." + conversationId);
      return url.href;
    },
    // A logged-in customer reaches the app through the App Proxy's signed logged_in_customer_id; a customer id in the
    // body would only be a claim, so the storefront sends the e-mail's hash alone.
    async identify(payload) {
      const email = required(payload, "email").trim().toLowerCase();
      const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(email)));
      record("identify", { emailSha256: Array.from(digest, (byte) => (byte + 256).toString(16).slice(1)).join("") });
    },
  };

  // Commands run one after another, in push order, once consent is known; none ever throws into the widget.
  let commandQueue: Promise<unknown> = consentKnown;
  const run = (command: Command) =>
    (commandQueue = commandQueue.then(async () => {
      try {
        const handler = Array.isArray(command) && Object.hasOwn(commands, command[0]) && commands[command[0]];
        if (!handler) throw Error(`unknown command ${command}`);
        return await handler(command[1] || {});
      } catch (error) {
        say("warn", error);
      }
    }));

  try {
    // The theme's own cart requests: passed through untouched, observed after they succeed.
    const theme = w.fetch;
    w.fetch = function (this: unknown, input: any, init?: RequestInit) {
      const response = theme.apply(this, arguments);
      try {
        if (isCartRequest(input?.url || String(input), init?.method || input?.method)) {
          cartRequestStarted();
          response.then(
            (result: Response) => cartRequestEnded(result.ok),
            () => cartRequestEnded(0),
          );
        }
      } catch {}
      return response;
    };
    const xhr = XMLHttpRequest.prototype;
    const open = xhr.open;
    const send = xhr.send;
    xhr.open = function (this: any, method: string, url: string | URL) {
      this._chatCart = isCartRequest(String(url), method);
      return open.apply(this, arguments as any);
    };
    xhr.send = function (this: any) {
      if (this._chatCart) {
        cartRequestStarted();
        this.addEventListener("loadend", () => cartRequestEnded(this.status > 0 && this.status < 300));
      }
      return send.apply(this, arguments as any);
    };
    // Registered on window, so it runs after the theme's own submit handlers and sees whether they took over.
    w.addEventListener("submit", (event: SubmitEvent) => {
      const form = event.target as HTMLFormElement;
      if (!event.defaultPrevented && isCartRequest(form.action, form.method)) save("pending", lastCart, sessionStorage);
    });
    w.addEventListener("pagehide", flush);
  } catch (error) {
    say("warn", error);
  }

  // Landed through a shared link (any device): a LINK touch of its conversation, whose session the cart now carries.
  // As links.ts landingLink reads it.
  const landed = /^(\w{8})\.(.+)/.exec(new URLSearchParams(location.search).get(LINK_PARAM)!);
  if (landed)
    commandQueue = commandQueue.then((): unknown => {
      record("link_click", { linkId: landed[1], conversationId: landed[2] });
      return adopt(landed[2]);
    });

  pending.splice(0).forEach(run);
  pending.push = run;
  pending.loaded = 1;
  w.chatAttribution = pending;
})(window, document);
