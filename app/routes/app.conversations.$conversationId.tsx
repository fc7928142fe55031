import type { LoaderFunctionArgs } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { Badge, BlockStack, Card, InlineStack, Layout, Page, Text } from "@shopify/polaris";
import { ReportErrorBoundary } from "../components/ReportStates";
import { prisma } from "../db.server";
import { findConversationTimeline, type TimelineItem } from "../domain/reports/conversations-report.server";
import { CLASS_LABEL, SURFACE_LABEL } from "../domain/reports/order-labels";
import { authenticatedShop } from "../http/admin-shop.server";
import { jsonResponse } from "../http/json";
import { formatCurrency, formatDateTime } from "../lib/format";
import { pageTitle } from "../components/page-title";
import { AppTitleBar } from "../components/AppTitleBar";

export const meta = pageTitle("Conversation");

export const loader = async ({ request, params }: LoaderFunctionArgs) => {
  const shop = await authenticatedShop(request);
  const conversation = await findConversationTimeline(prisma, shop, params.conversationId ?? "");
  if (!conversation) throw jsonResponse({ error: "There is no such conversation in this shop" }, { status: 404 });
  return {
    conversation,
    shop: {
      currency: shop.currency,
      timezone: shop.timezone,
      locale: shop.locale,
      storeTranscripts: shop.storeTranscripts,
    },
  };
};

const CART_VERB: Record<string, string> = {
  ITEM_ADDED: "Added",
  QUANTITY_INCREASED: "Increased by",
  QUANTITY_DECREASED: "Decreased by",
  ITEM_REMOVED: "Removed",
};

function timelineText(
  item: TimelineItem,
  currency: string,
  locale: string,
): { title: string; detail?: string; badge?: { text: string; tone?: "success" | "info" | "attention" } } {
  switch (item.kind) {
    case "touch":
      if (item.role === "shopper")
        return {
          title: "Shopper asked",
          detail: [item.topic && `Topic: ${item.topic}`, item.text].filter(Boolean).join(" · ") || undefined,
        };
      return {
        title: "Assistant answered",
        detail:
          [
            item.productIds.length
              ? `Recommended ${item.productIds.length} product${item.productIds.length === 1 ? "" : "s"}`
              : null,
            item.text,
          ]
            .filter(Boolean)
            .join(" · ") || undefined,
        badge: item.qualifying
          ? { text: "Qualifying answer", tone: "success" }
          : { text: item.answerFound === false ? "No answer found" : "Not qualifying" },
      };
    case "cart":
      return {
        title: `${CART_VERB[item.type] ?? item.type} ${item.quantity} × ${item.productName ?? item.productId}`,
        // Which way the shopper went: the chat's own product card, or the shop's Add to cart or cart in a cart the
        // embed had stamped with this conversation.
        detail: `${formatCurrency(item.unitValue, item.currency, locale)} each · ${item.fromChat ? "from the chat's product card" : "from the shop's own cart, stamped with this chat"}`,
      };
    case "link_shared":
      return { title: "Shared a link", detail: item.url };
    case "link_click":
      return {
        title: "Link opened",
        detail: item.otherVisitor ? "by another visitor (another device or person)" : "by the visitor who chatted",
        badge: { text: "Link", tone: "info" },
      };
    case "order":
      return {
        title: `Order ${item.name ?? item.orderId} · ${formatCurrency(item.netRevenue, currency, locale)}`,
        detail:
          item.minutesFromLastTouch !== null
            ? `${item.minutesFromLastTouch} minutes after the last qualifying answer`
            : undefined,
        badge: {
          text: item.excluded ? `${CLASS_LABEL[item.class]} (excluded from totals)` : CLASS_LABEL[item.class],
          tone: item.excluded ? "attention" : item.class === "LED" ? "success" : "info",
        },
      };
  }
}

export default function ConversationDetail() {
  const { conversation, shop } = useLoaderData<typeof loader>();
  return (
    <>
      <AppTitleBar title={`Conversation ${conversation.externalId}`} />
      <Page
        title={`Conversation ${conversation.externalId}`}
        subtitle={`${SURFACE_LABEL[conversation.surface]} · started ${formatDateTime(conversation.startedAt, shop.timezone, shop.locale)}`}
        titleMetadata={conversation.qualified ? <Badge tone="success">Qualified</Badge> : <Badge>Not qualified</Badge>}
        backAction={{ content: "Conversations", url: "/app/conversations" }}
      >
        <Layout>
          <Layout.Section>
            <Card>
              <BlockStack gap="400">
                <InlineStack align="space-between">
                  <Text as="h2" variant="headingMd">
                    Timeline
                  </Text>
                  <Text as="p">
                    Revenue credited:{" "}
                    <b data-revenue-credited>
                      {formatCurrency(conversation.revenueCredited, shop.currency, shop.locale)}
                    </b>
                  </Text>
                </InlineStack>
                <ol style={{ listStyle: "none", margin: 0, padding: 0, display: "grid", gap: 12 }}>
                  {conversation.timeline.map((item, index) => {
                    const text = timelineText(item, shop.currency, shop.locale);
                    return (
                      <li
                        key={index}
                        data-timeline-kind={item.kind}
                        style={{ borderLeft: "3px solid var(--p-color-border)", paddingLeft: 12 }}
                      >
                        <InlineStack gap="200" blockAlign="center">
                          <Text as="span" tone="subdued" variant="bodySm">
                            {formatDateTime(item.at, shop.timezone, shop.locale)}
                          </Text>
                          <Text as="span" fontWeight="semibold">
                            {item.kind === "order" ? (
                              <Link to={`/app/orders/${item.orderId}`}>{text.title}</Link>
                            ) : (
                              text.title
                            )}
                          </Text>
                          {text.badge ? <Badge tone={text.badge.tone}>{text.badge.text}</Badge> : null}
                        </InlineStack>
                        {text.detail ? (
                          <Text as="p" tone="subdued">
                            {text.detail}
                          </Text>
                        ) : null}
                      </li>
                    );
                  })}
                </ol>
                {!shop.storeTranscripts ? (
                  <Text as="p" tone="subdued" variant="bodySm">
                    Chat text is not stored (Settings → store transcripts is off); topics and answer outcomes are.
                  </Text>
                ) : null}
              </BlockStack>
            </Card>
          </Layout.Section>
        </Layout>
      </Page>
    </>
  );
}

export function ErrorBoundary() {
  return <ReportErrorBoundary title="Conversation" resetTo="/app/conversations" />;
}
