import type { LoaderFunctionArgs } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import {
  Badge,
  BlockStack,
  Box,
  Button,
  Card,
  InlineStack,
  Layout,
  List,
  Page,
  ProgressBar,
  Text,
} from "@shopify/polaris";
import { useTranslation } from "react-i18next";
import { AppTitleBar } from "../components/AppTitleBar";
import { pageTitle } from "../components/page-title";
import { appConfig } from "../config.server";
import { prisma } from "../db.server";
import { PLANS, pricingPlansUrl } from "../domain/billing/plans";
import { recordedShopPlan, refreshShopPlan, shopPlanAndUsage } from "../domain/billing/subscription.server";
import { authenticatedAdmin } from "../http/admin-shop.server";
import { useAdminLocale } from "../i18n/use-admin-locale";
import { errorMessage } from "../lib/error-message";
import { formatCount, formatCurrency, formatDateTime } from "../lib/format";
import { appAdminApi } from "../shopify/admin-api.server";

export const meta = pageTitle("nav.plan");

/**
 * The shop's plan and this month's use of it. Shopify is asked again when the record is stale, when the merchant asks
 * (`?refresh`), and when Shopify's plan page sends the merchant back here after choosing (it adds `charge_id`).
 */
export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { shop, admin } = await authenticatedAdmin(request);
  const params = new URL(request.url).searchParams;
  const asked = params.has("refresh") || params.has("charge_id");
  let checkError: string | null = null;
  if (asked || (await recordedShopPlan(prisma, shop.id)).stale) {
    await refreshShopPlan(prisma, shop.id, appAdminApi(admin)).catch((error: unknown) => {
      checkError = errorMessage(error);
    });
  }
  const { plan, checkedAt, usage } = await shopPlanAndUsage(prisma, shop);
  const subscription = plan.subscription;
  return {
    plan: { key: plan.plan.key, name: plan.plan.name },
    subscription: subscription && {
      name: subscription.name,
      status: subscription.status,
      test: subscription.test,
      priceAmount: subscription.priceAmount,
      priceCurrency: subscription.priceCurrency,
      interval: subscription.interval,
      currentPeriodEnd: subscription.currentPeriodEnd?.toISOString() ?? null,
    },
    trialEndsAt: plan.trialEndsAt?.toISOString() ?? null,
    usage,
    freeCap: PLANS.FREE.attributedOrdersPerMonth!,
    checkedAt: checkedAt?.toISOString() ?? null,
    checkError: checkError as string | null,
    pricingUrl: pricingPlansUrl(shop.domain, appConfig().appHandle),
    timezone: shop.timezone,
  };
};

const DAY_MS = 86_400_000;

export default function PlanPage() {
  const { plan, subscription, trialEndsAt, usage, freeCap, checkedAt, checkError, pricingUrl, timezone } =
    useLoaderData<typeof loader>();
  const { t } = useTranslation();
  const locale = useAdminLocale();
  const when = (iso: string) => formatDateTime(iso, timezone, locale);
  const onPro = plan.key === "PRO";
  const trialDays = trialEndsAt ? Math.max(1, Math.ceil((Date.parse(trialEndsAt) - Date.now()) / DAY_MS)) : 0;
  const interval =
    subscription?.interval === "ANNUAL" || subscription?.interval === "EVERY_30_DAYS" ? subscription.interval : null;
  return (
    <>
      <AppTitleBar title={t("nav.plan")} />
      <Page title={t("nav.plan")} subtitle={t("plan.subtitle")}>
        <Layout>
          <Layout.Section>
            <Card>
              <BlockStack gap="300">
                <InlineStack gap="200" blockAlign="center">
                  <Text as="h2" variant="headingMd">
                    {t("plan.current")}: <span data-plan-name={plan.key}>{plan.name}</span>
                  </Text>
                  {trialEndsAt ? <Badge tone="info">{t("plan.status.trial", { days: trialDays })}</Badge> : null}
                  {onPro && !trialEndsAt ? <Badge tone="success">{t("plan.status.active")}</Badge> : null}
                  {subscription?.status === "PENDING" ? (
                    <Badge tone="attention">{t("plan.status.pending")}</Badge>
                  ) : null}
                  {subscription?.test ? <Badge tone="warning">{t("plan.status.test")}</Badge> : null}
                </InlineStack>
                <Text as="p">
                  {onPro && subscription?.priceAmount && subscription.priceCurrency && interval
                    ? t("plan.price", {
                        price: formatCurrency(subscription.priceAmount, subscription.priceCurrency, locale),
                        interval: t(`plan.interval.${interval}`),
                      })
                    : t("plan.free")}
                </Text>
                {trialEndsAt ? (
                  <Text as="p">{t("plan.trialEnds", { when: when(trialEndsAt) })}</Text>
                ) : onPro && subscription?.currentPeriodEnd ? (
                  <Text as="p">{t("plan.renews", { when: when(subscription.currentPeriodEnd) })}</Text>
                ) : null}
                <Box>
                  <BlockStack gap="100">
                    <InlineStack align="space-between">
                      <Text as="span">{t("plan.usage")}</Text>
                      <Text as="span">
                        {usage.cap === null
                          ? t("plan.usageUnlimited", { count: formatCount(usage.attributedOrders, locale) })
                          : t("plan.usageOf", {
                              count: formatCount(usage.attributedOrders, locale),
                              cap: formatCount(usage.cap, locale),
                            })}
                      </Text>
                    </InlineStack>
                    {usage.cap !== null ? (
                      <>
                        <ProgressBar
                          progress={Math.min(100, (usage.attributedOrders / usage.cap) * 100)}
                          tone={usage.capReached ? "critical" : "primary"}
                          size="small"
                        />
                        <Text as="p" tone="subdued">
                          {t("plan.capNote")}
                        </Text>
                      </>
                    ) : null}
                  </BlockStack>
                </Box>
                <Text as="p" tone={checkError ? "critical" : "subdued"}>
                  {checkError
                    ? t("plan.checkFailed", { error: checkError })
                    : checkedAt
                      ? t("plan.checkedAt", { when: when(checkedAt) })
                      : t("plan.notChecked")}
                </Text>
                <InlineStack gap="200">
                  {/* Shopify's hosted plan page is outside the app's frame: it opens at the top level. */}
                  <Button variant="primary" url={pricingUrl} target="_top">
                    {onPro ? t("plan.change") : t("plan.upgrade")}
                  </Button>
                  <Button url="/app/plan?refresh=1">{t("plan.checkAgain")}</Button>
                </InlineStack>
                <Text as="p" tone="subdued">
                  {t("plan.hosted")}
                </Text>
              </BlockStack>
            </Card>
          </Layout.Section>
          <Layout.Section variant="oneThird">
            <Card>
              <BlockStack gap="200">
                <Text as="h2" variant="headingMd">
                  {t("plan.proAdds")}
                </Text>
                <List>
                  <List.Item>{t("plan.proUnlimited")}</List.Item>
                  <List.Item>{t("plan.proExperiments")}</List.Item>
                </List>
                <Text as="p" tone="subdued">
                  {t("plan.freeIncludes", { cap: formatCount(freeCap, locale) })}
                </Text>
              </BlockStack>
            </Card>
          </Layout.Section>
        </Layout>
      </Page>
    </>
  );
}
