/**
 * @shopify/shopify-api configured with a client secret: the oracle the app's own signature checks are held to
 * (app/shopify/*.test.ts). Web-standard Requests, so the web-api runtime adapter.
 */
import "@shopify/shopify-api/adapters/web-api";
import { ApiVersion, LogSeverity, shopifyApi } from "@shopify/shopify-api";

export function shopifyLibrary(apiSecretKey: string) {
  return shopifyApi({
    apiKey: "key",
    apiSecretKey,
    apiVersion: ApiVersion.July26,
    hostName: "app.example.com",
    isEmbeddedApp: true,
    logger: { level: LogSeverity.Error },
  });
}
