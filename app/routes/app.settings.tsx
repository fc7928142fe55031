import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { Form, useActionData, useLoaderData, useNavigation, useRevalidator } from "@remix-run/react";
import {
  Banner,
  BlockStack,
  Box,
  Button,
  Card,
  Checkbox,
  FormLayout,
  InlineStack,
  Layout,
  Page,
  ProgressBar,
  Text,
  TextField,
} from "@shopify/polaris";
import { SaveBar, TitleBar } from "@shopify/app-bridge-react";
import { useEffect, useRef, useState } from "react";
import { useLeaveConfirmation } from "../components/use-leave-confirmation";
import { useTranslation } from "react-i18next";
import { useAdminLocale } from "../i18n/use-admin-locale";
import { ApiKeysCard, type ApiKeyActionResult } from "../components/ApiKeysCard";
import { prisma } from "../db.server";
import {
  ApiKeyLimitError,
  apiKeyNameSchema,
  createApiKey,
  listApiKeys,
  revokeApiKey,
} from "../domain/api-keys/api-keys.server";
import { queueReattribution } from "../domain/attribution/reattribution-runner.server";
import {
  latestReattribution,
  progressOf,
  requestReattribution,
  type JobProgress,
} from "../domain/attribution/reattribution.server";
import { settingsFormOf, settingsInputSchema, updateShopSettings } from "../domain/settings.server";
import { authenticatedShop } from "../http/admin-shop.server";
import { jsonResponse } from "../http/json";
import { pageTitle } from "../components/page-title";

export const meta = pageTitle("nav.settings");

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const shop = await authenticatedShop(request);
  const [job, apiKeys] = await Promise.all([latestReattribution(prisma, shop.id), listApiKeys(prisma, shop.id)]);
  return {
    settings: settingsFormOf(shop),
    currency: shop.currency,
    settingsVersion: shop.settingsVersion,
    job: job ? progressOf(job) : null,
    apiKeys,
    timezone: shop.timezone,
  };
};

type ActionResult = { ok: true; queued: boolean } | { ok: false; errors: Record<string, string> };

type FormFields = Record<string, FormDataEntryValue>;
type Shop = Awaited<ReturnType<typeof authenticatedShop>>;

async function recomputeHistory(shop: Shop): Promise<Response> {
  const job = await requestReattribution(prisma, shop.id);
  await queueReattribution(job.id);
  return jsonResponse({ ok: true, queued: true } satisfies ActionResult);
}

async function createKey(shop: Shop, form: FormFields): Promise<Response> {
  const name = apiKeyNameSchema.safeParse(form.name);
  if (!name.success) {
    return jsonResponse({ ok: false, errors: { name: name.error.issues[0].message } } satisfies ApiKeyActionResult, {
      status: 400,
    });
  }
  try {
    return jsonResponse({
      ok: true,
      created: await createApiKey(prisma, shop.id, name.data),
    } satisfies ApiKeyActionResult);
  } catch (error) {
    if (!(error instanceof ApiKeyLimitError)) throw error;
    return jsonResponse({ ok: false, errors: { name: error.message } } satisfies ApiKeyActionResult, { status: 400 });
  }
}

async function revokeKey(shop: Shop, form: FormFields): Promise<Response> {
  const revoked = await revokeApiKey(prisma, shop.id, String(form.id ?? ""));
  if (!revoked) {
    return jsonResponse(
      { ok: false, errors: { id: "No active key with this id in this shop" } } satisfies ApiKeyActionResult,
      {
        status: 404,
      },
    );
  }
  return jsonResponse({ ok: true, revoked: String(form.id) } satisfies ApiKeyActionResult);
}

async function saveSettings(shop: Shop, form: FormFields): Promise<Response> {
  // Unchecked checkboxes are absent from a form post.
  const { intent: _intent, ...fields } = form;
  const parsed = settingsInputSchema.safeParse({
    requireAnswerFound: "false",
    countTestOrders: "false",
    storeTranscripts: "false",
    ...fields,
  });
  if (!parsed.success) {
    const errors = Object.fromEntries(
      parsed.error.issues.map((issue) => [issue.path.join(".") || "form", issue.message]),
    );
    return jsonResponse({ ok: false, errors } satisfies ActionResult, { status: 400 });
  }
  const { job } = await updateShopSettings(prisma, shop, parsed.data);
  // Recomputing history can take a while on a big shop: the request returns now, the admin polls progress.
  if (job) await queueReattribution(job.id);
  return jsonResponse({ ok: true, queued: job !== null } satisfies ActionResult);
}

/** Every form on the page names what it does; anything else is refused rather than taken for a save. */
const INTENTS: Record<string, (shop: Shop, form: FormFields) => Promise<Response>> = {
  "save-settings": saveSettings,
  reattribute: recomputeHistory,
  "create-api-key": createKey,
  "revoke-api-key": revokeKey,
};

