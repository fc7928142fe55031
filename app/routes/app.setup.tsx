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
import { jsonResponse } from "../http/json";
import { pageTitle } from "../components/page-title";
import { AppTitleBar } from "../components/AppTitleBar";

export const meta = pageTitle("Setup");

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { shop, admin } = await authenticatedAdmin(request);
  return {
    status: await loadSetupStatus(prisma, shop),
    // Streamed: asking Shopify about the theme must not hold up the rest of the page.
    embed: checkThemeEmbed(admin),
    activationUrl: embedActivationUrl(shop.domain, appConfig().apiKey),
    appUrl: appConfig().appUrl,
    shop: { domain: shop.domain, timezone: shop.timezone, locale: shop.locale },
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

const EMBED_TEXT = {
  enabled: { state: "Enabled", tone: "success" },
  disabled: { state: "Switched off", tone: "critical" },
  missing: { state: "Not enabled", tone: "attention" },
  unknown: { state: "Could not check", tone: undefined },
} as const;

export default function Setup() {
  const { status, embed, activationUrl, appUrl, shop } = useLoaderData<typeof loader>();
  const pixelResult = useActionData<PixelConnection>();
  const connecting = useNavigation().formData?.get("intent") === "connect-pixel";
  const when = (iso: string | null) => (iso ? formatDateTime(iso, shop.timezone, shop.locale) : null);
  const { customerData } = status;
  const enableButton = (
    <Button url={activationUrl} target="_top">
      Enable in theme editor
    </Button>
  );
  return (
    <>
      <AppTitleBar title="Setup" />
      <Page title="Setup" subtitle="Everything the app needs to tie orders to conversations, with its live state">
        <Layout>
          <Layout.Section>
            <Card>
              <BlockStack gap="0">
                <Suspense
                  fallback={
                    <Step title="Storefront app embed" state="Checking…" tone={undefined}>
                      <SkeletonBodyText lines={1} />
                    </Step>
                  }
                >
                  <Await resolve={embed}>
                    {(check) => (
                      <Step
                        title="Storefront app embed"
                        state={EMBED_TEXT[check.state].state}
                        tone={EMBED_TEXT[check.state].tone}
                        action={check.state === "enabled" ? undefined : enableButton}
                      >
                        {check.state === "enabled"
                          ? `The chat attribution embed is on in the published theme${check.themeName ? ` (${check.themeName})` : ""}: it stamps chat sessions onto carts and reports chat and cart events.`
                          : check.state === "unknown"
                            ? `Shopify could not be asked about the published theme: ${check.reason}. Open the theme editor to check App embeds yourself.`
                            : `Turn on "Chat attribution" under App embeds in the theme editor${check.themeName ? ` of ${check.themeName}` : ""}, then click Save. Without it no order can be tied to a conversation by its cart.`}
                      </Step>
                    )}
                  </Await>
                </Suspense>
                <Divider />
                <Step
                  title="Web pixel"
                  state={status.pixel.connected ? "Connected" : "Not connected"}
                  tone={status.pixel.connected ? "success" : "attention"}
                  action={
                    <Form method="post">
                      <input type="hidden" name="intent" value="connect-pixel" />
                      <Button submit loading={connecting}>
                        {status.pixel.connected ? "Reconnect pixel" : "Connect pixel"}
                      </Button>
                    </Form>
                  }
                >
                  <BlockStack gap="200">
                    <Text as="p" tone="subdued">
                      {status.pixel.connected
                        ? `The pixel reports completed checkouts${status.pixel.lastHitAt ? `; last one ${when(status.pixel.lastHitAt)}` : "; none received yet"}.`
                        : "The app creates its web pixel when it is installed; it links checkouts to chat sessions even when a webhook is late."}
                    </Text>
                    {pixelResult?.status === "FAILED" ? (
                      <Banner tone="critical" title="The pixel could not be connected">
                        {pixelResult.reason}
                      </Banner>
                    ) : null}
                  </BlockStack>
                </Step>
                <Divider />
                <Step
                  title="Order webhooks"
                  state={status.lastWebhook ? "Receiving" : "Nothing received yet"}
                  tone={status.lastWebhook ? "success" : "attention"}
                >
                  {status.lastWebhook
                    ? `Last webhook: ${webhookTopicName(status.lastWebhook.topic)} at ${when(status.lastWebhook.receivedAt)} (${status.lastWebhook.status.toLowerCase()}).`
                    : "Shopify sends orders/paid, orders/updated, orders/cancelled and refunds/create once an order is placed."}
                </Step>
                <Divider />
                <Step
                  title="Storefront events"
                  state={status.lastStorefrontEvent ? "Receiving" : "Nothing received yet"}
                  tone={status.lastStorefrontEvent ? "success" : "attention"}
                >
                  {status.lastStorefrontEvent
                    ? `Last chat or cart event at ${when(status.lastStorefrontEvent)}.`
                    : "Events arrive once the embed is on and a shopper chats or adds to cart."}
                </Step>
                <Divider />
                <Step
                  title="Protected customer data"
                  state={
                    customerData.sampled === 0
                      ? "No orders yet"
                      : customerData.withCustomerId > 0
                        ? "Customer ids arrive"
                        : "Redacted"
                  }
                  tone={
                    customerData.sampled === 0 ? undefined : customerData.withCustomerId > 0 ? "success" : "attention"
                  }
                >
                  Assisted orders found by customer or e-mail need Shopify's protected customer data access (level 1 for
                  the customer id, level 2 with the Email field for e-mail). Of the last {customerData.sampled} orders,{" "}
                  {customerData.withCustomerId} carried a customer id and {customerData.withEmail} an e-mail. E-mail
                  addresses are stored only as a SHA-256 hash; orders led through the cart never need either.
                </Step>
              </BlockStack>
            </Card>
          </Layout.Section>
          <Layout.Section>
            <ConnectChatGuide
              appUrl={appUrl}
              lastStorefrontEvent={status.lastStorefrontEvent}
              lastApiKeyUse={status.lastApiKeyUse}
              when={(iso) => formatDateTime(iso, shop.timezone, shop.locale)}
            />
          </Layout.Section>
        </Layout>
      </Page>
    </>
  );
}

export function ErrorBoundary() {
  return <ReportErrorBoundary title="Setup" resetTo="/app/setup" />;
}
