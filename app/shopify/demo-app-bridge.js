/*
 * The demo's stand-in for https://cdn.shopify.com/shopifycloud/app-bridge.js, which cannot load offline. Served only in
 * demo mode (demo.server.ts prefixes `window.__demoAppBridge = { apiKey, shop }`). Like App Bridge it:
 * - supplies session tokens (`shopify.idToken()`) and adds `Authorization: Bearer …` to the app's own fetches;
 * - renders `<ui-title-bar>` (title and action buttons) and `<ui-save-bar>` (Save / Discard) from their light-DOM
 *   buttons, forwarding clicks to them, and offers `shopify.saveBar` with `leaveConfirmation()`;
 * - hides `<ui-nav-menu>` (the demo frame draws the admin's sidebar instead).
 * The bars live in each element's shadow root, so React never sees them and hydration is unaffected.
 */
(() => {
  const config = window.__demoAppBridge;
  const tokenUrl = "/demo/session-token";
  const originalFetch = window.fetch.bind(window);
  let cached = null;
  async function idToken() {
    if (cached && cached.expires > Date.now() + 5000) return cached.token;
    const response = await originalFetch(tokenUrl, { credentials: "same-origin" });
    const token = await response.text();
    cached = { token, expires: Date.now() + 55000 };
    return token;
  }
  window.fetch = async (input, init = {}) => {
    const url = new URL(
      typeof input === "string" ? input : input instanceof URL ? input.href : input.url,
      location.href,
    );
    if (url.origin !== location.origin || url.pathname === tokenUrl) return originalFetch(input, init);
    const headers = new Headers(init.headers || (input instanceof Request ? input.headers : undefined));
    if (!headers.has("Authorization")) headers.set("Authorization", `Bearer ${await idToken()}`);
    return originalFetch(input, { ...init, headers });
  };

  const BAR_STYLE = `
    :host { display: block; }
    .bar { display: flex; align-items: center; justify-content: space-between; gap: 12px; flex-wrap: wrap;
      font: 13px/20px -apple-system, BlinkMacSystemFont, "San Francisco", "Segoe UI", Roboto, sans-serif; }
    .title { font-weight: 650; font-size: 14px; color: #303030; overflow: hidden; text-overflow: ellipsis; }
    .actions { display: flex; gap: 8px; }
    button { font: inherit; font-weight: 550; border-radius: 8px; padding: 6px 12px; cursor: pointer;
      border: 1px solid #c9c9c9; background: #fff; color: #303030; }
    button.primary { background: #303030; border-color: #303030; color: #fff; }
    button:disabled { opacity: 0.5; cursor: default; }
    button:focus-visible { outline: 2px solid #005bd3; outline-offset: 1px; }`;

  /** Copies the element's light-DOM buttons into `target`; a click on a copy clicks the original. */
  function mirrorButtons(source, target) {
    const buttons = [...source.children].filter((child) => child.tagName === "BUTTON");
    target.replaceChildren(
      ...buttons.map((original) => {
        const copy = document.createElement("button");
        copy.type = "button";
        copy.textContent = original.textContent;
        if (original.getAttribute("variant") === "primary") copy.className = "primary";
        const loading = original.hasAttribute("loading");
        copy.disabled = original.disabled || loading;
        if (loading) copy.setAttribute("aria-busy", "true");
        copy.addEventListener("click", () => original.click());
        return copy;
      }),
    );
  }

  /** Re-renders whenever React changes the element's children or attributes. */
  class MirroredElement extends HTMLElement {
    constructor() {
      super();
      this.root = this.attachShadow({ mode: "open" });
      this.observer = new MutationObserver(() => this.render());
    }
    connectedCallback() {
      this.observer.observe(this, { subtree: true, childList: true, attributes: true, characterData: true });
      this.render();
    }
    disconnectedCallback() {
      this.observer.disconnect();
    }
  }

  class TitleBar extends MirroredElement {
    render() {
      this.root.innerHTML = `<style>${BAR_STYLE}
        .bar { padding: 10px 20px; background: #fff; border-bottom: 1px solid #e3e3e3; }</style>
        <div class="bar" data-title-bar><div class="title"></div><div class="actions"></div></div>`;
      this.root.querySelector(".title").textContent = this.getAttribute("title") ?? "";
      mirrorButtons(this, this.root.querySelector(".actions"));
    }
  }

  const visibleSaveBars = new Set();
  class SaveBar extends MirroredElement {
    get showing() {
      return visibleSaveBars.has(this);
    }
    show() {
      if (this.showing) return Promise.resolve();
      visibleSaveBars.add(this);
      this.render();
      this.dispatchEvent(new Event("show"));
      return Promise.resolve();
    }
    hide() {
      if (!this.showing) return Promise.resolve();
      visibleSaveBars.delete(this);
      this.render();
      this.dispatchEvent(new Event("hide"));
      return Promise.resolve();
    }
    toggle() {
      return this.showing ? this.hide() : this.show();
    }
    disconnectedCallback() {
      super.disconnectedCallback();
      visibleSaveBars.delete(this);
    }
    render() {
      if (!this.showing) {
        this.root.replaceChildren();
        return;
      }
      this.root.innerHTML = `<style>${BAR_STYLE}
        .bar { position: fixed; inset: 0 0 auto 0; z-index: 1000; box-sizing: border-box; height: 52px;
          padding: 0 16px; background: #1a1a1a; flex-wrap: nowrap; }
        .title { color: #e3e3e3; }
        button { background: #303030; color: #e3e3e3; border-color: #5c5c5c; }
        button.primary { background: #fff; color: #303030; border-color: #fff; }</style>
        <section class="bar" role="region" aria-label="Unsaved changes">
          <div class="title">Unsaved changes</div><div class="actions"></div>
        </section>`;
      mirrorButtons(this, this.root.querySelector(".actions"));
    }
  }

  /** The admin's leave dialog: resolves when the merchant leaves; staying leaves the promise pending, as App Bridge. */
  function leaveConfirmation() {
    if (visibleSaveBars.size === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const host = document.createElement("div");
      const root = host.attachShadow({ mode: "open" });
      root.innerHTML = `<style>${BAR_STYLE}
        dialog { border: none; border-radius: 12px; padding: 16px 20px; max-width: 380px;
          box-shadow: 0 8px 24px rgba(0,0,0,.2); font: 13px/20px -apple-system, "Segoe UI", Roboto, sans-serif; }
        h2 { font-size: 14px; margin: 0 0 8px; } p { margin: 0 0 16px; }
        .actions { justify-content: flex-end; }
        button.critical { background: #c70a24; border-color: #c70a24; color: #fff; }</style>
        <dialog aria-labelledby="leave-title">
          <h2 id="leave-title">Leave page with unsaved changes?</h2>
          <p>Leaving this page will delete all unsaved changes.</p>
          <div class="actions"><button type="button" data-stay>Stay</button>
          <button type="button" class="critical" data-leave>Leave page</button></div>
        </dialog>`;
      document.body.append(host);
      const dialog = root.querySelector("dialog");
      const close = () => {
        dialog.close();
        host.remove();
      };
      root.querySelector("[data-stay]").addEventListener("click", close);
      dialog.addEventListener("cancel", close);
      root.querySelector("[data-leave]").addEventListener("click", () => {
        close();
        for (const bar of [...visibleSaveBars]) bar.hide();
        resolve();
      });
      dialog.showModal();
    });
  }

  const withSaveBar = (id, act) => {
    const element = document.getElementById(id);
    return element instanceof SaveBar ? act(element) : Promise.reject(new Error(`No ui-save-bar with id ${id}`));
  };
  customElements.define("ui-title-bar", TitleBar);
  customElements.define("ui-save-bar", SaveBar);
  customElements.define(
    "ui-nav-menu",
    class extends HTMLElement {
      constructor() {
        super();
        this.attachShadow({ mode: "open" });
      }
    },
  );

  window.shopify = {
    config: { apiKey: config.apiKey, shop: config.shop, locale: document.documentElement.lang || "en" },
    idToken,
    toast: {
      show(message) {
        console.info("[toast]", message);
      },
    },
    loading() {},
    saveBar: {
      show: (id) => withSaveBar(id, (bar) => bar.show()),
      hide: (id) => withSaveBar(id, (bar) => bar.hide()),
      toggle: (id) => withSaveBar(id, (bar) => bar.toggle()),
      leaveConfirmation,
    },
  };
})();