export const action = async ({ request }: ActionFunctionArgs) => {
  const shop = await authenticatedShop(request);
  const form = Object.fromEntries(await request.formData());
  const handle = Object.hasOwn(INTENTS, String(form.intent)) ? INTENTS[String(form.intent)] : undefined;
  if (!handle) {
    return jsonResponse(
      { ok: false, errors: { intent: `must be one of ${Object.keys(INTENTS).join(", ")}` } } satisfies ActionResult,
      { status: 400 },
    );
  }
  return handle(shop, form);
};

const isUnfinished = (job: JobProgress | null) => job?.status === "PENDING" || job?.status === "RUNNING";

function ReattributionCard({ job, settingsVersion }: { job: JobProgress | null; settingsVersion: number }) {
  const busy = useNavigation().state !== "idle";
  const { t } = useTranslation();
  const percent = job && job.total > 0 ? Math.round((job.processed / job.total) * 100) : 100;
  const unfinished = isUnfinished(job);
  return (
    <Card>
      <BlockStack gap="300">
        <Text as="h2" variant="headingMd">
          {t("settings.reattribution.heading")}
        </Text>
        {!job ? (
          <Text as="p" tone="subdued">
            {t("settings.reattribution.idle", { version: settingsVersion })}
          </Text>
        ) : (
          <BlockStack gap="200">
            <Text as="p">
              {unfinished
                ? t("settings.reattribution.running", {
                    version: job.settingsVersion,
                    processed: job.processed,
                    total: job.total,
                  })
                : job.status === "DONE"
                  ? job.scope === "SETTINGS"
                    ? t("settings.reattribution.doneChanged", {
                        processed: job.processed,
                        recomputed: job.recomputed,
                        version: job.settingsVersion,
                      })
                    : t("settings.reattribution.done", { processed: job.processed, version: job.settingsVersion })
                  : t("settings.reattribution.stopped", {
                      processed: job.processed,
                      total: job.total,
                      error: job.error ?? t("settings.reattribution.unknownError"),
                    })}
            </Text>
            {unfinished && job.error ? (
              <Text as="p" tone="caution">
                {t("settings.reattribution.retrying", { error: job.error })}
              </Text>
            ) : null}
            {job.failedOrders > 0 && (
              <Text as="p" tone="caution">
                {t("settings.reattribution.failed", { count: job.failedOrders })}
              </Text>
            )}
            <div
              aria-label={t("settings.reattribution.progress")}
              role="progressbar"
              aria-valuenow={percent}
              aria-valuemin={0}
              aria-valuemax={100}
            >
              <ProgressBar
                progress={percent}
                tone={job.status === "FAILED" ? "critical" : "primary"}
                size="small"
                animated={false}
              />
            </div>
          </BlockStack>
        )}
        <Form method="post">
          <input type="hidden" name="intent" value="reattribute" />
          <Button submit disabled={busy || unfinished}>
            {t("settings.reattribution.now")}
          </Button>
        </Form>
      </BlockStack>
    </Card>
  );
}

