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
import { ReloadingReport, ReportErrorBoundary, useReportReloading } from "../components/ReportStates";
import { memo } from "react";
import { Trans, useTranslation } from "react-i18next";
import { useAdminLocale } from "../i18n/use-admin-locale";
import { ReportFilters } from "../components/ReportFilters";
import { TrendChart } from "../components/TrendChart";
import { prisma } from "../db.server";
import { loadSummaryReport, shopHasOrders, type SummaryReport } from "../domain/reports/summary-report.server";
import { loadVariantsReport, type VariantsReport } from "../domain/reports/variants-report.server";
import { authenticatedShop, reportQueryOf } from "../http/admin-shop.server";
import { cappedUsage } from "../domain/billing/subscription.server";
import { CapReachedBanner } from "../components/PlanRequired";
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

export const meta = pageTitle("nav.insights");

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const shop = await authenticatedShop(request);
  const query = reportQueryOf(request, shop);
  const [report, variants, hasOrders, usage] = await Promise.all([
    loadSummaryReport(prisma, shop, query),
    loadVariantsReport(prisma, shop, query),
    shopHasOrders(prisma, shop.id),
    cappedUsage(prisma, shop),
  ]);
  // On a capped plan past its cap the report says so, and keeps counting.
  const capReached = usage?.capReached ? { cap: usage.cap!, count: usage.attributedOrders } : null;
  return { report, variants, preset: query.preset, hasOrders, capReached };
};

interface KpiProps {
  /** A stable name for the figure (tests and the API comparison read it), whatever the language. */
  id: string;
  label: string;
  value: string;
  current: string | number;
  previous: string | number;
  locale: string;
  beside?: string;
  /** A rate changes in percentage points; anything else by its relative change. */
  rate?: boolean;
}

function Kpi({ id, label, value, current, previous, locale, beside, rate }: KpiProps) {
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
            <span data-kpi={id}>{value}</span>
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
  const { t } = useTranslation();
  const money = (amount: string) => formatCurrency(amount, report.currency, locale);
  const count = (value: number) => formatCount(value, locale);
  const { totals, previous, cart, previousCart, dailyAverage } = report;
  return (
    <InlineGrid columns={{ xs: 1, sm: 2, md: 4 }} gap="400">
      <Kpi
        id="Attributed revenue"
        label={t("insights.kpi.attributedRevenue")}
        value={money(totals.attributed.netRevenue)}
        current={totals.attributed.netRevenue}
        previous={previous.attributed.netRevenue}
        beside={t("insights.kpi.grossBeside", {
          gross: money(totals.attributed.grossRevenue),
          daily: money(dailyAverage.attributedRevenue),
        })}
        locale={locale}
      />
      <Kpi
        id="Led revenue"
        label={t("insights.kpi.ledRevenue")}
        value={money(totals.led.netRevenue)}
        current={totals.led.netRevenue}
        previous={previous.led.netRevenue}
        beside={t("insights.kpi.grossBeside", {
          gross: money(totals.led.grossRevenue),
          daily: money(dailyAverage.ledRevenue),
        })}
        locale={locale}
      />
      <Kpi
        id="Assisted revenue"
        label={t("insights.kpi.assistedRevenue")}
        value={money(totals.assisted.netRevenue)}
        current={totals.assisted.netRevenue}
        previous={previous.assisted.netRevenue}
        beside={t("insights.kpi.grossBeside", {
          gross: money(totals.assisted.grossRevenue),
          daily: money(dailyAverage.assistedRevenue),
        })}
        locale={locale}
      />
      <Kpi
        id="Attributed orders"
        label={t("insights.kpi.attributedOrders")}
        value={count(totals.attributed.orders)}
        current={totals.attributed.orders}
        previous={previous.attributed.orders}
        beside={t("insights.kpi.ordersBeside", {
          led: count(totals.led.orders),
          assisted: count(totals.assisted.orders),
          daily: count(dailyAverage.attributedOrders),
        })}
        locale={locale}
      />
      <Kpi
        id="Average order value"
        label={t("insights.kpi.aov")}
        value={money(totals.aov)}
        current={totals.aov}
        previous={previous.aov}
        beside={t("insights.kpi.aovBeside")}
        locale={locale}
      />
      <Kpi
        id="Attribution rate"
        label={t("insights.kpi.attributionRate")}
        value={formatPercent(totals.attributionRate.orders, locale)}
        current={totals.attributionRate.orders}
        previous={previous.attributionRate.orders}
        rate
        beside={t("insights.kpi.rateBeside", {
          revenueShare: formatPercent(totals.attributionRate.revenue, locale),
          orders: count(totals.attributed.orders + totals.unattributed.orders),
        })}
        locale={locale}
      />
      <Kpi
        id="Cart GMV"
        label={t("insights.kpi.cartGmv")}
        value={money(cart.gmv)}
        current={cart.gmv}
        previous={previousCart.gmv}
        beside={
          cart.eventsInOtherCurrencies > 0
            ? t("insights.kpi.cartOtherCurrencies", { count: cart.eventsInOtherCurrencies })
            : t("insights.kpi.cartBeside", { daily: money(dailyAverage.cartGmv) })
        }
        locale={locale}
      />
      <Kpi
        id="Products in cart"
        label={t("insights.kpi.productsInCart")}
        value={count(cart.productsInCart)}
        current={cart.productsInCart}
        previous={previousCart.productsInCart}
        beside={t("insights.kpi.productsBeside", {
          daily: count(dailyAverage.productsInCart),
          active: count(report.activeDays),
          days: count(report.range.days),
        })}
        locale={locale}
      />
    </InlineGrid>
  );
}

