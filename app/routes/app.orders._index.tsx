import type { LoaderFunctionArgs } from "@remix-run/node";
import { Link, useLoaderData, useSearchParams } from "@remix-run/react";
import {
  Badge,
  BlockStack,
  Card,
  EmptyState,
  IndexTable,
  InlineStack,
  Layout,
  Page,
  Tabs,
  useBreakpoints,
} from "@shopify/polaris";
import { AppTitleBar } from "../components/AppTitleBar";
import { NumericCell, StackedRowCell } from "../components/IndexTableCells";
import { ReportPagination } from "../components/ReportPagination";
import { ReportErrorBoundary, ReportSkeleton, useReportReloading } from "../components/ReportStates";
import { ReportFilters } from "../components/ReportFilters";
import { prisma } from "../db.server";
import {
  CLASS_LABEL,
  EXCLUSION_LABEL,
  MATCHED_BY_LABEL,
  STATUS_LABEL,
  SURFACE_LABEL,
} from "../domain/reports/order-labels";
import { ORDER_FILTERS } from "../domain/reports/order-row";
import { listOrders } from "../domain/reports/orders-report.server";
import { authenticatedShop, reportQueryOf } from "../http/admin-shop.server";
import { formatCurrency, formatDateTime, formatDayRange } from "../lib/format";
import { orderFilterOf } from "../http/order-filter";
import { pageTitle } from "../components/page-title";

export const meta = pageTitle("Orders");

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const shop = await authenticatedShop(request);
  const query = reportQueryOf(request, shop);
  const filter = orderFilterOf(request);
  const page = Number(new URL(request.url).searchParams.get("page") ?? "1") || 1;
  const orders = await listOrders(prisma, shop, query, filter, page);
  return {
    orders,
    filter,
    query: {
      preset: query.preset,
      from: query.range.from,
      to: query.range.to,
      surface: query.surface,
      timezone: query.range.timezone,
    },
    shop: { domain: shop.domain, currency: shop.currency, locale: shop.locale },
  };
};

const TAB_LABEL: Record<(typeof ORDER_FILTERS)[number], string> = {
  all: "All",
  led: "Led",
  assisted: "Assisted",
  unattributed: "Unattributed",
  excluded: "Excluded",
};

const CLASS_TONE = { LED: "success", ASSISTED: "info", UNATTRIBUTED: undefined } as const;

export default function Orders() {
  const { orders, filter, query, shop } = useLoaderData<typeof loader>();
  const [params, setParams] = useSearchParams();
  const reloading = useReportReloading();
  const { smDown } = useBreakpoints();
  const showFilter = (index: number) => {
    const next = new URLSearchParams(params);
    next.set("filter", ORDER_FILTERS[index]);
    next.set("page", "1");
    setParams(next);
  };
  const exportQuery = new URLSearchParams({
    from: query.from,
    to: query.to,
    filter,
    ...(query.surface ? { surface: query.surface } : {}),
  });

  return (
    <>
      <AppTitleBar
        title="Orders"
        exportAs={{
          url: `/api/reports/orders.csv?${exportQuery}`,
          filename: `chat-orders-${query.from}-to-${query.to}.csv`,
          label: "Export CSV",
        }}
      />
      <Page
        title="Orders"
        subtitle={`${formatDayRange(query.from, query.to, shop.locale)} · ${orders.total} order${orders.total === 1 ? "" : "s"}`}
      >
        <Layout>
          <Layout.Section>
            <Card>
              <ReportFilters state={query} />
            </Card>
          </Layout.Section>
          <Layout.Section>
            <Card padding="0">
              <Tabs
                tabs={ORDER_FILTERS.map((id) => ({ id, content: TAB_LABEL[id] }))}
                selected={ORDER_FILTERS.indexOf(filter)}
                onSelect={showFilter}
              />
              {reloading ? (
                <ReportSkeleton cards={1} />
              ) : orders.rows.length === 0 ? (
                <EmptyState heading="No orders match" image="">
                  <p>Try a longer period, another tab or all surfaces.</p>
                </EmptyState>
              ) : (
                <BlockStack gap="200">
                  {/* On a phone (Shopify's mobile app) each order is one stacked row, so net and gross stay on screen. */}
                  <IndexTable
                    condensed={smDown}
                    resourceName={{ singular: "order", plural: "orders" }}
                    itemCount={orders.rows.length}
                    selectable={false}
                    headings={[
                      { title: "Order" },
                      { title: "Placed" },
                      { title: "Class" },
                      { title: "Source" },
                      { title: "Matched by" },
                      { title: "Net", alignment: "end" },
                      { title: "Gross", alignment: "end" },
                      { title: "Chat lines (net)", alignment: "end" },
                    ]}
                  >
                    {orders.rows.map((row, index) => {
                      const link = (
                        <Link to={`/app/orders/${row.orderId}`} data-order-link>
                          {row.name ?? row.orderId}
                        </Link>
                      );
                      const badges = (
                        <InlineStack gap="100">
                          {row.class ? <Badge tone={CLASS_TONE[row.class]}>{CLASS_LABEL[row.class]}</Badge> : null}
                          {row.excludedReason ? (
                            <Badge tone="attention">{EXCLUSION_LABEL[row.excludedReason]}</Badge>
                          ) : null}
                          {row.status ? <Badge tone="warning">{STATUS_LABEL[row.status]}</Badge> : null}
                        </InlineStack>
                      );
                      const placed = formatDateTime(row.processedAt, query.timezone, shop.locale);
                      const money = (amount: string | null) => formatCurrency(amount, row.currency, shop.locale);
                      const chatLines = row.chatLineRevenue === null ? "—" : money(row.chatLineRevenue);
                      return (
                        <IndexTable.Row id={row.orderId} key={row.orderId} position={index}>
                          {smDown ? (
                            <StackedRowCell
                              title={link}
                              amount={money(row.netRevenue)}
                              detail={`${placed} · gross ${money(row.grossRevenue)} · chat lines ${chatLines}`}
                            >
                              {badges}
                            </StackedRowCell>
                          ) : (
                            <>
                              <IndexTable.Cell>{link}</IndexTable.Cell>
                              <IndexTable.Cell>{placed}</IndexTable.Cell>
                              <IndexTable.Cell>{badges}</IndexTable.Cell>
                              <IndexTable.Cell>{row.source ? SURFACE_LABEL[row.source] : "—"}</IndexTable.Cell>
                              <IndexTable.Cell>{row.matchedBy ? MATCHED_BY_LABEL[row.matchedBy] : "—"}</IndexTable.Cell>
                              <NumericCell>{money(row.netRevenue)}</NumericCell>
                              <NumericCell>{money(row.grossRevenue)}</NumericCell>
                              <NumericCell>{chatLines}</NumericCell>
                            </>
                          )}
                        </IndexTable.Row>
                      );
                    })}
                  </IndexTable>
                  <ReportPagination page={orders.page} pageCount={orders.pageCount} />
                  <div style={{ height: 8 }} />
                </BlockStack>
              )}
            </Card>
          </Layout.Section>
        </Layout>
      </Page>
    </>
  );
}

export function ErrorBoundary() {
  return <ReportErrorBoundary title="Orders" resetTo="/app/orders" />;
}
