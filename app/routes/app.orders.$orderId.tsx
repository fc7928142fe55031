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
import { CLASS_LABEL, EXCLUSION_LABEL, MATCHED_BY_LABEL, SURFACE_LABEL } from "../domain/reports/order-labels";
import { findOrderAttribution } from "../domain/reports/orders-report.server";
import { authenticatedShop } from "../http/admin-shop.server";
import { jsonResponse } from "../http/json";
import { adminOrderUrl, formatCurrency, formatDateTime } from "../lib/format";
import { HeadedCard } from "../components/HeadedCard";
import { pageTitle } from "../components/page-title";
import { AppTitleBar } from "../components/AppTitleBar";

export const meta = pageTitle("Order");

export const loader = async ({ request, params }: LoaderFunctionArgs) => {
  const shop = await authenticatedShop(request);
  const order = /^\d{1,20}$/.test(params.orderId ?? "")
    ? await findOrderAttribution(prisma, shop.id, params.orderId!)
    : null;
  if (!order) throw jsonResponse({ error: `There is no order ${params.orderId} in this shop` }, { status: 404 });
  return { order, shop: { domain: shop.domain, timezone: shop.timezone, locale: shop.locale } };
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
  const money = (amount: string | null) => formatCurrency(amount, order.currency, shop.locale);
  const attribution = order.attribution;
  return (
    <>
      <AppTitleBar title={`Order ${order.name ?? order.orderId}`} />
      <Page
        title={`Order ${order.name ?? order.orderId}`}
        subtitle={formatDateTime(order.processedAt, shop.timezone, shop.locale)}
        titleMetadata={
          attribution ? (
            <Badge tone={attribution.class === "UNATTRIBUTED" ? undefined : "success"}>
              {CLASS_LABEL[attribution.class]}
            </Badge>
          ) : undefined
        }
        backAction={{ content: "Orders", url: "/app/orders" }}
        secondaryActions={[
          { content: "Open in Shopify admin", url: adminOrderUrl(shop.domain, order.orderId), target: "_top" },
        ]}
      >
        <Layout>
          <Layout.Section>
            <Card>
              <BlockStack gap="300">
                <Text as="h2" variant="headingMd">
                  Why is this order {attribution ? CLASS_LABEL[attribution.class].toLowerCase() : "not classified"}?
                </Text>
                {attribution ? (
                  <List type="number">
                    {attribution.steps.map((step, index) => (
                      <List.Item key={index}>{step}</List.Item>
                    ))}
                  </List>
                ) : (
                  <Text as="p">The engine has not classified this order yet.</Text>
                )}
                {attribution ? (
                  <InlineGrid columns={{ xs: 2, md: 4 }} gap="300">
                    <Fact label="Matched by">
                      {attribution.matchedBy ? MATCHED_BY_LABEL[attribution.matchedBy] : "—"}
                    </Fact>
                    <Fact label="Source">{attribution.source ? SURFACE_LABEL[attribution.source] : "—"}</Fact>
                    <Fact label="Minutes from last qualifying answer">{attribution.minutesFromLastTouch ?? "—"}</Fact>
                    <Fact label="Excluded">
                      {attribution.excludedReason ? EXCLUSION_LABEL[attribution.excludedReason] : "No"}
                    </Fact>
                    <Fact label="Conversation">
                      {attribution.conversation ? (
                        <Link to={`/app/conversations/${attribution.conversation.id}`}>
                          {attribution.conversation.externalId}
                        </Link>
                      ) : (
                        "—"
                      )}
                    </Fact>
                    <Fact label="Settings version">{attribution.settingsVersion}</Fact>
                    <Fact label="Computed">{formatDateTime(attribution.computedAt, shop.timezone, shop.locale)}</Fact>
                  </InlineGrid>
                ) : null}
              </BlockStack>
            </Card>
          </Layout.Section>
          <Layout.Section variant="oneThird">
            <HeadedCard heading="Money (shop currency)">
              <Fact label="Gross">{money(order.grossRevenue)}</Fact>
              <Fact label="Net after refunds">{money(order.netRevenue)}</Fact>
              {order.refunds.map((refund) => (
                <Text as="p" key={refund.refundId} tone="subdued">
                  Refund {money(refund.amount)} on {formatDateTime(refund.processedAt, shop.timezone, shop.locale)}
                </Text>
              ))}
              <InlineStack gap="100">
                {order.verified ? (
                  <Badge tone="success">Verified by webhook</Badge>
                ) : (
                  <Badge tone="attention">Pixel only, unconfirmed</Badge>
                )}
                {order.test ? <Badge>Test</Badge> : null}
                {order.cancelledAt ? <Badge tone="critical">Cancelled</Badge> : null}
              </InlineStack>
            </HeadedCard>
          </Layout.Section>
          <Layout.Section>
            <HeadedCard heading="Line items">
              <DataTable
                columnContentTypes={["text", "numeric", "numeric", "text"]}
                headings={["Item", "Quantity", "Amount after discounts", "Chat session property"]}
                rows={order.lineItems.map((item) => [
                  item.title,
                  item.quantity,
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
  return <ReportErrorBoundary title="Order" resetTo="/app/orders" />;
}