const times = (value: number, locale: string) =>
  `${new Intl.NumberFormat(locale, { maximumFractionDigits: 2 }).format(value)}×`;

/**
 * The first card: what the chat returned for what it cost over the range. Attributed, not causal: the card says so
 * (attribution-spec.md, "Return on the chat's cost").
 */
function ChatReturnCard({ report, locale }: { report: SummaryReport; locale: string }) {
  const { t } = useTranslation();
  const money = (amount: string) => formatCurrency(amount, report.currency, locale);
  const result = report.chatReturn;
  if (!result) {
    return (
      <HeadedCard heading={t("insights.chatReturn.heading")}>
        <Text as="p" tone="subdued">
          {t("insights.chatReturn.filtered")}
        </Text>
      </HeadedCard>
    );
  }
  if (result.cost === null) {
    return (
      <HeadedCard heading={t("insights.chatReturn.heading")}>
        <Text as="p">
          {t("insights.chatReturn.noCost", { currency: report.currency })}{" "}
          <Link to="/app/settings">{t("insights.chatReturn.setCost")}</Link>
        </Text>
      </HeadedCard>
    );
  }
  const parts = [
    result.monthlyPart !== null
      ? t("insights.chatReturn.monthlyPart", { amount: money(result.monthlyPart), count: report.range.days })
      : null,
    result.conversationPart !== null
      ? t("insights.chatReturn.conversationPart", {
          amount: money(result.conversationPart),
          conversations: formatCount(result.conversations ?? 0, locale),
        })
      : null,
  ].filter(Boolean);
  return (
    <Card>
      <BlockStack gap="200">
        <Text as="h2" variant="headingMd">
          <span data-chat-return="headline">
            {t("insights.chatReturn.headline", {
              revenue: money(result.attributedNetRevenue),
              cost: money(result.cost),
            })}
          </span>
        </Text>
        <InlineStack gap="400" blockAlign="baseline">
          <Text as="p" variant="headingLg" numeric>
            <span data-chat-return="ratio">
              {result.revenuePerCost === null ? "—" : times(result.revenuePerCost, locale)}
            </span>
          </Text>
          <Text as="p" tone="subdued">
            {t("insights.chatReturn.perCost", { currency: report.currency })}
          </Text>
        </InlineStack>
        {result.profitAfterCost !== null ? (
          <Text as="p">
            <Trans
              i18nKey="insights.chatReturn.profit"
              values={{
                margin: formatPercent((result.grossMarginPercent ?? 0) / 100, locale),
                profit: money(result.profitAfterCost),
              }}
              components={{ profit: <span data-chat-return="profit" /> }}
            />
          </Text>
        ) : null}
        <Text as="p" variant="bodySm" tone="subdued">
          {t("insights.chatReturn.costNote", { parts: parts.join(" + ") })}
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
  const { t } = useTranslation();
  return (
    <Box background="bg-surface-secondary" padding="300" borderRadius="200">
      <BlockStack gap="100">
        <Text as="p" fontWeight="semibold">
          {t("insights.causal.lead")}{" "}
          <span data-causal-return="headline">
            {causal.interval
              ? t("insights.causal.headlineInterval", {
                  incremental: money(causal.incrementalRevenue),
                  low: money(causal.interval[0]),
                  high: money(causal.interval[1]),
                  cost: money(causal.cost),
                })
              : t("insights.causal.headline", {
                  incremental: money(causal.incrementalRevenue),
                  cost: money(causal.cost),
                })}
          </span>
          {causal.incrementalPerCost !== null ? (
            <span data-causal-return="ratio"> — {times(causal.incrementalPerCost, locale)}</span>
          ) : null}
        </Text>
        <Text as="p" variant="bodySm" tone="subdued">
          <Trans
            i18nKey="insights.causal.measured"
            values={{
              name: causal.experimentName,
              from: formatDateTime(causal.from, timezone, locale),
              to: formatDateTime(causal.to, timezone, locale),
            }}
            components={{ experiment: <Link to={`/app/experiments/${causal.experimentId}`} /> }}
          />
          {causal.verdict === "better" ? "" : ` ${t("insights.causal.notYet")}`}
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
      <Trans
        i18nKey="insights.chatLines"
        values={{
          net: formatCurrency(chatLines.netRevenue, report.currency, locale),
          share: formatPercent(chatLines.shareOfAttributed, locale),
          items: formatCount(chatLines.quantity, locale),
        }}
        components={{ net: <span data-chat-lines="net" /> }}
      />
    </Text>
  );
}

/** Under a re-attribution: which days already follow the new settings (decision 022). */
function RecomputeNote({ report, locale }: { report: SummaryReport; locale: string }) {
  const { t } = useTranslation();
  const recompute = report.recompute;
  if (!recompute) return null;
  const { recomputedDays, days, previous } = recompute;
  return (
    <Banner tone="warning" title={t("insights.recompute.title", { version: recompute.settingsVersion })}>
      <BlockStack gap="100">
        <p data-recompute="range">
          {recomputedDays === days
            ? t("insights.recompute.current")
            : t("insights.recompute.partial", {
                recomputed: recomputedDays,
                days,
                share: formatPercent(recomputedDays / days, locale),
              })}
        </p>
        {previous.recomputedDays < previous.days ? (
          <p data-recompute="previous">
            {t("insights.recompute.previous", { recomputed: previous.recomputedDays, days: previous.days })}
          </p>
        ) : null}
        <p>
          <Link to="/app/settings">{t("insights.recompute.progress")}</Link>
        </p>
      </BlockStack>
    </Banner>
  );
}

function ExcludedNote({ report }: { report: SummaryReport }) {
  const { t } = useTranslation();
  const { test, unverified, outlier } = report.excluded;
  return (
    <Banner tone="info" title={t("insights.excluded.title")}>
      <p>
        <Trans
          i18nKey="insights.excluded.body"
          values={{
            test,
            unverified,
            outlier,
            testNoun: t("insights.excluded.testNoun", { count: test }),
            unverifiedNoun: t("insights.excluded.unverifiedNoun", { count: unverified }),
            outlierNoun: t("insights.excluded.outlierNoun", { count: outlier }),
          }}
          components={{
            test: <span data-excluded="test" />,
            unverified: <span data-excluded="unverified" />,
            outlier: <span data-excluded="outlier" />,
          }}
        />
      </p>
    </Banner>
  );
}

function TopProducts({ report, locale }: { report: SummaryReport; locale: string }) {
  const { t } = useTranslation();
  if (report.topProducts.length === 0)
    return (
      <Text as="p" tone="subdued">
        {t("insights.noAttributedOrders")}
      </Text>
    );
  return (
    <DataTable
      columnContentTypes={["text", "numeric", "numeric", "numeric", "numeric"]}
      headings={[
        t("insights.product"),
        t("insights.orders"),
        t("insights.units"),
        t("insights.net"),
        t("insights.gross"),
      ]}
      rows={report.topProducts.map((product) => [
        product.title,
        formatCount(product.orders, locale),
        formatCount(product.quantity, locale),
        formatCurrency(product.netRevenue, report.currency, locale),
        formatCurrency(product.revenue, report.currency, locale),
      ])}
    />
  );
}

/** How much of the attributed revenue rests on evidence the order carries itself, and how much on the shopper. */
function MatchedPaths({ report, locale }: { report: SummaryReport; locale: string }) {
  const { t } = useTranslation();
  const attributed = report.totals.attributed.orders;
  const deterministic = report.matchedPaths.filter((p) => p.deterministic).reduce((n, p) => n + p.orders, 0);
  return (
    <BlockStack gap="200">
      <Text as="p" tone="subdued">
        {attributed === 0
          ? t("insights.noAttributedOrders")
          : t("insights.matchedShare", { share: formatPercent(deterministic / attributed, locale) })}
      </Text>
      <DataTable
        columnContentTypes={["text", "text", "numeric", "numeric"]}
        headings={[
          t("insights.matchedBy"),
          t("insights.evidence"),
          t("insights.orders"),
          t("insights.attributedRevenue"),
        ]}
        rows={report.matchedPaths.map((path) => [
          t(`labels.matchedBy.${path.matchedBy}`),
          path.deterministic ? t("insights.carriesChat") : t("insights.sameShopper"),
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
  const { t } = useTranslation();
  const money = (amount: string | null) => (amount === null ? "—" : formatCurrency(amount, variants.currency, locale));
  return (
    <BlockStack gap="200">
      <Text as="p" tone="subdued">
        {t("insights.variantsNote")}
      </Text>
      <DataTable
        columnContentTypes={["text", "numeric", "numeric", "numeric", "numeric", "numeric", "numeric"]}
        headings={[
          t("insights.variant"),
          t("insights.conversations"),
          t("insights.qualified"),
          t("insights.led"),
          t("insights.assisted"),
          t("insights.attributedRevenue"),
          t("insights.perConversation"),
        ]}
        rows={variants.variants.map((row) => [
          row.variant ?? t("insights.noVariant"),
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
  const { t } = useTranslation();
  if (report.recentOrders.length === 0)
    return (
      <Text as="p" tone="subdued">
        {t("insights.noAttributedOrders")}
      </Text>
    );
  return (
    <DataTable
      columnContentTypes={["text", "text", "text", "text", "numeric", "text"]}
      headings={[
        t("insights.order"),
        t("insights.placed"),
        t("insights.class"),
        t("insights.sourceMatched"),
        t("insights.net"),
        t("insights.shopify"),
      ]}
      rows={report.recentOrders.map((order) => [
        <Link key="detail" to={`/app/orders/${order.orderId}`}>
          {order.name ?? order.orderId}
        </Link>,
        formatDateTime(order.processedAt, report.timezone, locale),
        t(`labels.class.${order.class}`),
        [
          order.source && t(`labels.surface.${order.source}`),
          order.matchedBy && t(`labels.matchedBy.${order.matchedBy}`),
        ]
          .filter(Boolean)
          .join(" · "),
        formatCurrency(order.netRevenue, report.currency, locale),
        <a key="admin" href={adminOrderUrl(report.shop, order.orderId)} target="_top">
          {t("common.openInAdmin")}
        </a>,
      ])}
    />
  );
}

/** Everything under the filters. Memoised: while a filter reloads, the page re-renders and this does not. */
const InsightsBody = memo(function InsightsBody({
  report,
  variants,
  locale,
  apiQuery,
}: {
  report: SummaryReport;
  variants: VariantsReport;
  locale: string;
  apiQuery: string;
}) {
  const { t } = useTranslation();
  return (
    <BlockStack gap="400">
      <RecomputeNote report={report} locale={locale} />
      <ChatReturnCard report={report} locale={locale} />
      <KpiCards report={report} locale={locale} />
      <Card>
        <ChatLinesNote report={report} locale={locale} />
      </Card>
      <HeadedCard heading={t("insights.trendHeading")}>
        <TrendChart daily={report.daily} currency={report.currency} locale={locale} />
      </HeadedCard>
      <ExcludedNote report={report} />
      <InlineGrid columns={{ xs: 1, md: 2 }} gap="400">
        <HeadedCard heading={t("insights.topProductsHeading")}>
          <TopProducts report={report} locale={locale} />
        </HeadedCard>
        <HeadedCard heading={t("insights.topicsHeading")}>
          {report.topTopics.length === 0 ? (
            <Text as="p" tone="subdued">
              {t("insights.noTopics")}
            </Text>
          ) : (
            <List type="number">
              {report.topTopics.map((topic) => (
                <List.Item key={topic.topic}>
                  {t("insights.topicOrders", { topic: topic.topic, count: topic.orders })}
                </List.Item>
              ))}
            </List>
          )}
        </HeadedCard>
      </InlineGrid>
      <HeadedCard heading={t("insights.matchedHeading")}>
        <MatchedPaths report={report} locale={locale} />
      </HeadedCard>
      {variants.variants.some((row) => row.variant !== null) ? (
        <HeadedCard heading={t("insights.variantsHeading")}>
          <Variants variants={variants} locale={locale} />
        </HeadedCard>
      ) : null}
      <Card>
        <BlockStack gap="200">
          <InlineStack align="space-between">
            <Text as="h2" variant="headingMd">
              {t("insights.recentHeading")}
            </Text>
            <Link to={`/app/orders?${apiQuery}`}>{t("insights.allOrders")}</Link>
          </InlineStack>
          <RecentOrders report={report} locale={locale} />
        </BlockStack>
      </Card>
      <Box paddingBlockEnd="400" />
    </BlockStack>
  );
});

export default function Insights() {
  const { report, variants, preset, hasOrders, capReached } = useLoaderData<typeof loader>();
  const { t } = useTranslation();
  const locale = useAdminLocale();
  const reloading = useReportReloading();
  const apiQuery = new URLSearchParams({
    from: report.range.from,
    to: report.range.to,
    ...(report.surface ? { surface: report.surface } : {}),
    ...(report.variant ? { variant: report.variant } : {}),
  }).toString();
  const heading = t("common.dayRangeCompared", {
    range: formatDayRange(report.range.from, report.range.to, locale),
    previous: formatDayRange(report.previous.range.from, report.previous.range.to, locale),
  });
  const title = t("nav.insights");

  if (!hasOrders) {
    return (
      <>
        <AppTitleBar title={title} />
        <Page title={title}>
          <Card>
            <EmptyState
              heading={t("insights.noOrdersHeading")}
              image=""
              action={{ content: t("insights.noOrdersAction"), url: "/app/setup" }}
            >
              <p>{t("insights.noOrdersBody")}</p>
            </EmptyState>
          </Card>
        </Page>
      </>
    );
  }

  return (
    <>
      <AppTitleBar
        title={title}
        exportAs={{
          url: `/api/reports/summary?${apiQuery}`,
          filename: `chat-insights-${report.range.from}-to-${report.range.to}.json`,
          label: t("common.exportJson"),
        }}
      />
      <Page title={title} subtitle={heading}>
        <Layout>
          {capReached ? (
            <Layout.Section>
              <CapReachedBanner cap={capReached.cap} count={capReached.count} />
            </Layout.Section>
          ) : null}
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
            <ReloadingReport reloading={reloading}>
              <InsightsBody report={report} variants={variants} locale={locale} apiQuery={apiQuery} />
            </ReloadingReport>
          </Layout.Section>
        </Layout>
      </Page>
    </>
  );
}

export function ErrorBoundary() {
  return <ReportErrorBoundary titleKey="nav.insights" resetTo="/app" />;
}
