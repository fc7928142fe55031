/**
 * One `npm run demo` for every browser test file: the admin and the storefront simulator it starts share
 * the demo database, so a storefront checkout shows up in the admin as it would for a merchant.
 *
 * The demo ships a running variant test, so its storefront loads the embed's experiments build. The storefront
 * files test the everyday build: the running experiment is ended here, as a merchant would on its page, and
 * experiments.e2e.test.ts starts the ones it needs (and ends them).
 */
import type { TestProject } from "vitest/node";
import { DESKTOP_USER_AGENT } from "../../scripts/chromium";
import { startDemo } from "./demo-process";

declare module "vitest" {
  export interface ProvidedContext {
    demoBaseUrl: string;
    storefrontUrl: string;
    demoSecondsToReady: number;
    /** The experiments the demo shipped, as GET /api/reports/experiments listed them before any test. */
    shippedExperiments: { id: string; name: string; status: string }[];
  }
}

/** The demo's session-token route and the report API, as the admin's App Bridge stand-in uses them. */
export async function adminFetch(baseUrl: string, path: string, init: RequestInit = {}): Promise<Response> {
  const token = await (await fetch(`${baseUrl}/demo/session-token`)).text();
  return fetch(`${baseUrl}${path}`, {
    ...init,
    headers: { ...init.headers, Authorization: `Bearer ${token}`, "User-Agent": DESKTOP_USER_AGENT },
  });
}

export default async function startSharedDemo(project: TestProject) {
  const demo = await startDemo();
  console.log(`[e2e] npm run demo was ready after ${demo.secondsToReady.toFixed(1)} s`);
  const { experiments } = (await (await adminFetch(demo.baseUrl, "/api/reports/experiments")).json()) as {
    experiments: { id: string; name: string; status: string }[];
  };
  for (const experiment of experiments.filter((e) => e.status === "RUNNING")) {
    const ended = await adminFetch(
      demo.baseUrl,
      `/app/experiments/${experiment.id}?_data=${encodeURIComponent("routes/app.experiments.$experimentId")}`,
      { method: "POST", body: new URLSearchParams({ intent: "end" }) },
    );
    if (!ended.ok)
      throw new Error(`could not end the demo's running experiment: ${ended.status} ${await ended.text()}`);
  }
  project.provide("demoBaseUrl", demo.baseUrl);
  project.provide("storefrontUrl", demo.storefrontUrl);
  project.provide("demoSecondsToReady", demo.secondsToReady);
  project.provide(
    "shippedExperiments",
    experiments.map(({ id, name, status }) => ({ id, name, status })),
  );
  return () => demo.stop();
}
