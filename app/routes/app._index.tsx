import type { LoaderFunctionArgs } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { BlockStack, Card, EmptyState, InlineGrid, Layout, Page, Text } from "@shopify/polaris";
import { prisma } from "../db.server";
import { loadShopOverview } from "../domain/overview.server";
import { HeadedCard } from "../components/HeadedCard";
import { authenticate } from "../shopify.server";

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  return { overview: await loadShopOverview(prisma, session.shop) };
};

function Stat({ label, value }: { label: string; value: string | number }) {
  return (
    <Card>
      <BlockStack gap="100">
        <Text as="h3" variant="headingSm" tone="subdued">
          {label}
        </Text>
        <Text as="p" variant="headingLg">
          {value}
        </Text>
      </BlockStack>
    </Card>
  );
}

export default function Home() {
  const { overview } = useLoaderData<typeof loader>();
  if (!overview) {
    return (
      <Page title="Insights">
        <Card>
          <EmptyState heading="This shop is not set up yet" image="">
            <p>Reinstall the app from the Shopify admin so it can create the shop's records.</p>
          </EmptyState>
        </Card>
      </Page>
    );
  }
  const { counts, settings } = overview;
  return (
    <Page title="Insights" subtitle={`${overview.domain} · ${overview.currency} · ${overview.timezone}`}>
      <Layout>
        <Layout.Section>
          <InlineGrid columns={{ xs: 1, sm: 2, md: 4 }} gap="400">
            <Stat label="Orders received" value={counts.orders} />
            <Stat label="Conversations" value={counts.conversations} />
            <Stat label="Cart events" value={counts.cartEvents} />
            <Stat label="Pixel checkouts" value={counts.pixelHits} />
          </InlineGrid>
        </Layout.Section>
        <Layout.Section>
          <HeadedCard heading="Attribution rules in force">
              <Text as="p">
                An order is <b>led</b> when it carries a chat session whose last qualifying answer came at most{" "}
                {settings.ledWindowHours} hours before it; <b>assisted</b> within {settings.assistedWindowDays} days.
                {settings.requireAnswerFound
                  ? " Only answers that found what the shopper asked for qualify."
                  : " Any assistant answer qualifies."}
                {settings.countTestOrders ? " Test orders are counted." : " Test orders are excluded."} Orders above{" "}
                {settings.maxOrderValue} {overview.currency} are flagged as outliers.
              </Text>
              <Text as="p" tone="subdued">
                Last webhook received: {overview.lastWebhookAt ? new Date(overview.lastWebhookAt).toLocaleString() : "none yet"}
              </Text>
          </HeadedCard>
        </Layout.Section>
      </Layout>
    </Page>
  );
}
