import { describe, expect, it } from "vitest";
import { appConfig, enableDemoMode, isDemoMode } from "./config.server";

const envOf = (vars: Record<string, string>) => vars as NodeJS.ProcessEnv;

describe("demo mode", () => {
  it("is on only when npm run demo turned it on in this process, never from a DEMO_MODE left in an environment", () => {
    // Issue 25.10: DEMO_MODE=1 in a deploy's environment made the production app mint session tokens.
    for (const left of ["1", "true", "yes", `npm-run-demo:${process.pid + 1}`])
      expect(isDemoMode(envOf({ DEMO_MODE: left }))).toBe(false);
    const env = envOf({ DEMO_MODE: "1" });
    enableDemoMode(env);
    expect(isDemoMode(env)).toBe(true);
  });

  it("falls back to the public demo key and secret only in demo mode", () => {
    expect(() => appConfig(envOf({ DEMO_MODE: "1" }))).toThrow("SHOPIFY_API_KEY and SHOPIFY_API_SECRET must be set");
    const env = envOf({});
    enableDemoMode(env);
    expect(appConfig(env)).toMatchObject({ apiKey: "demo-api-key", apiSecret: "demo-api-secret", demoMode: true });
  });
});
