import type { LoaderFunctionArgs } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import {
  Badge,
  BlockStack,
  Card,
  DataTable,
  InlineGrid,
  InlineStack,
  Layout,
  List,
  Page,
  Text,
} from "@shopify/polaris";
import { ReportErrorBoundary } from "../components/ReportStates";
import { prisma } from "../db.server";
import { useTranslation } from "react-i18next";
import { useAdminLocale } from "../i18n/use-admin-locale";
import { findOrderAttribution } from "../domain/reports/orders-report.server";
import { authenticatedShop } from "../http/admin-shop.server";
import { jsonResponse } from "../http/json";
import { adminOrderUrl, formatCount, formatCurrency, formatDateTime, formatStepTime } from "../lib/format";
import { renderEvidence } from "../domain/attribution/evidence-text";
import { HeadedCard } from "../components/HeadedCard";
import { pageTitle } from "../components/page-title";
import { AppTitleBar } from "../components/AppTitleBar";

export const meta = pageTitle("titles.order");

export const loader = async ({ request, params }: LoaderFunctionArgs) => {
  const shop = await authenticatedShop(request);
  const order = /^\d{1,20}$/.test(params.orderId ?? "")
    ? await findOrderAttribution(prisma, shop, params.orderId!)
    : null;
  if (!order) throw jsonResponse({ error: `There is no order ${params.orderId} in this shop` }, { status: 404 });
  return { order, shop: { domain: shop.domain, timezone: shop.timezone } };
};

function Fact({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <BlockStack gap="050">
      <Text as="span" variant="bodySm" tone="subdued">
        {label}
      </Text>
      <Text as="span">{children}</Text>
    </BlockStack>
  );
}

export default function OrderDetail() {
  const { order, shop } = useLoaderData<typeof loader>();
  const { t } = useTranslation();
  const locale = useAdminLocale();
  const money = (amount: string | null) => formatCurrency(amount, order.currency, locale);
  const when = (iso: string) => formatDateTime(iso, shop.timezone, locale);
  const attribution = order.attribution;
  const title = t("titles.orderNamed", { name: order.name ?? order.orderId });
  return (
    <>
      <AppTitleBar title={title} />
      <Page
        title={title}
        subtitle={when(order.processedAt)}
        titleMetadata={
          attribution ? (
            <Badge tone={attribution.class === "UNATTRIBUTED" ? undefined : "success"}>
              {t(`labels.class.${attribution.class}`)}
            </Badge>
          ) : undefined
        }
        backAction={{ content: t("nav.orders"), url: "/app/orders" }}
        secondaryActions={[
          { content: t("common.openInShopifyAdmin"), url: adminOrderUrl(shop.domain, order.orderId), target: "_top" },
        ]}
      >
        <Layout>
          <Layout.Section>
            <Card>
              <BlockStack gap="300">
                <Text as="h2" variant="headingMd">
                  {attribution ? t(`orderDetail.why.${attribution.class}`) : t("orderDetail.whyUnclassified")}
                </Text>
                {attribution ? (
                  <List type="number">
                    {/* Read in the admin's language; an order attributed before steps were recorded as facts shows
                        its English record. */}
                    {(attribution.facts
                      ? attribution.facts.map((fact) =>
                          renderEvidence(fact, t, (at, zone) => formatStepTime(at, zone, locale)),
                        )
                      : attribution.steps
                    ).map((step, index) => (
                      <List.Item key={index}>{step}</List.Item>
                    ))}
                  </List>
                ) : (
                  <Text as="p">{t("orderDetail.notYet")}</Text>
                )}
                {attribution ? (
                  <InlineGrid columns={{ xs: 2, md: 4 }} gap="300">
                    <Fact label={t("orderDetail.matchedBy")}>
                      {attribution.matchedBy ? t(`labels.matchedBy.${attribution.matchedBy}`) : "—"}
                    </Fact>
                    <Fact label={t("orderDetail.source")}>
                      {attribution.source ? t(`labels.surface.${attribution.source}`) : "—"}
                    </Fact>
                    <Fact label={t("orderDetail.minutes")}>
                      {attribution.minutesFromLastTouch === null
                        ? "—"
                        : formatCount(attribution.minutesFromLastTouch, locale)}
                    </Fact>
                    <Fact label={t("orderDetail.excluded")}>
                      {attribution.excludedReason
                        ? t(`labels.exclusion.${attribution.excludedReason}`)
                        : t("common.no")}
                    </Fact>
                    <Fact label={t("orderDetail.conversation")}>
                      {attribution.conversation ? (
                        <Link to={`/app/conversations/${attribution.conversation.id}`}>
                          {attribution.conversation.externalId}
                        </Link>
                      ) : (
                        "—"
                      )}
                    </Fact>
                    <Fact label={t("orderDetail.settingsVersion")}>
                      {attribution.keptAfterRedaction
                        ? t("orderDetail.keptAfterRedaction", { version: attribution.settingsVersion })
                        : attribution.sameUnderSettingsVersion
                          ? t("orderDetail.sameUnder", {
                              version: attribution.settingsVersion,
                              current: attribution.sameUnderSettingsVersion,
                            })
                          : attribution.settingsVersion}
                    </Fact>
                    <Fact label={t("orderDetail.computed")}>{when(attribution.computedAt)}</Fact>
                  </InlineGrid>
                ) : null}
              </BlockStack>
            </Card>
          </Layout.Section>
          <Layout.Section variant="oneThird">
            <HeadedCard heading={t("orderDetail.money")}>
              <Fact label={t("orderDetail.gross")}>{money(order.grossRevenue)}</Fact>
              <Fact label={t("orderDetail.net")}>{money(order.netRevenue)}</Fact>
              {order.refunds.map((refund) => (
                <Text as="p" key={refund.refundId} tone="subdued">
                  {t("orderDetail.refund", { amount: money(refund.amount), when: when(refund.processedAt) })}
                </Text>
              ))}
              <InlineStack gap="100">
                {order.verified ? (
                  <Badge tone="success">{t("orderDetail.verified")}</Badge>
                ) : (
                  <Badge tone="attention">{t("orderDetail.pixelOnly")}</Badge>
                )}
                {order.test ? <Badge>{t("orderDetail.test")}</Badge> : null}
                {order.cancelledAt ? <Badge tone="critical">{t("labels.status.CANCELLED")}</Badge> : null}
              </InlineStack>
            </HeadedCard>
          </Layout.Section>
          <Layout.Section>
            <HeadedCard heading={t("orderDetail.lineItems")}>
              <DataTable
                columnContentTypes={["text", "numeric", "numeric", "text"]}
                headings={[
                  t("orderDetail.item"),
                  t("orderDetail.quantity"),
                  t("orderDetail.amount"),
                  t("orderDetail.sessionProperty"),
                ]}
                rows={order.lineItems.map((item) => [
                  item.title,
                  formatCount(item.quantity, locale),
                  money(item.amount),
                  item.chatSessionId ?? "—",
                ])}
              />
            </HeadedCard>
          </Layout.Section>
        </Layout>
      </Page>
    </>
  );
}

export function ErrorBoundary() {
  return <ReportErrorBoundary titleKey="titles.order" resetTo="/app/orders" />;
}
