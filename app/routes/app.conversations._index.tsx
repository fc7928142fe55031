import type { LoaderFunctionArgs } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { Badge, BlockStack, Card, DataTable, EmptyState, Layout, Page, Text } from "@shopify/polaris";
import { ReportPagination } from "../components/ReportPagination";
import { ReportErrorBoundary, ReportSkeleton, useReportReloading } from "../components/ReportStates";
import { ReportFilters } from "../components/ReportFilters";
import { prisma } from "../db.server";
import { listConversations } from "../domain/reports/conversations-report.server";
import { SURFACE_LABEL } from "../domain/reports/order-labels";
import { authenticatedShop, reportQueryOf } from "../http/admin-shop.server";
import { formatCurrency, formatDateTime, formatDayRange } from "../lib/format";

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const shop = await authenticatedShop(request);
  const query = reportQueryOf(request, shop);
  const page = Number(new URL(request.url).searchParams.get("page") ?? "1") || 1;
  return {
    conversations: await listConversations(prisma, shop, query, page),
    query: {
      preset: query.preset,
      from: query.range.from,
      to: query.range.to,
      surface: query.surface,
      timezone: query.range.timezone,
    },
    shop: { currency: shop.currency, locale: shop.locale, requireAnswerFound: shop.requireAnswerFound },
  };
};

export default function Conversations() {
  const { conversations, query, shop } = useLoaderData<typeof loader>();
  const reloading = useReportReloading();
  return (
    <Page
      title="Conversations"
      subtitle={`Started ${formatDayRange(query.from, query.to, shop.locale)} · ${conversations.total} conversation${conversations.total === 1 ? "" : "s"}`}
    >
      <Layout>
        <Layout.Section>
          <Card>
            <ReportFilters state={query} />
          </Card>
        </Layout.Section>
        <Layout.Section>
          <Card padding="0">
            {reloading ? (
              <ReportSkeleton cards={1} />
            ) : conversations.rows.length === 0 ? (
              <EmptyState heading="No conversations in this period" image="">
                <p>Conversations appear once the storefront embed reports chats. Check Setup if you expected some.</p>
              </EmptyState>
            ) : (
              <BlockStack gap="200">
                <DataTable
                  columnContentTypes={["text", "text", "text", "text", "numeric", "numeric", "numeric", "numeric"]}
                  headings={[
                    "Conversation",
                    "Started",
                    "Surface",
                    "Qualified",
                    "Touches",
                    "Cart events",
                    "Orders credited",
                    "Revenue credited",
                  ]}
                  rows={conversations.rows.map((row) => [
                    <Link key="c" to={`/app/conversations/${row.id}`}>
                      {row.externalId}
                    </Link>,
                    formatDateTime(row.startedAt, query.timezone, shop.locale),
                    SURFACE_LABEL[row.surface],
                    row.qualified ? (
                      <Badge key="q" tone="success">
                        Qualified
                      </Badge>
                    ) : (
                      <Badge key="q">Not qualified</Badge>
                    ),
                    row.touches,
                    row.cartEvents,
                    row.ordersCredited,
                    formatCurrency(row.revenueCredited, shop.currency, shop.locale),
                  ])}
                />
                <ReportPagination page={conversations.page} pageCount={conversations.pageCount} />
                <Text as="p" tone="subdued" alignment="center" variant="bodySm">
                  {shop.requireAnswerFound
                    ? "A conversation qualifies once an assistant answer found what the shopper asked for."
                    : "A conversation qualifies once the assistant answered."}{" "}
                  Revenue credited counts verified, non-excluded orders, net of refunds.
                </Text>
                <div style={{ height: 8 }} />
              </BlockStack>
            )}
          </Card>
        </Layout.Section>
      </Layout>
    </Page>
  );
}

export function ErrorBoundary() {
  return <ReportErrorBoundary title="Conversations" resetTo="/app/conversations" />;
}
