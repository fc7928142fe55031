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
import { ReloadingReport, ReportErrorBoundary, useReportReloading } from "../components/ReportStates";
import { ReportFilters } from "../components/ReportFilters";
import { prisma } from "../db.server";
import { useTranslation } from "react-i18next";
import { useAdminLocale } from "../i18n/use-admin-locale";
import { ORDER_FILTERS } from "../domain/reports/order-row";
import { listOrders } from "../domain/reports/orders-report.server";
import { authenticatedShop, reportQueryOf } from "../http/admin-shop.server";
import { exportRefused } from "../http/plan-gate.server";
import { PlanRequired } from "../components/PlanRequired";
import { formatCurrency, formatDateTime, formatDayRange } from "../lib/format";
import { orderFilterOf } from "../http/order-filter";
import { pageTitle } from "../components/page-title";

export const meta = pageTitle("nav.orders");

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const shop = await authenticatedShop(request);
  const query = reportQueryOf(request, shop);
  const filter = orderFilterOf(request);
  const page = Number(new URL(request.url).searchParams.get("page") ?? "1") || 1;
  const [orders, exportLocked] = await Promise.all([
    listOrders(prisma, shop, query, filter, page),
    exportRefused(shop),
  ]);
  return {
    orders,
    exportLocked,
    filter,
    query: {
      preset: query.preset,
      from: query.range.from,
      to: query.range.to,
      surface: query.surface,
      timezone: query.range.timezone,
    },
    shop: { domain: shop.domain, currency: shop.currency },
  };
};

const CLASS_TONE = { LED: "success", ASSISTED: "info", UNATTRIBUTED: undefined } as const;

export default function Orders() {
  const { orders, filter, query, shop, exportLocked } = useLoaderData<typeof loader>();
  const { t } = useTranslation();
  const locale = useAdminLocale();
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
        title={t("nav.orders")}
        exportAs={
          exportLocked
            ? undefined
            : {
                url: `/api/reports/orders.csv?${exportQuery}`,
                filename: `chat-orders-${query.from}-to-${query.to}.csv`,
                label: t("common.exportCsv"),
              }
        }
      />
      <Page
        title={t("nav.orders")}
        subtitle={`${formatDayRange(query.from, query.to, locale)} · ${t("common.orders", { count: orders.total })}`}
      >
        <Layout>
          {exportLocked ? (
            <Layout.Section>
              <PlanRequired refusal={exportLocked} />
            </Layout.Section>
          ) : null}
          <Layout.Section>
            <Card>
              <ReportFilters state={query} />
            </Card>
          </Layout.Section>
          <Layout.Section>
            <Card padding="0">
              <Tabs
                tabs={ORDER_FILTERS.map((id) => ({ id, content: t(`orders.tabs.${id}`) }))}
                selected={ORDER_FILTERS.indexOf(filter)}
                onSelect={showFilter}
              />
              <ReloadingReport reloading={reloading}>
                {orders.rows.length === 0 ? (
                  <EmptyState heading={t("orders.noneHeading")} image="">
                    <p>{t("orders.noneBody")}</p>
                  </EmptyState>
                ) : (
                  <BlockStack gap="200">
                    {/* On a phone (Shopify's mobile app) each order is one stacked row, so net and gross stay on screen. */}
                    <IndexTable
                      condensed={smDown}
                      resourceName={{ singular: t("orders.resourceOne"), plural: t("orders.resourceOther") }}
                      itemCount={orders.rows.length}
                      selectable={false}
                      headings={[
                        { title: t("orders.columns.order") },
                        { title: t("orders.columns.placed") },
                        { title: t("orders.columns.class") },
                        { title: t("orders.columns.source") },
                        { title: t("orders.columns.matchedBy") },
                        { title: t("orders.columns.net"), alignment: "end" },
                        { title: t("orders.columns.gross"), alignment: "end" },
                        { title: t("orders.columns.chatLines"), alignment: "end" },
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
                            {row.class ? (
                              <Badge tone={CLASS_TONE[row.class]}>{t(`labels.class.${row.class}`)}</Badge>
                            ) : null}
                            {row.excludedReason ? (
                              <Badge tone="attention">{t(`labels.exclusion.${row.excludedReason}`)}</Badge>
                            ) : null}
                            {row.status ? <Badge tone="warning">{t(`labels.status.${row.status}`)}</Badge> : null}
                          </InlineStack>
                        );
                        const placed = formatDateTime(row.processedAt, query.timezone, locale);
                        const money = (amount: string | null) => formatCurrency(amount, row.currency, locale);
                        const chatLines = row.chatLineRevenue === null ? "—" : money(row.chatLineRevenue);
                        return (
                          <IndexTable.Row id={row.orderId} key={row.orderId} position={index}>
                            {smDown ? (
                              <StackedRowCell
                                title={link}
                                amount={money(row.netRevenue)}
                                detail={t("orders.stackedDetail", {
                                  placed,
                                  gross: money(row.grossRevenue),
                                  chatLines,
                                })}
                              >
                                {badges}
                              </StackedRowCell>
                            ) : (
                              <>
                                <IndexTable.Cell>{link}</IndexTable.Cell>
                                <IndexTable.Cell>{placed}</IndexTable.Cell>
                                <IndexTable.Cell>{badges}</IndexTable.Cell>
                                <IndexTable.Cell>
                                  {row.source ? t(`labels.surface.${row.source}`) : "—"}
                                </IndexTable.Cell>
                                <IndexTable.Cell>
                                  {row.matchedBy ? t(`labels.matchedBy.${row.matchedBy}`) : "—"}
                                </IndexTable.Cell>
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
              </ReloadingReport>
            </Card>
          </Layout.Section>
        </Layout>
      </Page>
    </>
  );
}

export function ErrorBoundary() {
  return <ReportErrorBoundary titleKey="nav.orders" resetTo="/app/orders" />;
}
