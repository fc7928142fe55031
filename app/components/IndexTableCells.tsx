import { BlockStack, IndexTable, InlineStack, Text } from "@shopify/polaris";
import type { ReactNode } from "react";

/**
 * A list row at phone width (Shopify's mobile app): its link and its amount on one line, so money is never off-screen,
 * a subdued line of details beneath, then badges.
 */
export function StackedRowCell({
  title,
  amount,
  detail,
  children,
}: {
  title: ReactNode;
  amount: string;
  detail: ReactNode;
  children?: ReactNode;
}) {
  return (
    <IndexTable.Cell>
      <BlockStack gap="100">
        <InlineStack align="space-between" gap="200">
          {title}
          <Text as="span" numeric fontWeight="semibold">
            {amount}
          </Text>
        </InlineStack>
        <Text as="span" tone="subdued" variant="bodySm">
          {detail}
        </Text>
        {children}
      </BlockStack>
    </IndexTable.Cell>
  );
}

/** A number or an amount in a wide table's column, aligned to the end as its heading is. */
export function NumericCell({ children }: { children: ReactNode }) {
  return (
    <IndexTable.Cell>
      <Text as="span" alignment="end" numeric>
        {children}
      </Text>
    </IndexTable.Cell>
  );
}
