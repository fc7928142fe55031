/**
 * The Experiments pages' server side and the experiment report API, behind the real authenticate.admin: a draft
 * created from the form's JSON, started and ended, each change published to an Admin API stand-in over HTTP as the
 * app-data metafield the embed's Liquid reads.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dispatch } from "../../test/app-routes";
import { adminFetchRequest } from "../../test/shopify-requests";
import { DEMO_SHOP_DOMAIN } from "../config.server";
import { prisma } from "../db.server";
import {
  ADMIN_API_PATH,
  answerAdminApi,
  DEMO_APP_INSTALLATION_ID,
  type AppMetafieldStore,
} from "../demo/storefront/app-metafields-api";
import { seedDemoShop } from "../demo/seed.server";
import { HOLDOUT_TEMPLATE, VARIANT_TEMPLATE } from "../domain/experiments/experiment-plan";
import { installShop } from "../domain/shops.server";
import { adminClient, setAppAdminApi } from "../shopify/admin-api.server";

const shop = DEMO_SHOP_DOMAIN;
const TOKEN = "shpat_experiments-test";
const store: AppMetafieldStore = new Map();
let server: Server;
let endpoint: string;

const postJson = (path: string, body: unknown) =>
  adminFetchRequest(path, shop, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
const postIntent = (id: string, intent: string) =>
  adminFetchRequest(`/app/experiments/${id}`, shop, { method: "POST", body: new URLSearchParams({ intent }) });

async function createDraft(name: string, arms = HOLDOUT_TEMPLATE): Promise<string> {
  const response = await dispatch(postJson("/app/experiments", { name, arms }));
  expect(response.status).toBe(302);
  return response.headers.get("Location")!.split("/").pop()!;
}

beforeAll(async () => {
  await seedDemoShop(prisma);
  server = createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    if (request.url !== ADMIN_API_PATH) return void response.writeHead(404).end();
    await answerAdminApi(request, response, Buffer.concat(chunks), store, TOKEN);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}${ADMIN_API_PATH}`;
  setAppAdminApi(adminClient(endpoint, TOKEN));
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe("experiments", () => {
  it("creates a draft from the form's plan, and answers a bad plan with the field's reason", async () => {
    const id = await createDraft("Holdout 10 %");
    const stored = await prisma.experiment.findUniqueOrThrow({
      where: { id },
      include: { arms: { orderBy: { position: "asc" } } },
    });
    expect(stored.status).toBe("DRAFT");
    expect(stored.arms.map((arm) => [arm.key, arm.weight, arm.showChat])).toEqual([
      ["no-chat-holdout", 10, false],
      ["chat", 90, true],
    ]);
    const bad = await dispatch(
      postJson("/app/experiments", { name: "", arms: [{ ...HOLDOUT_TEMPLATE[0], weight: 50 }, HOLDOUT_TEMPLATE[1]] }),
    );
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({
      ok: false,
      errors: { name: "Give the experiment a name", arms: "Weights must add up to 100 % (now 140 %)" },
    });
    const huge = await dispatch(postJson("/app/experiments", { name: "x".repeat(20_000), arms: [] }));
    expect(huge.status).toBe(413);
  });

  it("publishes the running experiment to the storefront on start, one at a time, and removes it on end", async () => {
    const id = await createDraft("Prompts", VARIANT_TEMPLATE);
    const started = await dispatch(postIntent(id, "start"));
    expect(started.status).toBe(200);
    expect(await started.json()).toEqual({
      ok: true,
      outcome: "start",
      message: "Started: the storefront assigns visitors from now on.",
    });
    expect(JSON.parse(store.get("chat_attribution.experiment")!.value)).toEqual({
      id,
      arms: [
        { key: "prompt-a", weight: 50, showChat: true, variant: "prompt-a" },
        { key: "prompt-b", weight: 50, showChat: true, variant: "prompt-b" },
      ],
    });

    const other = await createDraft("Second");
    const refused = await dispatch(postIntent(other, "start"));
    expect(refused.status).toBe(409);
    expect((await refused.json()).message).toBe("Another experiment is running: end it first");

    const list = await (await dispatch(adminFetchRequest("/api/reports/experiments", shop))).json();
    expect(list.experiments.filter((e: { status: string }) => e.status === "RUNNING")).toEqual([
      expect.objectContaining({ id, name: "Prompts", arms: expect.any(Array) }),
    ]);
    const report = await dispatch(adminFetchRequest(`/api/reports/experiments/${id}`, shop));
    expect(report.status).toBe(200);
    const body = await report.json();
    expect(body.experiment).toMatchObject({ id, status: "RUNNING", primaryMetric: "revenuePerVisitor" });
    expect(body.arms.map((arm: { key: string }) => arm.key)).toEqual(["prompt-a", "prompt-b"]);

    const ended = await dispatch(postIntent(id, "end"));
    expect((await ended.json()).ok).toBe(true);
    expect(store.has("chat_attribution.experiment")).toBe(false);
    expect((await prisma.experiment.findUniqueOrThrow({ where: { id } })).status).toBe("ENDED");
  });

  it("keeps the change and says so when Shopify refuses the metafield", async () => {
    const id = await createDraft("While Shopify is away");
    setAppAdminApi(adminClient(endpoint, "shpat_revoked"));
    try {
      const response = await dispatch(postIntent(id, "start"));
      const body = await response.json();
      expect(body.ok).toBe(false);
      expect(body.message).toMatch(/^Saved, but the storefront could not be told: Admin API: \[API\] Invalid API key/);
      expect(body.outcome).toBe("notPublished");
      const stored = await prisma.experiment.findUniqueOrThrow({ where: { id } });
      expect(stored.status).toBe("RUNNING");
      expect(stored.publishError).toMatch(/Invalid API key/);
    } finally {
      setAppAdminApi(adminClient(endpoint, TOKEN));
    }
    const again = await dispatch(postIntent(id, "publish"));
    expect(await again.json()).toEqual({
      ok: true,
      outcome: "publish",
      message: "The storefront has the experiment as it stands.",
    });
    expect((await prisma.experiment.findUniqueOrThrow({ where: { id } })).publishError).toBeNull();
    expect(JSON.parse(store.get("chat_attribution.experiment")!.value).id).toBe(id);
    await dispatch(postIntent(id, "end"));
  });

  it("deletes only drafts, and never another shop's experiment", async () => {
    const id = await createDraft("Scratch");
    const otherShop = await installShop(prisma, { domain: "other-experiments.myshopify.com" });
    const foreign = await prisma.experiment.create({
      data: {
        shopId: otherShop.id,
        name: "Theirs",
        arms: { create: [{ key: "a", name: "A", position: 0, weight: 100, showChat: true }] },
      },
    });
    expect((await dispatch(adminFetchRequest(`/api/reports/experiments/${foreign.id}`, shop))).status).toBe(404);
    expect((await dispatch(adminFetchRequest("/api/reports/experiments/not-a-uuid", shop))).status).toBe(404);
    expect((await dispatch(postIntent(foreign.id, "delete"))).status).toBe(409);
    expect(await prisma.experiment.count({ where: { id: foreign.id } })).toBe(1);
    const deleted = await dispatch(postIntent(id, "delete"));
    expect(deleted.status).toBe(302);
    expect(await prisma.experiment.count({ where: { id } })).toBe(0);
  });

  it("answers the report API only to a signed session, and only GET", async () => {
    const id = await createDraft("Auth");
    const path = `/api/reports/experiments/${id}`;
    expect((await dispatch(adminFetchRequest(path, shop, {}, "not-the-app-secret"))).status).toBe(401);
    expect((await dispatch(adminFetchRequest(path, shop, { method: "POST", body: "{}" }))).status).toBe(405);
    expect((await dispatch(postIntent(id, "launch"))).status).toBe(400);
  });
});