export default function Settings() {
  const { settings, currency, settingsVersion, job, apiKeys, timezone } = useLoaderData<typeof loader>();
  const { t } = useTranslation();
  const locale = useAdminLocale();
  const result = useActionData<ActionResult>();
  const navigation = useNavigation();
  const revalidator = useRevalidator();
  const saved = {
    ...settings,
    ledWindowHours: String(settings.ledWindowHours),
    assistedWindowDays: String(settings.assistedWindowDays),
    chatMonthlyCost: settings.chatMonthlyCost ?? "",
    chatCostPerConversation: settings.chatCostPerConversation ?? "",
    grossMarginPercent: settings.grossMarginPercent ?? "",
  };
  const savedKey = JSON.stringify(saved);
  const [form, setForm] = useState(saved);
  // When the stored settings change (after a save) the form starts clean from them. Keyed by value, not
  // identity: the page revalidates every second during a re-attribution and must not wipe edits.
  useEffect(() => setForm(JSON.parse(savedKey)), [savedKey]);
  const dirty = JSON.stringify(form) !== savedKey;
  const saving = navigation.state === "submitting" && navigation.formData?.get("intent") !== "reattribute";
  const errors = result && !result.ok ? result.errors : {};
  const unfinished = isUnfinished(job);
  const formRef = useRef<HTMLFormElement>(null);
  useLeaveConfirmation(dirty);

  useEffect(() => {
    if (!unfinished) return;
    const timer = setInterval(() => revalidator.state === "idle" && revalidator.revalidate(), 1000);
    return () => clearInterval(timer);
  }, [unfinished, revalidator]);

  const field =
    <K extends keyof typeof form>(key: K) =>
    (value: (typeof form)[K]) =>
      setForm((f) => ({ ...f, [key]: value }));
  const save = () => formRef.current?.requestSubmit();
  const discard = () => setForm(saved);
  return (
    <>
      <TitleBar title={t("nav.settings")}>
        <button type="button" variant="primary" onClick={save} disabled={!dirty || saving}>
          {t("common.save")}
        </button>
      </TitleBar>
      {/* The admin's contextual save bar while the form differs from the stored settings. */}
      <SaveBar id="settings-save-bar" open={dirty}>
        <button type="button" variant="primary" onClick={save} loading={saving ? "" : undefined} disabled={saving}>
          {t("common.save")}
        </button>
        <button type="button" onClick={discard} disabled={saving}>
          {t("common.discard")}
        </button>
      </SaveBar>
      <Page title={t("nav.settings")} subtitle={t("settings.subtitle")}>
        <Layout>
          <Layout.Section>
            <Form method="post" ref={formRef}>
              <input type="hidden" name="intent" value="save-settings" />
              <Card>
                <BlockStack gap="400">
                  {result?.ok ? (
                    <Banner tone="success" title={t("settings.saved")}>
                      {result.queued ? t("settings.savedQueued") : t("settings.savedNothing")}
                    </Banner>
                  ) : null}
                  {result && !result.ok ? (
                    <Banner tone="critical" title={t("settings.notSaved")}>
                      {t("experiments.correctFields")}
                    </Banner>
                  ) : null}
                  <FormLayout>
                    <FormLayout.Group>
                      <TextField
                        label={t("settings.ledWindow")}
                        name="ledWindowHours"
                        type="number"
                        autoComplete="off"
                        min={1}
                        max={720}
                        value={form.ledWindowHours}
                        onChange={field("ledWindowHours")}
                        error={errors.ledWindowHours}
                        helpText={t("settings.ledWindowHelp")}
                      />
                      <TextField
                        label={t("settings.assistedWindow")}
                        name="assistedWindowDays"
                        type="number"
                        autoComplete="off"
                        min={1}
                        max={90}
                        value={form.assistedWindowDays}
                        onChange={field("assistedWindowDays")}
                        error={errors.assistedWindowDays}
                        helpText={t("settings.assistedWindowHelp")}
                      />
                    </FormLayout.Group>
                    <Checkbox
                      label={t("settings.requireAnswerFound")}
                      name="requireAnswerFound"
                      value="true"
                      checked={form.requireAnswerFound}
                      onChange={field("requireAnswerFound")}
                    />
                    <Checkbox
                      label={t("settings.countTestOrders")}
                      name="countTestOrders"
                      value="true"
                      checked={form.countTestOrders}
                      onChange={field("countTestOrders")}
                    />
                    <TextField
                      label={t("settings.outlier", { currency })}
                      name="maxOrderValue"
                      autoComplete="off"
                      inputMode="decimal"
                      value={form.maxOrderValue}
                      onChange={field("maxOrderValue")}
                      error={errors.maxOrderValue}
                      helpText={t("settings.outlierHelp")}
                    />
                    <Checkbox
                      label={t("settings.transcripts")}
                      name="storeTranscripts"
                      value="true"
                      checked={form.storeTranscripts}
                      onChange={field("storeTranscripts")}
                      helpText={t("settings.transcriptsHelp")}
                    />
                  </FormLayout>
                </BlockStack>
              </Card>
              <Box paddingBlockStart="400">
                <Card>
                  <BlockStack gap="400">
                    <BlockStack gap="100">
                      <Text as="h2" variant="headingMd">
                        {t("settings.costHeading")}
                      </Text>
                      <Text as="p" tone="subdued">
                        {t("settings.costIntro")}
                      </Text>
                    </BlockStack>
                    <FormLayout>
                      <FormLayout.Group>
                        <TextField
                          label={t("settings.monthly", { currency })}
                          name="chatMonthlyCost"
                          autoComplete="off"
                          inputMode="decimal"
                          value={form.chatMonthlyCost}
                          onChange={field("chatMonthlyCost")}
                          error={errors.chatMonthlyCost}
                          helpText={t("settings.monthlyHelp")}
                        />
                        <TextField
                          label={t("settings.perConversation", { currency })}
                          name="chatCostPerConversation"
                          autoComplete="off"
                          inputMode="decimal"
                          value={form.chatCostPerConversation}
                          onChange={field("chatCostPerConversation")}
                          error={errors.chatCostPerConversation}
                          helpText={t("settings.perConversationHelp")}
                        />
                        <TextField
                          label={t("settings.margin")}
                          name="grossMarginPercent"
                          autoComplete="off"
                          inputMode="decimal"
                          value={form.grossMarginPercent}
                          onChange={field("grossMarginPercent")}
                          error={errors.grossMarginPercent}
                          helpText={t("settings.marginHelp")}
                        />
                      </FormLayout.Group>
                    </FormLayout>
                  </BlockStack>
                </Card>
              </Box>
            </Form>
          </Layout.Section>
          <Layout.Section variant="oneThird">
            <ReattributionCard job={job} settingsVersion={settingsVersion} />
          </Layout.Section>
          <Layout.Section>
            <ApiKeysCard keys={apiKeys} timezone={timezone} locale={locale} />
          </Layout.Section>
        </Layout>
      </Page>
    </>
  );
}
