import { Banner, BlockStack, Button, Card, Text } from "@shopify/polaris";
import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";
import type { Refusal } from "../domain/billing/plans";

/** What the shop's plan does not include, said where the merchant meets it, with the way to the Plan page. */
export function PlanRequired({ refusal, children }: { refusal: NonNullable<Refusal>; children?: ReactNode }) {
  const { t } = useTranslation();
  return (
    <Card>
      <BlockStack gap="300" inlineAlign="start">
        <Text as="h2" variant="headingMd">
          {t(`plan.refused.${refusal.feature}.heading`)}
        </Text>
        <Text as="p">{t(`plan.refused.${refusal.feature}.body`)}</Text>
        {children}
        <Button url="/app/plan" variant="primary">
          {t("plan.seePlans")}
        </Button>
      </BlockStack>
    </Card>
  );
}

/** The Free plan's monthly cap, reached: the report keeps counting; exports wait for the next month or Pro. */
export function CapReachedBanner({ cap, count }: { cap: number; count: number }) {
  const { t } = useTranslation();
  return (
    <Banner
      tone="warning"
      title={t("plan.capReached.title", { cap })}
      action={{ content: t("plan.seePlans"), url: "/app/plan" }}
    >
      <p>{t("plan.capReached.body", { count, cap })}</p>
    </Banner>
  );
}
