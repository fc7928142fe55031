import { isRouteErrorResponse, Link, useLocation, useNavigation, useRouteError } from "@remix-run/react";
import {
  Banner,
  BlockStack,
  Card,
  InlineGrid,
  Layout,
  Page,
  SkeletonBodyText,
  SkeletonDisplayText,
} from "@shopify/polaris";
import { boundary } from "@shopify/shopify-app-remix/server";
import { errorMessage } from "../lib/error-message";

/** True while the current page's own data reloads (a filter or page change), not while leaving it. */
export function useReportReloading(): boolean {
  const navigation = useNavigation();
  const location = useLocation();
  return navigation.state === "loading" && navigation.location?.pathname === location.pathname;
}

export function ReportSkeleton({ cards = 4 }: { cards?: number }) {
  return (
    <BlockStack gap="400">
      <InlineGrid columns={{ xs: 1, sm: 2, md: cards }} gap="400">
        {Array.from({ length: cards }, (_, index) => (
          <Card key={index}>
            <BlockStack gap="200">
              <SkeletonDisplayText size="small" />
              <SkeletonBodyText lines={1} />
            </BlockStack>
          </Card>
        ))}
      </InlineGrid>
      <Card>
        <SkeletonBodyText lines={8} />
      </Card>
    </BlockStack>
  );
}

function messageOf(error: unknown): { title: string; details: string[] } {
  if (isRouteErrorResponse(error)) {
    const data = error.data as { error?: string; errors?: { field: string; message: string }[] } | string | undefined;
    if (data && typeof data === "object") {
      return {
        title: data.error ?? `Error ${error.status}`,
        details: (data.errors ?? []).map((e) => `${e.field}: ${e.message}`),
      };
    }
    return { title: typeof data === "string" && data ? data : `Error ${error.status}`, details: [] };
  }
  return {
    title: "Something went wrong loading this report",
    details: [errorMessage(error)],
  };
}

/** The error state of a report page: what failed, in words, and a way back to a working view. */
export function ReportErrorBoundary({ title, resetTo }: { title: string; resetTo: string }) {
  const error = useRouteError();
  // Shopify's own responses (exit-iframe, re-auth) carry HTML the library's boundary must render.
  if (isRouteErrorResponse(error) && typeof error.data === "string" && error.data.trimStart().startsWith("<"))
    return boundary.error(error);
  const { title: heading, details } = messageOf(error);
  return (
    <Page title={title}>
      <Layout>
        <Layout.Section>
          <Banner tone="critical" title={heading}>
            <BlockStack gap="200">
              {details.map((detail) => (
                <p key={detail}>{detail}</p>
              ))}
              <p>
                <Link to={resetTo}>Show the default view</Link>
              </p>
            </BlockStack>
          </Banner>
        </Layout.Section>
      </Layout>
    </Page>
  );
}
