import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { Await, Form, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import {
  Badge,
  Banner,
  BlockStack,
  Box,
  Button,
  Card,
  Divider,
  InlineStack,
  Layout,
  Page,
  SkeletonBodyText,
  Text,
} from "@shopify/polaris";
import { isValidElement, Suspense, type ReactNode } from "react";
import { ConnectChatGuide } from "../components/ConnectChatGuide";
import { ReportErrorBoundary } from "../components/ReportStates";
import { appConfig } from "../config.server";
import { prisma } from "../db.server";
import { connectWebPixel, type PixelConnection } from "../domain/pixel/connect-pixel.server";
import { checkThemeEmbed } from "../domain/setup/embed-check.server";
import { loadSetupStatus } from "../domain/setup/setup-status.server";
import { embedActivationUrl } from "../domain/setup/theme-embed";
import { authenticatedAdmin } from "../http/admin-shop.server";
import { formatDateTime } from "../lib/format";
import { useTranslation } from "react-i18next";
import { useAdminLocale } from "../i18n/use-admin-locale";
import { jsonResponse } from "../http/json";
import { pageTitle } from "../components/page-title";
import { AppTitleBar } from "../components/AppTitleBar";

export const meta = pageTitle("nav.setup");

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { shop, admin } = await authenticatedAdmin(request);
  return {
    status: await loadSetupStatus(prisma, shop),
    // Streamed: asking Shopify about the theme must not hold up the rest of the page.
    embed: checkThemeEmbed(admin),
    activationUrl: embedActivationUrl(shop.domain, appConfig().apiKey),
    appUrl: appConfig().appUrl,
    shop: { domain: shop.domain, timezone: shop.timezone },
  };
};

// "Connect pixel": the same idempotent create-or-update the app runs after install (shopify.server.ts afterAuth).
export const action = async ({ request }: ActionFunctionArgs) => {
  const { shop, admin } = await authenticatedAdmin(request);
  const form = await request.formData();
  if (form.get("intent") !== "connect-pixel") return jsonResponse({ error: "unknown intent" }, { status: 400 });
  const connection = await connectWebPixel(prisma, shop, admin, appConfig().appUrl);
  return jsonResponse(connection satisfies PixelConnection, { status: connection.status === "FAILED" ? 502 : 200 });
};

/** The library names topics like ORDERS_PAID or CUSTOMERS_DATA_REQUEST; merchants know them as orders/paid. */
const webhookTopicName = (topic: string) => topic.toLowerCase().replace("_", "/");

type Tone = "success" | "attention" | "critical" | undefined;

function Step({
  title,
  state,
  tone,
  children,
  action,
}: {
  title: string;
  state: string;
  tone: Tone;
  children: ReactNode;
  action?: ReactNode;
}) {
  return (
    <Box paddingBlock="300">
      <InlineStack align="space-between" blockAlign="start" gap="400" wrap={false}>
        <BlockStack gap="100" inlineAlign="start">
          <InlineStack gap="200" blockAlign="center" align="start">
            <Text as="h3" variant="headingSm">
              {title}
            </Text>
            <Badge tone={tone}>{state}</Badge>
          </InlineStack>
          {/* A paragraph may hold only text: a block inside a <p> makes the browser close it early, and the page the
              server sent no longer matches the one React hydrates (React #418). */}
          {isValidElement(children) ? (
            children
          ) : (
            <Text as="p" tone="subdued">
              {children}
            </Text>
          )}
        </BlockStack>
        {action}
      </InlineStack>
    </Box>
  );
}

const EMBED_TONE = { enabled: "success", disabled: "critical", missing: "attention", unknown: undefined } as const;

