import { useSearchParams } from "@remix-run/react";
import { InlineStack, Pagination, Text } from "@shopify/polaris";
import { useTranslation } from "react-i18next";

/** Previous/next for a paged report, kept in the URL's `page` parameter beside the report's filters. */
export function ReportPagination({ page, pageCount }: { page: number; pageCount: number }) {
  const [params, setParams] = useSearchParams();
  const { t } = useTranslation();
  const goTo = (target: number) => {
    const next = new URLSearchParams(params);
    next.set("page", String(target));
    setParams(next);
  };
  return (
    <InlineStack align="center" blockAlign="center" gap="300">
      <Pagination
        hasPrevious={page > 1}
        onPrevious={() => goTo(page - 1)}
        hasNext={page < pageCount}
        onNext={() => goTo(page + 1)}
      />
      <Text as="span" tone="subdued">
        {t("filters.pageOf", { page, pages: pageCount })}
      </Text>
    </InlineStack>
  );
}
