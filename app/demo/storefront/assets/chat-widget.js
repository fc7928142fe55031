/*
 * A tiny fake chat widget, standing in for the merchant's AI chat vendor: it talks to the embed only through
 * the documented `window.chatAttribution` queue, so it works whether it runs before or after the SDK loads.
 * Its "assistant" answers from a keyword list; anything else gets an honest "I don't know" (answerFound false).
 * ?chat_autostart=<question> asks a question as the page loads, before the deferred SDK has run.
 * While an experiment runs it asks the embed for the visitor's arm and stays hidden in a holdout arm.
 */
(function () {
  var queue = (window.chatAttribution = window.chatAttribution || []);
  var ANSWERS = [
    {
      words: ["dry", "cream", "moistur"],
      topic: "dry skin",
      product: { productId: "8101", variantId: "48101", title: "Hydrating Face Cream", handle: "hydrating-face-cream" },
      text: "For dry skin I'd pick our Hydrating Face Cream.",
    },
    {
      words: ["serum", "vitamin", "dull"],
      topic: "dull skin",
      product: { productId: "8103", variantId: "48103", title: "Vitamin C Serum", handle: "vitamin-c-serum" },
      text: "Our Vitamin C Serum brightens dull skin (10 % off today).",
    },
    {
      words: ["sun", "spf"],
      topic: "sunscreen",
      product: { productId: "8104", variantId: "48104", title: "SPF 50 Day Fluid", handle: "spf-50-day-fluid" },
      text: "SPF 50 Day Fluid protects every day.",
    },
  ];
  var conversationId = null;
  var panel;

  var transcript = [];
  function show(line) {
    var item = document.createElement("li");
    item.className = "chat-" + line.role;
    item.innerHTML = line.html;
    panel.querySelector("[data-chat-log]").appendChild(item);
  }
  // A question asked at page load is answered before the panel exists; it is shown once the panel is built.
  function say(role, html) {
    transcript.push({ role: role, html: html });
    if (panel) show(transcript[transcript.length - 1]);
  }

  function ask(question) {
    if (!conversationId) {
      conversationId = "c_" + Math.random().toString(36).slice(2, 10);
      queue.push(["conversation_started", { conversationId: conversationId, surface: "CHAT_WIDGET" }]);
    }
    var answer = ANSWERS.filter(function (candidate) {
      return candidate.words.some(function (word) {
        return question.toLowerCase().indexOf(word) >= 0;
      });
    })[0];
    queue.push([
      "message",
      { conversationId: conversationId, role: "shopper", topic: answer ? answer.topic : undefined },
    ]);
    say("shopper", question.replace(/</g, "&lt;"));
    if (answer) {
      queue.push([
        "message",
        {
          conversationId: conversationId,
          role: "assistant",
          answerFound: true,
          productIds: [answer.product.productId],
        },
      ]);
      say(
        "assistant",
        answer.text +
          ' <button type="button" class="button" data-chat-add="' +
          answer.product.variantId +
          '">Add ' +
          answer.product.title +
          ' to cart</button> <button type="button" class="link" data-chat-share="' +
          answer.product.handle +
          '">Send me a link</button>',
      );
    } else {
      queue.push(["message", { conversationId: conversationId, role: "assistant", answerFound: false }]);
      say("assistant", "Sorry, I don't know that one yet.");
    }
  }

  // A link to the product, as a chat sends one by e-mail: opened on any device, it leads back to this conversation.
  function shareLink(handle, button) {
    button.disabled = true;
    Promise.resolve(
      queue.push(["link", { conversationId: conversationId, url: window.Shopify.routes.root + "products/" + handle }]),
    ).then(function (url) {
      if (url) say("assistant", 'Here is your link: <a data-chat-link href="' + url + '">' + url + "</a>");
    });
  }

  function addToCart(variantId, button) {
    button.disabled = true;
    // Once the SDK has loaded, push returns a Promise that resolves to the cart.
    Promise.resolve(
      queue.push(["add_to_cart", { conversationId: conversationId, variantId: variantId, quantity: 1 }]),
    ).then(function (cart) {
      button.textContent = cart ? "Added ✓" : "Could not add";
      window.dispatchEvent(new Event("cart:refresh"));
    });
  }

  var autostart = new URLSearchParams(location.search).get("chat_autostart");
  if (autostart) ask(autostart);

  document.addEventListener("DOMContentLoaded", function () {
    panel = document.createElement("aside");
    panel.className = "chat";
    panel.innerHTML =
      '<button type="button" class="chat-toggle" data-chat-toggle>Chat with us</button>' +
      '<div class="chat-panel" data-chat-panel hidden><ul data-chat-log></ul>' +
      '<form data-chat-form><input name="question" placeholder="Ask about a product…" autocomplete="off" aria-label="Your question"><button class="button">Send</button></form>' +
      '<form data-chat-email><input name="email" type="email" placeholder="E-mail me this chat" aria-label="Your e-mail"><button class="link">Send</button></form></div>';
    document.body.appendChild(panel);
    transcript.forEach(show);
    // A visitor in a holdout arm never sees the chat; the arm is known once consent gives the embed a visitor id.
    var assign = function (assignment) {
      if (!assignment || typeof assignment !== "object") return;
      panel.dataset.chatArm = assignment.arm;
      if (assignment.showChat === false) panel.hidden = true;
    };
    document.addEventListener("chat-attribution:assignment", function (event) {
      assign(event.detail);
    });
    Promise.resolve(queue.push(["assignment"])).then(assign);
    if (autostart) panel.querySelector("[data-chat-panel]").hidden = false;
    panel.addEventListener("click", function (event) {
      var target = event.target.closest("button");
      if (!target) return;
      if ("chatToggle" in target.dataset)
        panel.querySelector("[data-chat-panel]").hidden = !panel.querySelector("[data-chat-panel]").hidden;
      if (target.dataset.chatAdd) addToCart(target.dataset.chatAdd, target);
      if (target.dataset.chatShare) shareLink(target.dataset.chatShare, target);
    });
    panel.addEventListener("submit", function (event) {
      event.preventDefault();
      var input = event.target.querySelector("input");
      if (!input.value.trim()) return;
      if ("chatForm" in event.target.dataset) ask(input.value.trim());
      else queue.push(["identify", { email: input.value.trim() }]);
      input.value = "";
    });
  });
})();
