import type { LoaderFunctionArgs } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { Badge, BlockStack, Card, InlineStack, Layout, Page, Text } from "@shopify/polaris";
import { ReportErrorBoundary } from "../components/ReportStates";
import { prisma } from "../db.server";
import { findConversationTimeline, type TimelineItem } from "../domain/reports/conversations-report.server";
import type { TFunction } from "i18next";
import { useTranslation } from "react-i18next";
import { useAdminLocale } from "../i18n/use-admin-locale";
import { authenticatedShop } from "../http/admin-shop.server";
import { jsonResponse } from "../http/json";
import { formatCount, formatCurrency, formatDateTime } from "../lib/format";
import { pageTitle } from "../components/page-title";
import { AppTitleBar } from "../components/AppTitleBar";

export const meta = pageTitle("titles.conversation");

export const loader = async ({ request, params }: LoaderFunctionArgs) => {
  const shop = await authenticatedShop(request);
  const conversation = await findConversationTimeline(prisma, shop, params.conversationId ?? "");
  if (!conversation) throw jsonResponse({ error: "There is no such conversation in this shop" }, { status: 404 });
  return {
    conversation,
    shop: {
      currency: shop.currency,
      timezone: shop.timezone,
      storeTranscripts: shop.storeTranscripts,
    },
  };
};

const CART_VERB = {
  ITEM_ADDED: "conversationDetail.cart.ITEM_ADDED",
  QUANTITY_INCREASED: "conversationDetail.cart.QUANTITY_INCREASED",
  QUANTITY_DECREASED: "conversationDetail.cart.QUANTITY_DECREASED",
  ITEM_REMOVED: "conversationDetail.cart.ITEM_REMOVED",
} as const;

function timelineText(
  item: TimelineItem,
  currency: string,
  locale: string,
  t: TFunction,
): { title: string; detail?: string; badge?: { text: string; tone?: "success" | "info" | "attention" } } {
  switch (item.kind) {
    case "touch":
      if (item.role === "shopper")
        return {
          title: t("conversationDetail.shopperAsked"),
          detail:
            [item.topic && t("conversationDetail.topic", { topic: item.topic }), item.text]
              .filter(Boolean)
              .join(" · ") || undefined,
        };
      return {
        title: t("conversationDetail.assistantAnswered"),
        detail:
          [
            item.productIds.length ? t("conversationDetail.recommended", { count: item.productIds.length }) : null,
            item.text,
          ]
            .filter(Boolean)
            .join(" · ") || undefined,
        badge: item.qualifying
          ? { text: t("conversationDetail.qualifyingAnswer"), tone: "success" }
          : {
              text:
                item.answerFound === false
                  ? t("conversationDetail.noAnswerFound")
                  : t("conversationDetail.notQualifying"),
            },
      };
    case "cart": {
      const verb = item.type in CART_VERB ? t(CART_VERB[item.type as keyof typeof CART_VERB]) : item.type;
      return {
        title: `${verb} ${formatCount(item.quantity, locale)} × ${item.productName ?? item.productId}`,
        // Which way the shopper went: the chat's own product card, or the shop's Add to cart or cart in a cart the
        // embed had stamped with this conversation.
        detail: t(item.fromChat ? "conversationDetail.eachFromChat" : "conversationDetail.eachFromShop", {
          price: formatCurrency(item.unitValue, item.currency, locale),
        }),
      };
    }
    case "link_shared":
      return { title: t("conversationDetail.sharedLink"), detail: item.url };
    case "link_click":
      return {
        title: t("conversationDetail.linkOpened"),
        detail: item.otherVisitor ? t("conversationDetail.byOtherVisitor") : t("conversationDetail.bySameVisitor"),
        badge: { text: t("conversationDetail.link"), tone: "info" },
      };
    case "order": {
      const label = t(`labels.class.${item.class}`);
      return {
        title: t("conversationDetail.order", {
          name: item.name ?? item.orderId,
          amount: formatCurrency(item.netRevenue, currency, locale),
        }),
        detail:
          item.minutesFromLastTouch !== null
            ? t("conversationDetail.minutesAfter", { count: item.minutesFromLastTouch })
            : undefined,
        badge: {
          text: item.excluded ? t("conversationDetail.excluded", { label }) : label,
          tone: item.excluded ? "attention" : item.class === "LED" ? "success" : "info",
        },
      };
    }
  }
}

export default function ConversationDetail() {
  const { conversation, shop } = useLoaderData<typeof loader>();
  const { t } = useTranslation();
  const locale = useAdminLocale();
  const title = t("titles.conversationNamed", { id: conversation.externalId });
  return (
    <>
      <AppTitleBar title={title} />
      <Page
        title={title}
        subtitle={t("conversationDetail.subtitle", {
          surface: t(`labels.surface.${conversation.surface}`),
          started: formatDateTime(conversation.startedAt, shop.timezone, locale),
        })}
        titleMetadata={
          conversation.qualified ? (
            <Badge tone="success">{t("conversations.qualified")}</Badge>
          ) : (
            <Badge>{t("conversations.notQualified")}</Badge>
          )
        }
        backAction={{ content: t("nav.conversations"), url: "/app/conversations" }}
      >
        <Layout>
          <Layout.Section>
            <Card>
              <BlockStack gap="400">
                <InlineStack align="space-between">
                  <Text as="h2" variant="headingMd">
                    {t("conversationDetail.timeline")}
                  </Text>
                  <Text as="p">
                    {t("conversationDetail.revenueCredited")}{" "}
                    <b data-revenue-credited>{formatCurrency(conversation.revenueCredited, shop.currency, locale)}</b>
                  </Text>
                </InlineStack>
                <ol style={{ listStyle: "none", margin: 0, padding: 0, display: "grid", gap: 12 }}>
                  {conversation.timeline.map((item, index) => {
                    const text = timelineText(item, shop.currency, locale, t);
                    return (
                      <li
                        key={index}
                        data-timeline-kind={item.kind}
                        style={{ borderLeft: "3px solid var(--p-color-border)", paddingLeft: 12 }}
                      >
                        <InlineStack gap="200" blockAlign="center">
                          <Text as="span" tone="subdued" variant="bodySm">
                            {formatDateTime(item.at, shop.timezone, locale)}
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
                    {t("conversationDetail.noTranscripts")}
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
  return <ReportErrorBoundary titleKey="titles.conversation" resetTo="/app/conversations" />;
}
