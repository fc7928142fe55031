import type { LoaderFunctionArgs } from "@remix-run/node";
import { Link, useLoaderData, useSearchParams } from "@remix-run/react";
import {
  Badge,
  BlockStack,
  Button,
  Card,
  IndexTable,
  EmptyState,
  InlineStack,
  Layout,
  Page,
  Select,
  Text,
  TextField,
  useBreakpoints,
} from "@shopify/polaris";
import { useEffect, useState } from "react";
import { NumericCell, StackedRowCell } from "../components/IndexTableCells";
import { ReportPagination } from "../components/ReportPagination";
import { ReloadingReport, ReportErrorBoundary, useReportReloading } from "../components/ReportStates";
import { ReportFilters } from "../components/ReportFilters";
import { prisma } from "../db.server";
import {
  conversationVariants,
  listConversations,
  type ConversationSearch,
} from "../domain/reports/conversations-report.server";
import { useTranslation } from "react-i18next";
import { useAdminLocale } from "../i18n/use-admin-locale";
import { authenticatedShop, reportQueryOf } from "../http/admin-shop.server";
import { formatCount, formatCurrency, formatDateTime, formatDayRange } from "../lib/format";
import { pageTitle } from "../components/page-title";
import { AppTitleBar } from "../components/AppTitleBar";

export const meta = pageTitle("nav.conversations");

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const shop = await authenticatedShop(request);
  const query = reportQueryOf(request, shop);
  const params = new URL(request.url).searchParams;
  const page = Number(params.get("page") ?? "1") || 1;
  // The id is the chat's own (≤ 128 characters); anything else in `credited` means no filter.
  const search: ConversationSearch = {
    id: params.get("q")?.trim().slice(0, 128) || null,
    credited: params.get("credited") === "yes" ? "yes" : params.get("credited") === "no" ? "no" : null,
  };
  const [conversations, variants] = await Promise.all([
    listConversations(prisma, shop, query, page, search),
    conversationVariants(prisma, shop, query),
  ]);
  return {
    conversations,
    variants,
    search,
    query: {
      preset: query.preset,
      from: query.range.from,
      to: query.range.to,
      surface: query.surface,
      variant: query.variant ?? null,
      timezone: query.range.timezone,
    },
    shop: { currency: shop.currency, requireAnswerFound: shop.requireAnswerFound },
  };
};

/** Search by id and "credited or not", kept in the URL like the report filters. */
function ConversationSearchBar({ search }: { search: ConversationSearch }) {
  const [params, setParams] = useSearchParams();
  const { t } = useTranslation();
  const [id, setId] = useState(search.id ?? "");
  useEffect(() => setId(search.id ?? ""), [search.id]);
  const update = (changes: Record<string, string>) => {
    const next = new URLSearchParams(params);
    next.delete("page");
    for (const [key, value] of Object.entries(changes)) value ? next.set(key, value) : next.delete(key);
    setParams(next);
  };
  return (
    <InlineStack gap="300" blockAlign="end" wrap>
      <div style={{ minWidth: 260 }}>
        <TextField
          label={t("conversations.searchLabel")}
          autoComplete="off"
          value={id}
          onChange={setId}
          placeholder={t("conversations.searchPlaceholder")}
          helpText={search.id ? t("conversations.searchedAllDates") : undefined}
          connectedRight={<Button onClick={() => update({ q: id.trim() })}>{t("conversations.search")}</Button>}
          clearButton
          onClearButtonClick={() => update({ q: "" })}
        />
      </div>
      <div style={{ minWidth: 200 }}>
        <Select
          label={t("conversations.credited")}
          options={[
            { value: "", label: t("conversations.creditedAny") },
            { value: "yes", label: t("conversations.creditedYes") },
            { value: "no", label: t("conversations.creditedNo") },
          ]}
          value={search.credited ?? ""}
          onChange={(value) => update({ credited: value })}
        />
      </div>
    </InlineStack>
  );
}

