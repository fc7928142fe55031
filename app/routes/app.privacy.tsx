import type { LoaderFunctionArgs } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { Card, EmptyState, IndexTable, Layout, Page, Text } from "@shopify/polaris";
import { DownloadButton } from "../components/DownloadButton";
import { HeadedCard } from "../components/HeadedCard";
import { prisma } from "../db.server";
import { listCustomerDataRequests } from "../domain/privacy/customer-privacy.server";
import { authenticatedShop } from "../http/admin-shop.server";
import { formatDateTime } from "../lib/format";
import { pageTitle } from "../components/page-title";
import { AppTitleBar } from "../components/AppTitleBar";

export const meta = pageTitle("Privacy");

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const shop = await authenticatedShop(request);
  return {
    requests: await listCustomerDataRequests(prisma, shop.domain),
    shop: { timezone: shop.timezone, locale: shop.locale },
  };
};

export default function Privacy() {
  const { requests, shop } = useLoaderData<typeof loader>();
  return (
    <>
      <AppTitleBar title="Privacy" />
      <Page title="Privacy" subtitle="Customer data requests Shopify forwarded to this app">
        <Layout>
          <Layout.Section>
            <Card padding="0">
              {requests.length === 0 ? (
                <EmptyState heading="No customer data requests" image="">
                  <p>
                    When a customer asks the shop for their data, Shopify tells the app and the data it holds for them
                    appears here for you to download and send on.
                  </p>
                </EmptyState>
              ) : (
                <IndexTable
                  resourceName={{ singular: "data request", plural: "data requests" }}
                  itemCount={requests.length}
                  selectable={false}
                  headings={[
                    { title: "Request" },
                    { title: "Customer" },
                    { title: "Received" },
                    { title: "Orders" },
                    { title: "" },
                  ]}
                >
                  {requests.map((row, index) => (
                    <IndexTable.Row id={row.id} key={row.id} position={index}>
                      <IndexTable.Cell>#{row.shopifyRequestId}</IndexTable.Cell>
                      <IndexTable.Cell>{row.customerId ?? "—"}</IndexTable.Cell>
                      <IndexTable.Cell>{formatDateTime(row.createdAt, shop.timezone, shop.locale)}</IndexTable.Cell>
                      <IndexTable.Cell>{row.orderCount}</IndexTable.Cell>
                      <IndexTable.Cell>
                        <DownloadButton
                          url={`/app/privacy/${row.id}`}
                          filename={`customer-data-request-${row.shopifyRequestId}.json`}
                        >
                          Download JSON
                        </DownloadButton>
                      </IndexTable.Cell>
                    </IndexTable.Row>
                  ))}
                </IndexTable>
              )}
            </Card>
          </Layout.Section>
          <Layout.Section variant="oneThird">
            <HeadedCard heading="What the app keeps">
              <Text as="p">
                Never raw e-mail addresses: only their SHA-256. Chat text only when transcript storage is on in
                Settings. When Shopify asks to erase a customer, their identifiers and chat text are deleted; their
                orders keep their amounts and classification without the identifiers.
              </Text>
            </HeadedCard>
          </Layout.Section>
        </Layout>
      </Page>
    </>
  );
}
