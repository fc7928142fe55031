/**
 * The settings and privacy pages' server side, behind the real authenticate.admin (App Bridge bearer tokens).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dispatch } from "../../test/app-routes";
import { orderFixture } from "../../test/fixtures";
import { adminFetchRequest, webhookRequest } from "../../test/shopify-requests";
import { DEMO_SHOP_DOMAIN } from "../config.server";
import { prisma } from "../db.server";
import { seedDemoShop } from "../demo/seed.server";
import { findOrderAttribution } from "../domain/reports/orders-report.server";
import { installShop } from "../domain/shops.server";
import { startBackgroundJobs } from "../../server/jobs";

const shop = DEMO_SHOP_DOMAIN;

function postForm(path: string, fields: Record<string, string>) {
  return adminFetchRequest(path, shop, { method: "POST", body: new URLSearchParams(fields) });
}

const validForm = {
  intent: "save-settings",
  ledWindowHours: "48",
  assistedWindowDays: "7",
  requireAnswerFound: "true",
  maxOrderValue: "5000",
};

/** The background job is not awaited by the request; wait for the state it reaches (bounded, not timed). */
async function jobSettles(shopId: string) {
  for (let attempt = 0; attempt < 200; attempt++) {
    const job = await prisma.reattributionJob.findFirst({ where: { shopId }, orderBy: { createdAt: "desc" } });
    if (job && (job.status === "DONE" || job.status === "FAILED")) return job;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error("re-attribution job did not settle");
}

describe("settings page", () => {
  // The server's workers: a queued re-attribution runs as it does in the app.
  let stopJobs: () => Promise<void>;
  beforeAll(async () => {
    stopJobs = await startBackgroundJobs(prisma, { intervals: { reportRollupMs: 60_000, reconcileMs: undefined } });
    await seedDemoShop(prisma);
    for (let id = 1; id <= 3; id++) {
      const body = { ...orderFixture(), id, name: `#${id}` };
      await dispatch(webhookRequest({ path: "/webhooks/orders", topic: "orders/paid", shop, body }));
    }
  });
  afterAll(() => stopJobs());

  it("saves valid settings, bumps the version and recomputes history in the background", async () => {
    const response = await dispatch(postForm("/app/settings", validForm));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true, queued: true });
    const saved = await prisma.shop.findUniqueOrThrow({ where: { domain: shop } });
    expect(saved).toMatchObject({
      ledWindowHours: 48,
      countTestOrders: false,
      storeTranscripts: false,
      settingsVersion: 2,
    });
    expect(saved.maxOrderValue.toFixed(0)).toBe("5000");
    const job = await jobSettles(saved.id);
    expect(job).toMatchObject({ status: "DONE", processed: 3, settingsVersion: 2 });
    // Orders without a chat: the wider window moves none of them, so each keeps its row and says it was checked.
    for (const id of ["1", "2", "3"])
      expect((await findOrderAttribution(prisma, saved, id))!.attribution).toMatchObject({
        class: "UNATTRIBUTED",
        settingsVersion: 1,
        sameUnderSettingsVersion: 2,
      });

    const data = await (await dispatch(adminFetchRequest("/app/settings", shop))).json();
    expect(data.job).toMatchObject({ status: "DONE", processed: 3, total: 3 });
  });

  it("answers invalid settings with 400 and a reason per field, changing nothing", async () => {
    const before = await prisma.shop.findUniqueOrThrow({ where: { domain: shop } });
    const response = await dispatch(
      postForm("/app/settings", { ...validForm, ledWindowHours: "0", maxOrderValue: "abc" }),
    );
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      ok: false,
      errors: { ledWindowHours: "must be at least 1 hour", maxOrderValue: "must be an amount above 0" },
    });
    const after = await prisma.shop.findUniqueOrThrow({ where: { domain: shop } });
    expect(after.settingsVersion).toBe(before.settingsVersion);
  });

  it("answers an outlier threshold the database cannot hold with 400, not 500", async () => {
    const response = await dispatch(postForm("/app/settings", { ...validForm, maxOrderValue: "1000000000000000" }));
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      ok: false,
      errors: { maxOrderValue: "must be less than 1,000,000,000,000,000" },
    });
  });

  it("answers an unknown or missing intent with 400 and saves nothing", async () => {
    const before = await prisma.shop.findUniqueOrThrow({ where: { domain: shop } });
    for (const intent of ["delete-everything", "toString", undefined]) {
      const { intent: _omit, ...fields } = validForm;
      const response = await dispatch(postForm("/app/settings", intent === undefined ? fields : { ...fields, intent }));
      expect(response.status).toBe(400);
      expect((await response.json()).errors.intent).toBe(
        "must be one of save-settings, reattribute, create-api-key, revoke-api-key",
      );
    }
    expect((await prisma.shop.findUniqueOrThrow({ where: { domain: shop } })).settingsVersion).toBe(
      before.settingsVersion,
    );
  });

  it("saves what the chat costs without recomputing anything, and clears it when emptied", async () => {
    const before = await prisma.shop.findUniqueOrThrow({ where: { domain: shop } });
    const jobs = await prisma.reattributionJob.count({ where: { shopId: before.id } });
    const costs = { chatMonthlyCost: "499.9", chatCostPerConversation: "0.05", grossMarginPercent: "37.5" };
    const response = await dispatch(postForm("/app/settings", { ...validForm, ...costs }));
    expect(await response.json()).toEqual({ ok: true, queued: false });
    const saved = await prisma.shop.findUniqueOrThrow({ where: { domain: shop } });
    expect(saved.settingsVersion).toBe(before.settingsVersion);
    expect(await prisma.reattributionJob.count({ where: { shopId: before.id } })).toBe(jobs);
    const page = await (await dispatch(adminFetchRequest("/app/settings", shop))).json();
    expect(page.settings).toMatchObject({
      chatMonthlyCost: "499.90",
      chatCostPerConversation: "0.05",
      grossMarginPercent: "37.5",
    });

    const cleared = { chatMonthlyCost: "", chatCostPerConversation: " ", grossMarginPercent: "" };
    expect(await (await dispatch(postForm("/app/settings", { ...validForm, ...cleared }))).json()).toEqual({
      ok: true,
      queued: false,
    });
    expect(await prisma.shop.findUniqueOrThrow({ where: { domain: shop } })).toMatchObject({
      chatMonthlyCost: null,
      chatCostPerConversation: null,
      grossMarginPercent: null,
    });
  });

  it("answers a cost or margin it cannot use with 400 and a reason, saving none of the form", async () => {
    const response = await dispatch(
      postForm("/app/settings", {
        ...validForm,
        ledWindowHours: "24",
        chatMonthlyCost: "-5",
        chatCostPerConversation: "1000000000000000",
        grossMarginPercent: "100.5",
      }),
    );
    expect(response.status).toBe(400);
    expect((await response.json()).errors).toEqual({
      chatMonthlyCost: "must be an amount of 0 or more, or empty",
      chatCostPerConversation: "must be less than 1,000,000,000,000,000",
      grossMarginPercent: "must be at most 100",
    });
    expect((await prisma.shop.findUniqueOrThrow({ where: { domain: shop } })).ledWindowHours).toBe(48);
  });

  it("recomputes on demand", async () => {
    const response = await dispatch(postForm("/app/settings", { intent: "reattribute" }));
    expect(await response.json()).toEqual({ ok: true, queued: true });
    const shopRow = await prisma.shop.findUniqueOrThrow({ where: { domain: shop } });
    expect(await jobSettles(shopRow.id)).toMatchObject({ status: "DONE", processed: 3 });
  });

  it("rejects a settings post without a valid session token", async () => {
    const forged = adminFetchRequest(
      "/app/settings",
      shop,
      { method: "POST", body: new URLSearchParams(validForm) },
      "forged-secret",
    );
    expect((await dispatch(forged)).status).toBe(401);
  });
});

