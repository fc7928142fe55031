import type { LoaderFunctionArgs } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { Card, EmptyState, IndexTable, Layout, Page, Text } from "@shopify/polaris";
import { DownloadButton } from "../components/DownloadButton";
import { HeadedCard } from "../components/HeadedCard";
import { prisma } from "../db.server";
import { listCustomerDataRequests } from "../domain/privacy/customer-privacy.server";
import { authenticatedShop } from "../http/admin-shop.server";
import { formatCount, formatDateTime } from "../lib/format";
import { useTranslation } from "react-i18next";
import { useAdminLocale } from "../i18n/use-admin-locale";
import { pageTitle } from "../components/page-title";
import { AppTitleBar } from "../components/AppTitleBar";

export const meta = pageTitle("nav.privacy");

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const shop = await authenticatedShop(request);
  return {
    requests: await listCustomerDataRequests(prisma, shop.domain),
    shop: { timezone: shop.timezone },
  };
};

export default function Privacy() {
  const { requests, shop } = useLoaderData<typeof loader>();
  const { t } = useTranslation();
  const locale = useAdminLocale();
  return (
    <>
      <AppTitleBar title={t("nav.privacy")} />
      <Page title={t("nav.privacy")} subtitle={t("privacy.subtitle")}>
        <Layout>
          <Layout.Section>
            <Card padding="0">
              {requests.length === 0 ? (
                <EmptyState heading={t("privacy.noneHeading")} image="">
                  <p>{t("privacy.noneBody")}</p>
                </EmptyState>
              ) : (
                <IndexTable
                  resourceName={{ singular: t("privacy.resourceOne"), plural: t("privacy.resourceOther") }}
                  itemCount={requests.length}
                  selectable={false}
                  headings={[
                    { title: t("privacy.columns.request") },
                    { title: t("privacy.columns.customer") },
                    { title: t("privacy.columns.received") },
                    { title: t("privacy.columns.orders") },
                    { title: "" },
                  ]}
                >
                  {requests.map((row, index) => (
                    <IndexTable.Row id={row.id} key={row.id} position={index}>
                      <IndexTable.Cell>#{row.shopifyRequestId}</IndexTable.Cell>
                      <IndexTable.Cell>{row.customerId ?? "—"}</IndexTable.Cell>
                      <IndexTable.Cell>{formatDateTime(row.createdAt, shop.timezone, locale)}</IndexTable.Cell>
                      <IndexTable.Cell>{formatCount(row.orderCount, locale)}</IndexTable.Cell>
                      <IndexTable.Cell>
                        <DownloadButton
                          url={`/app/privacy/${row.id}`}
                          filename={`customer-data-request-${row.shopifyRequestId}.json`}
                        >
                          {t("privacy.download")}
                        </DownloadButton>
                      </IndexTable.Cell>
                    </IndexTable.Row>
                  ))}
                </IndexTable>
              )}
            </Card>
          </Layout.Section>
          <Layout.Section variant="oneThird">
            <HeadedCard heading={t("privacy.keepsHeading")}>
              <Text as="p">{t("privacy.keepsBody")}</Text>
            </HeadedCard>
          </Layout.Section>
        </Layout>
      </Page>
    </>
  );
}
