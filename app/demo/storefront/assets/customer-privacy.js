/*
 * Stand-in for Shopify's Customer Privacy API (consent-tracking-api), loaded on demand through
 * Shopify.loadFeatures as on a real storefront. Whether the visitor's region needs consent comes from the
 * `simulator_consent_region` cookie (set with ?consent_region=required); the decision is kept in
 * `simulator_consent`. A decision is announced with the `visitorConsentCollected` event, as Shopify does.
 */
(function () {
  var cookie = function (name) {
    var match = document.cookie.match(new RegExp("(?:^|; )" + name + "=([^;]*)"));
    return match ? decodeURIComponent(match[1]) : "";
  };
  var regionRequiresConsent = function () {
    return cookie("simulator_consent_region") === "required";
  };
  var api = {
    analyticsProcessingAllowed: function () {
      var decision = cookie("simulator_consent");
      return regionRequiresConsent() ? decision === "granted" : decision !== "denied";
    },
    shouldShowBanner: function () {
      return regionRequiresConsent() && !cookie("simulator_consent");
    },
    currentVisitorConsent: function () {
      var decision = cookie("simulator_consent");
      var value = decision === "granted" ? "yes" : decision === "denied" ? "no" : "";
      return { analytics: value, marketing: value, preferences: value, sale_of_data: value };
    },
    setTrackingConsent: function (consent, callback) {
      var granted = !!consent.analytics;
      document.cookie =
        "simulator_consent=" + (granted ? "granted" : "denied") + "; path=/; max-age=31536000; samesite=lax";
      setTimeout(function () {
        document.dispatchEvent(
          new CustomEvent("visitorConsentCollected", {
            detail: {
              analyticsAllowed: granted,
              marketingAllowed: !!consent.marketing,
              preferencesAllowed: !!consent.preferences,
              saleOfDataAllowed: !!consent.sale_of_data,
            },
          }),
        );
        if (callback) callback();
      }, 10);
    },
  };
  window.Shopify = window.Shopify || {};
  window.Shopify.loadFeatures = function (features, callback) {
    var wanted = features.some(function (feature) {
      return feature.name === "consent-tracking-api";
    });
    setTimeout(function () {
      if (wanted) window.Shopify.customerPrivacy = api;
      callback(wanted ? null : new Error("unknown feature"));
    }, 30);
  };
})();
