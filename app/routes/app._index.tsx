import type { LoaderFunctionArgs } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import {
  Badge,
  Banner,
  BlockStack,
  Box,
  Card,
  DataTable,
  EmptyState,
  InlineGrid,
  InlineStack,
  Layout,
  List,
  Page,
  Text,
} from "@shopify/polaris";
import { AppTitleBar } from "../components/AppTitleBar";
import { ReportErrorBoundary, ReportSkeleton, useReportReloading } from "../components/ReportStates";
import { ReportFilters } from "../components/ReportFilters";
import { TrendChart } from "../components/TrendChart";
import { prisma } from "../db.server";
import { CLASS_LABEL, MATCHED_BY_LABEL, SURFACE_LABEL } from "../domain/reports/order-labels";
import { loadSummaryReport, shopHasOrders, type SummaryReport } from "../domain/reports/summary-report.server";
import { loadVariantsReport, type VariantsReport } from "../domain/reports/variants-report.server";
import { authenticatedShop, reportQueryOf } from "../http/admin-shop.server";
import {
  adminOrderUrl,
  changeRatio,
  formatChange,
  formatPointChange,
  formatCount,
  formatCurrency,
  formatDateTime,
  formatDayRange,
  formatPercent,
} from "../lib/format";
import { HeadedCard } from "../components/HeadedCard";
import { pageTitle } from "../components/page-title";

export const meta = pageTitle("Insights");

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const shop = await authenticatedShop(request);
  const query = reportQueryOf(request, shop);
  const [report, variants, hasOrders] = await Promise.all([
    loadSummaryReport(prisma, shop, query),
    loadVariantsReport(prisma, shop, query),
    shopHasOrders(prisma, shop.id),
  ]);
  return { report, variants, preset: query.preset, locale: shop.locale, hasOrders };
};

interface KpiProps {
  label: string;
  value: string;
  current: string | number;
  previous: string | number;
  locale: string;
  beside?: string;
  /** A rate changes in percentage points; anything else by its relative change. */
  rate?: boolean;
}

function Kpi({ label, value, current, previous, locale, beside, rate }: KpiProps) {
  // Only the sign is used beside the text: the tone of the badge.
  const change = rate ? Number(current) - Number(previous) : changeRatio(current, previous);
  return (
    <Card>
      <BlockStack gap="100">
        <Text as="h3" variant="headingSm" tone="subdued">
          {label}
        </Text>
        <InlineStack gap="200" blockAlign="baseline">
          <Text as="p" variant="headingLg" numeric>
            <span data-kpi={label}>{value}</span>
          </Text>
          <Badge tone={change === null ? undefined : change >= 0 ? "success" : "critical"}>
            {rate ? formatPointChange(Number(current), Number(previous), locale) : formatChange(change, locale)}
          </Badge>
        </InlineStack>
        {beside ? (
          <Text as="p" variant="bodySm" tone="subdued">
            {beside}
          </Text>
        ) : null}
      </BlockStack>
    </Card>
  );
}

