/*
 * The cart code of Shopify's reference theme Dawn (15), as far as the simulated product page needs it: the product
 * form posts FormData with `sections` to /cart/add with X-Requested-With, then either goes to /cart (cart type
 * "page") or renders the returned sections into the drawer; the drawer's quantity inputs change a line by its
 * 1-based index with a debounced POST to /cart/change.js. The embed must observe all of it without changing it.
 */
(function () {
  var routes = window.routes;
  var cartType = document.documentElement.dataset.cartType;
  var $ = function (selector) {
    return document.querySelector(selector);
  };

  function renderSections(sections) {
    if (!sections) return;
    if (sections["cart-drawer"] !== undefined) $("#cart-drawer").innerHTML = sections["cart-drawer"];
    if (sections["cart-icon-bubble"] !== undefined) $("[data-cart-count]").textContent = sections["cart-icon-bubble"];
  }

  document.querySelectorAll('form[data-type="add-to-cart-form"]').forEach(function (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var error = form.querySelector("[data-product-form-error]");
      error.hidden = true;
      var formData = new FormData(form);
      formData.append("sections", "cart-drawer,cart-icon-bubble");
      formData.append("sections_url", window.location.pathname);
      fetch(routes.cart_add_url, {
        method: "POST",
        headers: { "X-Requested-With": "XMLHttpRequest", Accept: "application/javascript" },
        body: formData,
      })
        .then(function (response) {
          return response.json();
        })
        .then(function (response) {
          if (response.status) {
            error.textContent = response.description;
            error.hidden = false;
            return;
          }
          if (cartType === "page") {
            window.location = routes.cart_url;
            return;
          }
          renderSections(response.sections);
        });
    });
  });

  // Dawn's cart drawer: a quantity change is sent 300 ms after the last keystroke or click, by line index.
  var timers = {};
  document.addEventListener("change", function (event) {
    var input = event.target.closest("[data-quantity-line]");
    if (!input) return;
    var line = input.dataset.quantityLine;
    clearTimeout(timers[line]);
    timers[line] = setTimeout(function () {
      fetch(routes.cart_change_url + ".js", {
        method: "POST",
        headers: { "Content-Type": "application/json", Accept: "application/json" },
        body: JSON.stringify({
          line: Number(line),
          quantity: Number(input.value),
          sections: ["cart-drawer", "cart-icon-bubble"],
          sections_url: window.location.pathname,
        }),
      })
        .then(function (response) {
          return response.json();
        })
        .then(function (state) {
          renderSections(state.sections);
        });
    }, 300);
  });

  // Dawn renders the drawer server-side; the stand-in asks for the same sections once.
  fetch(window.Shopify.routes.root + "?sections=cart-drawer,cart-icon-bubble")
    .then(function (response) {
      return response.json();
    })
    .then(renderSections);
})();