describe("privacy page", () => {
  it("downloads a shop's own data request as JSON, and 404s another shop's", async () => {
    await seedDemoShop(prisma);
    const ownShop = await prisma.shop.findUniqueOrThrow({ where: { domain: shop } });
    const other = await installShop(prisma, { domain: "someone-else.myshopify.com" });
    const own = await prisma.customerDataRequest.create({
      data: { shopId: ownShop.id, shopifyRequestId: "41", customerId: "5", report: { orders: [] } },
    });
    const foreign = await prisma.customerDataRequest.create({
      data: { shopId: other.id, shopifyRequestId: "42", customerId: "6", report: { orders: [] } },
    });

    const list = await (await dispatch(adminFetchRequest("/app/privacy", shop))).json();
    expect(list.requests.map((r: { shopifyRequestId: string }) => r.shopifyRequestId)).toEqual(["41"]);

    const download = await dispatch(adminFetchRequest(`/app/privacy/${own.id}`, shop));
    expect(download.status).toBe(200);
    expect(download.headers.get("Content-Disposition")).toBe('attachment; filename="customer-data-request-41.json"');
    expect(await download.json()).toEqual({ orders: [] });

    expect((await dispatch(adminFetchRequest(`/app/privacy/${foreign.id}`, shop))).status).toBe(404);
    expect((await dispatch(adminFetchRequest(`/app/privacy/not-a-uuid`, shop))).status).toBe(404);
  });
});