function KpiCards({ report, locale }: { report: SummaryReport; locale: string }) {
  const money = (amount: string) => formatCurrency(amount, report.currency, locale);
  const { totals, previous, cart, previousCart } = report;
  return (
    <InlineGrid columns={{ xs: 1, sm: 2, md: 4 }} gap="400">
      <Kpi
        label="Attributed revenue"
        value={money(totals.attributed.netRevenue)}
        current={totals.attributed.netRevenue}
        previous={previous.attributed.netRevenue}
        beside={`${money(totals.attributed.grossRevenue)} gross · ${money(report.dailyAverage.attributedRevenue)} per active day`}
        locale={locale}
      />
      <Kpi
        label="Led revenue"
        value={money(totals.led.netRevenue)}
        current={totals.led.netRevenue}
        previous={previous.led.netRevenue}
        beside={`${money(totals.led.grossRevenue)} gross · ${money(report.dailyAverage.ledRevenue)} per active day`}
        locale={locale}
      />
      <Kpi
        label="Assisted revenue"
        value={money(totals.assisted.netRevenue)}
        current={totals.assisted.netRevenue}
        previous={previous.assisted.netRevenue}
        beside={`${money(totals.assisted.grossRevenue)} gross · ${money(report.dailyAverage.assistedRevenue)} per active day`}
        locale={locale}
      />
      <Kpi
        label="Attributed orders"
        value={formatCount(totals.attributed.orders, locale)}
        current={totals.attributed.orders}
        previous={previous.attributed.orders}
        beside={`${totals.led.orders} led · ${totals.assisted.orders} assisted · ${formatCount(report.dailyAverage.attributedOrders, locale)} per active day`}
        locale={locale}
      />
      <Kpi
        label="Average order value"
        value={money(totals.aov)}
        current={totals.aov}
        previous={previous.aov}
        beside="Attributed net ÷ attributed orders: a cancelled order counts at 0, a refunded one at what is left of it"
        locale={locale}
      />
      <Kpi
        label="Attribution rate"
        value={formatPercent(totals.attributionRate.orders, locale)}
        current={totals.attributionRate.orders}
        previous={previous.attributionRate.orders}
        rate
        beside={`${formatPercent(totals.attributionRate.revenue, locale)} of revenue · ${formatCount(totals.attributed.orders + totals.unattributed.orders, locale)} counted orders`}
        locale={locale}
      />
      <Kpi
        label="Cart GMV"
        value={money(cart.gmv)}
        current={cart.gmv}
        previous={previousCart.gmv}
        beside={
          cart.eventsInOtherCurrencies > 0
            ? `${cart.eventsInOtherCurrencies} cart events in other currencies not summed`
            : `Added in chat-qualified sessions, net of removals · ${money(report.dailyAverage.cartGmv)} per active day`
        }
        locale={locale}
      />
      <Kpi
        label="Products in cart"
        value={formatCount(cart.productsInCart, locale)}
        current={cart.productsInCart}
        previous={previousCart.productsInCart}
        beside={`${formatCount(report.dailyAverage.productsInCart, locale)} per active day (${report.activeDays} of ${report.range.days} days had chat or cart activity)`}
        locale={locale}
      />
    </InlineGrid>
  );
}

/**
 * The first card: what the chat returned for what it cost over the range. Attributed, not causal: the card says so
 * (attribution-spec.md, "Return on the chat's cost").
 */
function ChatReturnCard({ report, locale }: { report: SummaryReport; locale: string }) {
  const money = (amount: string) => formatCurrency(amount, report.currency, locale);
  const result = report.chatReturn;
  if (!result) {
    return (
      <HeadedCard heading="Return on the chat's cost">
        <Text as="p" tone="subdued">
          The chat's cost is for all surfaces and variants: clear the filters to set it against the revenue.
        </Text>
      </HeadedCard>
    );
  }
  if (result.cost === null) {
    return (
      <HeadedCard heading="Return on the chat's cost">
        <Text as="p">
          Tell the app what the chat costs to see what it earns for each {report.currency} spent.{" "}
          <Link to="/app/settings">Set the chat's cost in Settings</Link>
        </Text>
      </HeadedCard>
    );
  }
  const parts = [
    result.monthlyPart !== null
      ? `${money(result.monthlyPart)} of the monthly cost for ${report.range.days} days`
      : null,
    result.conversationPart !== null
      ? `${money(result.conversationPart)} for ${formatCount(result.conversations ?? 0, locale)} conversations`
      : null,
  ].filter(Boolean);
  return (
    <Card>
      <BlockStack gap="200">
        <Text as="h2" variant="headingMd">
          <span data-chat-return="headline">
            The chat earned {money(result.attributedNetRevenue)} for {money(result.cost)} spent
          </span>
        </Text>
        <InlineStack gap="400" blockAlign="baseline">
          <Text as="p" variant="headingLg" numeric>
            <span data-chat-return="ratio">
              {result.revenuePerCost === null
                ? "—"
                : `${new Intl.NumberFormat(locale, { maximumFractionDigits: 2 }).format(result.revenuePerCost)}×`}
            </span>
          </Text>
          <Text as="p" tone="subdued">
            attributed net revenue per {report.currency} of cost
          </Text>
        </InlineStack>
        {result.profitAfterCost !== null ? (
          <Text as="p">
            At a {formatPercent((result.grossMarginPercent ?? 0) / 100, locale)} gross margin that leaves{" "}
            <span data-chat-return="profit">{money(result.profitAfterCost)}</span> after the chat's cost.
          </Text>
        ) : null}
        <Text as="p" variant="bodySm" tone="subdued">
          Cost: {parts.join(" + ")}. Revenue the chat is credited with, not revenue it caused: only a holdout experiment
          measures that.
        </Text>
        {report.causalReturn ? (
          <CausalReturnNote causal={report.causalReturn} money={money} locale={locale} timezone={report.timezone} />
        ) : null}
      </BlockStack>
    </Card>
  );
}

