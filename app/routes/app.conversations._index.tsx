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
import { ReportErrorBoundary, ReportSkeleton, useReportReloading } from "../components/ReportStates";
import { ReportFilters } from "../components/ReportFilters";
import { prisma } from "../db.server";
import {
  conversationVariants,
  listConversations,
  type ConversationSearch,
} from "../domain/reports/conversations-report.server";
import { SURFACE_LABEL } from "../domain/reports/order-labels";
import { authenticatedShop, reportQueryOf } from "../http/admin-shop.server";
import { formatCurrency, formatDateTime, formatDayRange } from "../lib/format";
import { pageTitle } from "../components/page-title";
import { AppTitleBar } from "../components/AppTitleBar";

export const meta = pageTitle("Conversations");

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
    shop: { currency: shop.currency, locale: shop.locale, requireAnswerFound: shop.requireAnswerFound },
  };
};

/** Search by id and "credited or not", kept in the URL like the report filters. */
function ConversationSearchBar({ search }: { search: ConversationSearch }) {
  const [params, setParams] = useSearchParams();
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
          label="Conversation id"
          autoComplete="off"
          value={id}
          onChange={setId}
          placeholder="Starts with…"
          helpText={search.id ? "Searched across all dates" : undefined}
          connectedRight={<Button onClick={() => update({ q: id.trim() })}>Search</Button>}
          clearButton
          onClearButtonClick={() => update({ q: "" })}
        />
      </div>
      <div style={{ minWidth: 200 }}>
        <Select
          label="Orders credited"
          options={[
            { value: "", label: "Any" },
            { value: "yes", label: "With credited orders" },
            { value: "no", label: "Without credited orders" },
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
  const reloading = useReportReloading();
  const { smDown } = useBreakpoints();
  return (
    <>
      <AppTitleBar title="Conversations" />
      <Page
        title="Conversations"
        subtitle={`Started ${formatDayRange(query.from, query.to, shop.locale)} · ${conversations.total} conversation${conversations.total === 1 ? "" : "s"}`}
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
              {reloading ? (
                <ReportSkeleton cards={1} />
              ) : conversations.rows.length === 0 ? (
                search.id || search.credited || query.variant ? (
                  <EmptyState heading="No conversation matches" image="">
                    <p>Try another id, clear the filters, or a longer period.</p>
                  </EmptyState>
                ) : (
                  <EmptyState heading="No conversations in this period" image="">
                    <p>
                      Conversations appear once the storefront embed reports chats. Check Setup if you expected some.
                    </p>
                  </EmptyState>
                )
              ) : (
                <BlockStack gap="200">
                  {/* On a phone each conversation is one stacked row, so its credited revenue stays on screen. */}
                  <IndexTable
                    condensed={smDown}
                    resourceName={{ singular: "conversation", plural: "conversations" }}
                    itemCount={conversations.rows.length}
                    selectable={false}
                    headings={[
                      { title: "Conversation" },
                      { title: "Started" },
                      { title: "Surface · variant" },
                      { title: "Qualified" },
                      { title: "Touches", alignment: "end" },
                      { title: "Cart events", alignment: "end" },
                      { title: "Orders credited", alignment: "end" },
                      { title: "Revenue credited", alignment: "end" },
                    ]}
                  >
                    {conversations.rows.map((row, index) => {
                      const link = <Link to={`/app/conversations/${row.id}`}>{row.externalId}</Link>;
                      const started = formatDateTime(row.startedAt, query.timezone, shop.locale);
                      const source = row.variant
                        ? `${SURFACE_LABEL[row.surface]} · ${row.variant}`
                        : SURFACE_LABEL[row.surface];
                      const qualified = row.qualified ? (
                        <Badge tone="success">Qualified</Badge>
                      ) : (
                        <Badge>Not qualified</Badge>
                      );
                      const revenue = formatCurrency(row.revenueCredited, shop.currency, shop.locale);
                      return (
                        <IndexTable.Row id={row.id} key={row.id} position={index}>
                          {smDown ? (
                            <StackedRowCell
                              title={link}
                              amount={revenue}
                              detail={`${started} · ${source} · ${row.ordersCredited} orders credited`}
                            >
                              {qualified}
                            </StackedRowCell>
                          ) : (
                            <>
                              <IndexTable.Cell>{link}</IndexTable.Cell>
                              <IndexTable.Cell>{started}</IndexTable.Cell>
                              <IndexTable.Cell>{source}</IndexTable.Cell>
                              <IndexTable.Cell>{qualified}</IndexTable.Cell>
                              <NumericCell>{row.touches}</NumericCell>
                              <NumericCell>{row.cartEvents}</NumericCell>
                              <NumericCell>{row.ordersCredited}</NumericCell>
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
    </>
  );
}

export function ErrorBoundary() {
  return <ReportErrorBoundary title="Conversations" resetTo="/app/conversations" />;
}
