// Every test runs with a known app key and secret, so requests can be signed exactly as Shopify would.
export const TEST_API_KEY = "test-api-key";
export const TEST_API_SECRET = "test-api-secret";

process.env.SHOPIFY_API_KEY = TEST_API_KEY;
process.env.SHOPIFY_API_SECRET = TEST_API_SECRET;
process.env.SHOPIFY_APP_URL = "https://chat-attribution.test";
delete process.env.DEMO_MODE;