export default function Conversations() {
  const { conversations, variants, search, query, shop } = useLoaderData<typeof loader>();
  const { t } = useTranslation();
  const locale = useAdminLocale();
  const reloading = useReportReloading();
  const { smDown } = useBreakpoints();
  return (
    <>
      <AppTitleBar title={t("nav.conversations")} />
      <Page
        title={t("nav.conversations")}
        subtitle={t("conversations.subtitle", {
          range: formatDayRange(query.from, query.to, locale),
          conversations: t("common.conversations", { count: conversations.total }),
        })}
      >
        <Layout>
          <Layout.Section>
            <Card>
              <BlockStack gap="300">
                <ReportFilters state={query} variants={variants} />
                <ConversationSearchBar search={search} />
              </BlockStack>
            </Card>
          </Layout.Section>
          <Layout.Section>
            <Card padding="0">
              <ReloadingReport reloading={reloading}>
                {conversations.rows.length === 0 ? (
                  search.id || search.credited || query.variant ? (
                    <EmptyState heading={t("conversations.noMatchHeading")} image="">
                      <p>{t("conversations.noMatchBody")}</p>
                    </EmptyState>
                  ) : (
                    <EmptyState heading={t("conversations.noneHeading")} image="">
                      <p>{t("conversations.noneBody")}</p>
                    </EmptyState>
                  )
                ) : (
                  <BlockStack gap="200">
                    {/* On a phone each conversation is one stacked row, so its credited revenue stays on screen. */}
                    <IndexTable
                      condensed={smDown}
                      resourceName={{
                        singular: t("conversations.resourceOne"),
                        plural: t("conversations.resourceOther"),
                      }}
                      itemCount={conversations.rows.length}
                      selectable={false}
                      headings={[
                        { title: t("conversations.columns.conversation") },
                        { title: t("conversations.columns.started") },
                        { title: t("conversations.columns.surface") },
                        { title: t("conversations.columns.qualified") },
                        { title: t("conversations.columns.touches"), alignment: "end" },
                        { title: t("conversations.columns.cartEvents"), alignment: "end" },
                        { title: t("conversations.columns.ordersCredited"), alignment: "end" },
                        { title: t("conversations.columns.revenueCredited"), alignment: "end" },
                      ]}
                    >
                      {conversations.rows.map((row, index) => {
                        const link = <Link to={`/app/conversations/${row.id}`}>{row.externalId}</Link>;
                        const started = formatDateTime(row.startedAt, query.timezone, locale);
                        const surface = t(`labels.surface.${row.surface}`);
                        const source = row.variant ? `${surface} · ${row.variant}` : surface;
                        const qualified = row.qualified ? (
                          <Badge tone="success">{t("conversations.qualified")}</Badge>
                        ) : (
                          <Badge>{t("conversations.notQualified")}</Badge>
                        );
                        const revenue = formatCurrency(row.revenueCredited, shop.currency, locale);
                        return (
                          <IndexTable.Row id={row.id} key={row.id} position={index}>
                            {smDown ? (
                              <StackedRowCell
                                title={link}
                                amount={revenue}
                                detail={t("conversations.stackedDetail", {
                                  started,
                                  source,
                                  count: row.ordersCredited,
                                })}
                              >
                                {qualified}
                              </StackedRowCell>
                            ) : (
                              <>
                                <IndexTable.Cell>{link}</IndexTable.Cell>
                                <IndexTable.Cell>{started}</IndexTable.Cell>
                                <IndexTable.Cell>{source}</IndexTable.Cell>
                                <IndexTable.Cell>{qualified}</IndexTable.Cell>
                                <NumericCell>{formatCount(row.touches, locale)}</NumericCell>
                                <NumericCell>{formatCount(row.cartEvents, locale)}</NumericCell>
                                <NumericCell>{formatCount(row.ordersCredited, locale)}</NumericCell>
                                <NumericCell>{revenue}</NumericCell>
                              </>
                            )}
                          </IndexTable.Row>
                        );
                      })}
                    </IndexTable>
                    <ReportPagination page={conversations.page} pageCount={conversations.pageCount} />
                    <Text as="p" tone="subdued" alignment="center" variant="bodySm">
                      {shop.requireAnswerFound
                        ? t("conversations.qualifiesFound")
                        : t("conversations.qualifiesAnswered")}{" "}
                      {t("conversations.revenueNote")}
                    </Text>
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
  return <ReportErrorBoundary titleKey="nav.conversations" resetTo="/app/conversations" />;
}