describe("API keys in Settings", () => {
  beforeAll(async () => {
    await seedDemoShop(prisma);
  });

  it("creates a named key shown once, lists it by prefix only, and revokes it so the events API refuses it", async () => {
    const created = await (
      await dispatch(postForm("/app/settings", { intent: "create-api-key", name: "Chat vendor" }))
    ).json();
    expect(created).toMatchObject({ ok: true, created: { name: "Chat vendor", revokedAt: null } });
    const key: string = created.created.key;
    expect(key.startsWith(created.created.prefix)).toBe(true);
    const stored = await prisma.apiKey.findUniqueOrThrow({ where: { id: created.created.id } });
    expect(JSON.stringify(stored)).not.toContain(key);

    const listed = await (await dispatch(adminFetchRequest("/app/settings", shop))).json();
    const entry = listed.apiKeys.find((apiKey: { id: string }) => apiKey.id === created.created.id);
    expect(entry).toEqual({
      id: stored.id,
      name: "Chat vendor",
      prefix: stored.prefix,
      createdAt: expect.any(String),
      lastUsedAt: null,
      revokedAt: null,
    });
    expect(JSON.stringify(listed)).not.toContain(key);

    const events = () =>
      dispatch(
        new Request("https://chat-attribution.test/api/v1/events", {
          method: "POST",
          headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
          body: JSON.stringify({
            events: [
              {
                id: crypto.randomUUID(),
                type: "identify",
                occurredAt: new Date().toISOString(),
                visitorId: "v_backend",
                customerId: "42",
              },
            ],
          }),
        }),
      );
    expect((await events()).status).toBe(200);

    const revoked = await dispatch(postForm("/app/settings", { intent: "revoke-api-key", id: created.created.id }));
    expect(await revoked.json()).toEqual({ ok: true, revoked: created.created.id });
    expect((await events()).status).toBe(401);
    const again = await dispatch(postForm("/app/settings", { intent: "revoke-api-key", id: created.created.id }));
    expect(again.status).toBe(404);
  });

  it("refuses a key without a name, and another shop's key id", async () => {
    const unnamed = await dispatch(postForm("/app/settings", { intent: "create-api-key", name: "  " }));
    expect(unnamed.status).toBe(400);
    expect(await unnamed.json()).toEqual({ ok: false, errors: { name: "Give the key a name" } });
    const other = await installShop(prisma, { domain: "settings-other.myshopify.com" });
    const theirs = await prisma.apiKey.create({
      data: { shopId: other.id, name: "Theirs", prefix: "ca_theirs", keyHash: "f".repeat(64) },
    });
    expect((await dispatch(postForm("/app/settings", { intent: "revoke-api-key", id: theirs.id }))).status).toBe(404);
    expect((await prisma.apiKey.findUniqueOrThrow({ where: { id: theirs.id } })).revokedAt).toBeNull();
  });
});