/** The causal figure: what a holdout that ran in the range measured the chat adding, for its cost over those days. */
function CausalReturnNote({
  causal,
  money,
  locale,
  timezone,
}: {
  causal: NonNullable<SummaryReport["causalReturn"]>;
  money: (amount: string) => string;
  locale: string;
  timezone: string;
}) {
  const times = (value: number) => `${new Intl.NumberFormat(locale, { maximumFractionDigits: 2 }).format(value)}×`;
  return (
    <Box background="bg-surface-secondary" padding="300" borderRadius="200">
      <BlockStack gap="100">
        <Text as="p" fontWeight="semibold">
          Caused, not just credited:{" "}
          <span data-causal-return="headline">
            the chat added {money(causal.incrementalRevenue)}
            {causal.interval ? ` (95 % CI ${money(causal.interval[0])} to ${money(causal.interval[1])})` : ""} for{" "}
            {money(causal.cost)} spent
          </span>
          {causal.incrementalPerCost !== null ? (
            <span data-causal-return="ratio"> — {times(causal.incrementalPerCost)}</span>
          ) : null}
        </Text>
        <Text as="p" variant="bodySm" tone="subdued">
          Measured by the holdout <Link to={`/app/experiments/${causal.experimentId}`}>{causal.experimentName}</Link> (
          {formatDateTime(causal.from, timezone, locale)} to {formatDateTime(causal.to, timezone, locale)}): the revenue
          its chat visitors brought beyond those without the chat, against the chat's cost over those days.
          {causal.verdict === "better"
            ? ""
            : " The holdout has not shown a difference yet, so treat this as a range, not a result."}
        </Text>
      </BlockStack>
    </Box>
  );
}

/** What the chat itself sold: lines of attributed orders that the credited conversation recommended or added. */
function ChatLinesNote({ report, locale }: { report: SummaryReport; locale: string }) {
  const { chatLines } = report;
  return (
    <Text as="p">
      Of the attributed revenue,{" "}
      <span data-chat-lines="net">{formatCurrency(chatLines.netRevenue, report.currency, locale)}</span> (
      {formatPercent(chatLines.shareOfAttributed, locale)}) came from {formatCount(chatLines.quantity, locale)} items
      the chat recommended or added itself; the rest is the other items in the same orders.
    </Text>
  );
}

