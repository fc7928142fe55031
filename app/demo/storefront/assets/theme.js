/*
 * The simulated theme's own cart code, written the ways real themes do it: fetch with JSON, XMLHttpRequest
 * with a url-encoded body, and plain form posts (in the page markup). The embed must observe all of them
 * without changing what they do.
 */
(function () {
  var root = window.Shopify.routes.root;
  var money = function (cents, currency) {
    return (cents / 100).toFixed(2) + " " + currency;
  };
  var $ = function (selector) {
    return document.querySelector(selector);
  };

  function render(cart) {
    $("[data-cart-count]").textContent = cart.item_count;
    $("[data-cart-lines]").innerHTML =
      cart.items
        .map(function (item) {
          return (
            '<li data-line-key="' +
            item.key +
            '"><span>' +
            item.product_title +
            "</span>" +
            '<button type="button" class="link" data-line-decrease="' +
            item.key +
            '">−</button>' +
            "<span data-line-quantity>" +
            item.quantity +
            "</span>" +
            '<button type="button" class="link" data-line-increase="' +
            item.key +
            '">+</button>' +
            "<span>" +
            money(item.final_line_price, cart.currency) +
            "</span>" +
            '<button type="button" class="link" data-line-remove="' +
            item.key +
            '">Remove</button></li>'
          );
        })
        .join("") || "<li>Your cart is empty.</li>";
    $("[data-cart-total]").textContent = "Total " + money(cart.total_price, cart.currency);
    $("[data-cart-debug]").textContent = JSON.stringify(
      {
        attributes: cart.attributes,
        lines: cart.items.map(function (item) {
          return { title: item.product_title, properties: item.properties };
        }),
      },
      null,
      2,
    );
    $("[data-checkout]").disabled = cart.items.length === 0;
  }

  function refresh() {
    return fetch(root + "cart.js")
      .then(function (r) {
        return r.json();
      })
      .then(render);
  }
  window.addEventListener("cart:refresh", refresh);

  function postJson(path, body) {
    return fetch(root + path, {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify(body),
    }).then(function (r) {
      return r.json();
    });
  }

  function postForm(path, fields, done) {
    var request = new XMLHttpRequest();
    request.open("POST", root + path);
    request.setRequestHeader("Content-Type", "application/x-www-form-urlencoded");
    request.onload = done;
    request.send(new URLSearchParams(fields).toString());
  }

  document.addEventListener("click", function (event) {
    var target = event.target.closest("button");
    if (!target) return;
    var data = target.dataset;
    if (data.addFetch) postJson("cart/add.js", { items: [{ id: Number(data.addFetch), quantity: 1 }] }).then(refresh);
    if (data.addXhr) postForm("cart/add.js", { id: data.addXhr, quantity: "1" }, refresh);
    if (data.lineIncrease || data.lineDecrease) {
      var key = data.lineIncrease || data.lineDecrease;
      var quantity =
        Number(target.parentNode.querySelector("[data-line-quantity]").textContent) + (data.lineIncrease ? 1 : -1);
      postJson("cart/change.js", { id: key, quantity: quantity }).then(render);
    }
    if (data.lineRemove) postForm("cart/change.js", { id: data.lineRemove, quantity: "0" }, refresh);
    if ("cartClear" in data) postJson("cart/clear.js", {}).then(render);
  });

  refresh();
})();