export default function Setup() {
  const { status, embed, activationUrl, appUrl, shop } = useLoaderData<typeof loader>();
  const pixelResult = useActionData<PixelConnection>();
  const connecting = useNavigation().formData?.get("intent") === "connect-pixel";
  const { t } = useTranslation();
  const locale = useAdminLocale();
  const when = (iso: string | null) => (iso ? formatDateTime(iso, shop.timezone, locale) : null);
  const { customerData } = status;
  const enableButton = (
    <Button url={activationUrl} target="_top">
      {t("setup.embed.enable")}
    </Button>
  );
  return (
    <>
      <AppTitleBar title={t("nav.setup")} />
      <Page title={t("nav.setup")} subtitle={t("setup.subtitle")}>
        <Layout>
          <Layout.Section>
            <Card>
              <BlockStack gap="0">
                <Suspense
                  fallback={
                    <Step title={t("setup.embed.title")} state={t("setup.embed.checking")} tone={undefined}>
                      <SkeletonBodyText lines={1} />
                    </Step>
                  }
                >
                  <Await resolve={embed}>
                    {(check) => (
                      <Step
                        title={t("setup.embed.title")}
                        state={t(`setup.embed.state.${check.state}`)}
                        tone={EMBED_TONE[check.state]}
                        action={check.state === "enabled" ? undefined : enableButton}
                      >
                        {check.state === "enabled"
                          ? t(check.themeName ? "setup.embed.onNamed" : "setup.embed.on", { theme: check.themeName })
                          : check.state === "unknown"
                            ? t("setup.embed.unknown", { reason: check.reason })
                            : t(check.themeName ? "setup.embed.offNamed" : "setup.embed.off", {
                                theme: check.themeName,
                              })}
                      </Step>
                    )}
                  </Await>
                </Suspense>
                <Divider />
                <Step
                  title={t("setup.pixel.title")}
                  state={status.pixel.connected ? t("setup.pixel.connected") : t("setup.pixel.notConnected")}
                  tone={status.pixel.connected ? "success" : "attention"}
                  action={
                    <Form method="post">
                      <input type="hidden" name="intent" value="connect-pixel" />
                      <Button submit loading={connecting}>
                        {status.pixel.connected ? t("setup.pixel.reconnect") : t("setup.pixel.connect")}
                      </Button>
                    </Form>
                  }
                >
                  <BlockStack gap="200">
                    <Text as="p" tone="subdued">
                      {status.pixel.connected
                        ? status.pixel.lastHitAt
                          ? t("setup.pixel.reportsLast", { when: when(status.pixel.lastHitAt) })
                          : t("setup.pixel.reportsNone")
                        : t("setup.pixel.explain")}
                    </Text>
                    {pixelResult?.status === "FAILED" ? (
                      <Banner tone="critical" title={t("setup.pixel.failed")}>
                        {pixelResult.reason}
                      </Banner>
                    ) : null}
                  </BlockStack>
                </Step>
                <Divider />
                <Step
                  title={t("setup.webhooks.title")}
                  state={status.lastWebhook ? t("setup.receiving") : t("setup.nothingYet")}
                  tone={status.lastWebhook ? "success" : "attention"}
                >
                  {status.lastWebhook
                    ? t("setup.webhooks.last", {
                        topic: webhookTopicName(status.lastWebhook.topic),
                        when: when(status.lastWebhook.receivedAt),
                        status: t(`setup.webhooks.status.${status.lastWebhook.status}`),
                      })
                    : t("setup.webhooks.none")}
                </Step>
                <Divider />
                <Step
                  title={t("setup.reconcile.title")}
                  state={
                    status.reconcile.failure
                      ? t("setup.reconcile.failing")
                      : status.reconcile.lastSyncAt
                        ? t("setup.reconcile.synced")
                        : t("setup.reconcile.notYet")
                  }
                  tone={status.reconcile.failure ? "critical" : status.reconcile.lastSyncAt ? "success" : undefined}
                >
                  <BlockStack gap="100">
                    <Text as="p" tone="subdued">
                      {status.reconcile.lastSyncAt
                        ? t("setup.reconcile.last", { when: when(status.reconcile.lastSyncAt) })
                        : t("setup.reconcile.none")}
                    </Text>
                    {status.reconcile.failure ? (
                      <Text as="p" tone="critical">
                        {t("setup.reconcile.failed", {
                          when: when(status.reconcile.failure.at),
                          error: status.reconcile.failure.error,
                        })}
                      </Text>
                    ) : null}
                    {status.reconcile.ordersWaiting > 0 ? (
                      <Text as="p" tone="caution">
                        {t("setup.reconcile.waiting", { count: status.reconcile.ordersWaiting })}
                      </Text>
                    ) : null}
                  </BlockStack>
                </Step>
                <Divider />
                <Step
                  title={t("setup.events.title")}
                  state={status.lastStorefrontEvent ? t("setup.receiving") : t("setup.nothingYet")}
                  tone={status.lastStorefrontEvent ? "success" : "attention"}
                >
                  {status.lastStorefrontEvent
                    ? t("setup.events.last", { when: when(status.lastStorefrontEvent) })
                    : t("setup.events.none")}
                </Step>
                <Divider />
                <Step
                  title={t("setup.customerData.title")}
                  state={
                    customerData.sampled === 0
                      ? t("setup.customerData.noOrders")
                      : customerData.withCustomerId > 0
                        ? t("setup.customerData.arrive")
                        : t("setup.customerData.redacted")
                  }
                  tone={
                    customerData.sampled === 0 ? undefined : customerData.withCustomerId > 0 ? "success" : "attention"
                  }
                >
                  {t("setup.customerData.body", {
                    sampled: customerData.sampled,
                    withCustomerId: customerData.withCustomerId,
                    withEmail: customerData.withEmail,
                  })}
                </Step>
              </BlockStack>
            </Card>
          </Layout.Section>
          <Layout.Section>
            <ConnectChatGuide
              appUrl={appUrl}
              lastStorefrontEvent={status.lastStorefrontEvent}
              lastApiKeyUse={status.lastApiKeyUse}
              when={(iso) => formatDateTime(iso, shop.timezone, locale)}
            />
          </Layout.Section>
        </Layout>
      </Page>
    </>
  );
}

export function ErrorBoundary() {
  return <ReportErrorBoundary titleKey="nav.setup" resetTo="/app/setup" />;
}