function ExcludedNote({ report }: { report: SummaryReport }) {
  const { test, unverified, outlier } = report.excluded;
  return (
    <Banner tone="info" title="What these totals leave out">
      <p>
        <span data-excluded="test">{test}</span> test order{test === 1 ? "" : "s"},{" "}
        <span data-excluded="unverified">{unverified}</span> order
        {unverified === 1 ? "" : "s"} reported by the pixel but not yet confirmed by Shopify, and{" "}
        <span data-excluded="outlier">{outlier}</span> outlier
        {outlier === 1 ? "" : "s"} (a value that is not a number or above the shop's maximum) are listed on the Orders
        page but never counted. Unattributed orders count towards the attribution rate only; no revenue is credited to
        chat without a conversation that earned it.
      </p>
    </Banner>
  );
}

function TopProducts({ report, locale }: { report: SummaryReport; locale: string }) {
  if (report.topProducts.length === 0)
    return (
      <Text as="p" tone="subdued">
        No attributed orders in this period.
      </Text>
    );
  return (
    <DataTable
      columnContentTypes={["text", "numeric", "numeric", "numeric", "numeric"]}
      headings={["Product", "Orders", "Units", "Net", "Gross"]}
      rows={report.topProducts.map((product) => [
        product.title,
        product.orders,
        product.quantity,
        formatCurrency(product.netRevenue, report.currency, locale),
        formatCurrency(product.revenue, report.currency, locale),
      ])}
    />
  );
}

/** How much of the attributed revenue rests on evidence the order carries itself, and how much on the shopper. */
function MatchedPaths({ report, locale }: { report: SummaryReport; locale: string }) {
  const attributed = report.totals.attributed.orders;
  const deterministic = report.matchedPaths.filter((p) => p.deterministic).reduce((n, p) => n + p.orders, 0);
  return (
    <BlockStack gap="200">
      <Text as="p" tone="subdued">
        {attributed === 0
          ? "No attributed orders in this period."
          : `${formatPercent(deterministic / attributed, locale)} of attributed orders carry the chat session themselves; the rest were matched to the shopper.`}
      </Text>
      <DataTable
        columnContentTypes={["text", "text", "numeric", "numeric"]}
        headings={["Matched by", "Evidence", "Orders", "Attributed revenue"]}
        rows={report.matchedPaths.map((path) => [
          MATCHED_BY_LABEL[path.matchedBy],
          path.deterministic ? "The order carries the chat" : "The same shopper",
          <span key="orders" data-matched-path={path.matchedBy}>
            {formatCount(path.orders, locale)}
          </span>,
          formatCurrency(path.netRevenue, report.currency, locale),
        ])}
      />
    </BlockStack>
  );
}

/** Revenue by the variant the chat reported on conversation_started; shown once any conversation in range has one. */
function Variants({ variants, locale }: { variants: VariantsReport; locale: string }) {
  const money = (amount: string | null) => (amount === null ? "—" : formatCurrency(amount, variants.currency, locale));
  return (
    <BlockStack gap="200">
      <Text as="p" tone="subdued">
        As the chat reported them: conversations started in the range, and the range's attributed orders credited to a
        conversation of each variant. Without a holdout or an experiment these are associations, not proof.
      </Text>
      <DataTable
        columnContentTypes={["text", "numeric", "numeric", "numeric", "numeric", "numeric", "numeric"]}
        headings={[
          "Variant",
          "Conversations",
          "Qualified",
          "Led",
          "Assisted",
          "Attributed revenue",
          "Per conversation",
        ]}
        rows={variants.variants.map((row) => [
          row.variant ?? "No variant reported",
          formatCount(row.conversations, locale),
          formatCount(row.qualifiedConversations, locale),
          formatCount(row.led.orders, locale),
          formatCount(row.assisted.orders, locale),
          <span key="revenue" data-variant-revenue={row.variant ?? ""}>
            {money(row.attributed.netRevenue)}
          </span>,
          money(row.revenuePerConversation),
        ])}
      />
    </BlockStack>
  );
}

function RecentOrders({ report, locale }: { report: SummaryReport; locale: string }) {
  if (report.recentOrders.length === 0)
    return (
      <Text as="p" tone="subdued">
        No attributed orders in this period.
      </Text>
    );
  return (
    <DataTable
      columnContentTypes={["text", "text", "text", "text", "numeric", "text"]}
      headings={["Order", "Placed", "Class", "Source · matched by", "Net", "Shopify"]}
      rows={report.recentOrders.map((order) => [
        <Link key="detail" to={`/app/orders/${order.orderId}`}>
          {order.name ?? order.orderId}
        </Link>,
        formatDateTime(order.processedAt, report.timezone, locale),
        CLASS_LABEL[order.class],
        [order.source && SURFACE_LABEL[order.source], order.matchedBy && MATCHED_BY_LABEL[order.matchedBy]]
          .filter(Boolean)
          .join(" · "),
        formatCurrency(order.netRevenue, report.currency, locale),
        <a key="admin" href={adminOrderUrl(report.shop, order.orderId)} target="_top">
          Open in admin
        </a>,
      ])}
    />
  );
}

export default function Insights() {
  const { report, variants, preset, locale, hasOrders } = useLoaderData<typeof loader>();
  const reloading = useReportReloading();
  const apiQuery = new URLSearchParams({
    from: report.range.from,
    to: report.range.to,
    ...(report.surface ? { surface: report.surface } : {}),
    ...(report.variant ? { variant: report.variant } : {}),
  });
  const heading = `${formatDayRange(report.range.from, report.range.to, locale)} · compared with ${formatDayRange(report.previous.range.from, report.previous.range.to, locale)}`;

  if (!hasOrders) {
    return (
      <>
        <AppTitleBar title="Insights" />
        <Page title="Insights">
          <Card>
            <EmptyState heading="No orders yet" image="" action={{ content: "Open setup", url: "/app/setup" }}>
              <p>
                Reports fill in as Shopify sends this shop's orders. Check the setup steps so the storefront embed and
                the pixel can tie orders to conversations.
              </p>
            </EmptyState>
          </Card>
        </Page>
      </>
    );
  }

  return (
    <>
      <AppTitleBar
        title="Insights"
        exportAs={{
          url: `/api/reports/summary?${apiQuery}`,
          filename: `chat-insights-${report.range.from}-to-${report.range.to}.json`,
          label: "Export JSON",
        }}
      />
      <Page title="Insights" subtitle={heading}>
        <Layout>
          <Layout.Section>
            <Card>
              <ReportFilters
                state={{
                  preset,
                  from: report.range.from,
                  to: report.range.to,
                  surface: report.surface,
                  variant: report.variant,
                  timezone: report.timezone,
                }}
                variants={variants.variants.flatMap((row) => (row.variant ? [row.variant] : []))}
              />
            </Card>
          </Layout.Section>
          <Layout.Section>
            {reloading ? (
              <ReportSkeleton />
            ) : (
              <BlockStack gap="400">
                <ChatReturnCard report={report} locale={locale} />
                <KpiCards report={report} locale={locale} />
                <Card>
                  <ChatLinesNote report={report} locale={locale} />
                </Card>
                <HeadedCard heading="Led and assisted revenue per day">
                  <TrendChart daily={report.daily} currency={report.currency} locale={locale} />
                </HeadedCard>
                <ExcludedNote report={report} />
                <InlineGrid columns={{ xs: 1, md: 2 }} gap="400">
                  <HeadedCard heading="Top products by attributed revenue">
                    <TopProducts report={report} locale={locale} />
                  </HeadedCard>
                  <HeadedCard heading="Topics before a purchase">
                    {report.topTopics.length === 0 ? (
                      <Text as="p" tone="subdued">
                        No topics recorded in conversations that led to an order.
                      </Text>
                    ) : (
                      <List type="number">
                        {report.topTopics.map((topic) => (
                          <List.Item key={topic.topic}>
                            {topic.topic} — {topic.orders} order{topic.orders === 1 ? "" : "s"}
                          </List.Item>
                        ))}
                      </List>
                    )}
                  </HeadedCard>
                </InlineGrid>
                <HeadedCard heading="How attributed orders were matched">
                  <MatchedPaths report={report} locale={locale} />
                </HeadedCard>
                {variants.variants.some((row) => row.variant !== null) ? (
                  <HeadedCard heading="Revenue by chat variant">
                    <Variants variants={variants} locale={locale} />
                  </HeadedCard>
                ) : null}
                <Card>
                  <BlockStack gap="200">
                    <InlineStack align="space-between">
                      <Text as="h2" variant="headingMd">
                        Recent attributed orders
                      </Text>
                      <Link to={`/app/orders?${apiQuery}`}>All orders in this period</Link>
                    </InlineStack>
                    <RecentOrders report={report} locale={locale} />
                  </BlockStack>
                </Card>
                <Box paddingBlockEnd="400" />
              </BlockStack>
            )}
          </Layout.Section>
        </Layout>
      </Page>
    </>
  );
}

export function ErrorBoundary() {
  return <ReportErrorBoundary title="Insights" resetTo="/app" />;
}
