/**
 * One `npm run demo` for every browser test file: the admin and the storefront simulator it starts share
 * the demo database, so a storefront checkout shows up in the admin as it would for a merchant.
 */
import type { TestProject } from "vitest/node";
import { startDemo } from "./demo-process";

declare module "vitest" {
  export interface ProvidedContext {
    demoBaseUrl: string;
    storefrontUrl: string;
    demoSecondsToReady: number;
  }
}

export default async function startSharedDemo(project: TestProject) {
  const demo = await startDemo();
  console.log(`[e2e] npm run demo was ready after ${demo.secondsToReady.toFixed(1)} s`);
  project.provide("demoBaseUrl", demo.baseUrl);
  project.provide("storefrontUrl", demo.storefrontUrl);
  project.provide("demoSecondsToReady", demo.secondsToReady);
  return () => demo.stop();
}
