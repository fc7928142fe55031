/*
 * The simulated theme's cookie banner, on every page: shown when the Customer Privacy API says the visitor must be
 * asked, it records the answer with setTrackingConsent (which announces visitorConsentCollected), and "Privacy
 * settings" opens it again.
 */
(function () {
  var banner = function () {
    return document.querySelector("[data-consent-banner]");
  };
  document.addEventListener("click", function (event) {
    var target = event.target.closest("button");
    if (!target) return;
    if (target.dataset.consent)
      window.Shopify.customerPrivacy.setTrackingConsent(
        {
          analytics: target.dataset.consent === "accept",
          marketing: target.dataset.consent === "accept",
          preferences: true,
          sale_of_data: target.dataset.consent === "accept",
        },
        function () {
          banner().hidden = true;
        },
      );
    if ("privacySettings" in target.dataset) banner().hidden = false;
  });
  window.Shopify.loadFeatures([{ name: "consent-tracking-api", version: "0.1" }], function () {
    banner().hidden = !window.Shopify.customerPrivacy.shouldShowBanner();
  });
})();
