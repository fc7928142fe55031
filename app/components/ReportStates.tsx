import { isRouteErrorResponse, Link, useLocation, useNavigation, useRouteError } from "@remix-run/react";
import { Banner, BlockStack, Layout, Page } from "@shopify/polaris";
import type { ParseKeys, TFunction } from "i18next";
import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { boundary } from "@shopify/shopify-app-remix/server";
import { errorMessage } from "../lib/error-message";

/** True while the current page's own data reloads (a filter or page change), not while leaving it. */
export function useReportReloading(): boolean {
  const navigation = useNavigation();
  const location = useLocation();
  return navigation.state === "loading" && navigation.location?.pathname === location.pathname;
}

/**
 * While a filter reloads the page's data the report stays where it is, dimmed and marked busy, until the new one
 * arrives. Swapping it for a skeleton unmounted and remounted every chart and table inside the click: 176 ms to the
 * next paint on the bench's slow phone profile (decision 016).
 */
export function ReloadingReport({ reloading, children }: { reloading: boolean; children: ReactNode }) {
  return (
    <div
      aria-busy={reloading}
      data-reloading={reloading ? "true" : undefined}
      style={{
        opacity: reloading ? 0.5 : 1,
        transition: "opacity 120ms",
        pointerEvents: reloading ? "none" : undefined,
      }}
    >
      {children}
    </div>
  );
}

function messageOf(error: unknown, t: TFunction): { title: string; details: string[] } {
  if (isRouteErrorResponse(error)) {
    const status = t("common.errorStatus", { status: error.status });
    const data = error.data as { error?: string; errors?: { field: string; message: string }[] } | string | undefined;
    if (data && typeof data === "object") {
      return {
        title: data.error ?? status,
        details: (data.errors ?? []).map((e) => `${e.field}: ${e.message}`),
      };
    }
    return { title: typeof data === "string" && data ? data : status, details: [] };
  }
  return { title: t("common.loadFailed"), details: [errorMessage(error)] };
}

/** The error state of a report page: what failed, in words, and a way back to a working view. */
export function ReportErrorBoundary({ titleKey, resetTo }: { titleKey: ParseKeys; resetTo: string }) {
  const error = useRouteError();
  const { t } = useTranslation();
  // Shopify's own responses (exit-iframe, re-auth) carry HTML the library's boundary must render.
  if (isRouteErrorResponse(error) && typeof error.data === "string" && error.data.trimStart().startsWith("<"))
    return boundary.error(error);
  const { title: heading, details } = messageOf(error, t);
  return (
    <Page title={t(titleKey)}>
      <Layout>
        <Layout.Section>
          <Banner tone="critical" title={heading}>
            <BlockStack gap="200">
              {details.map((detail) => (
                <p key={detail}>{detail}</p>
              ))}
              <p>
                <Link to={resetTo}>{t("common.showDefaultView")}</Link>
              </p>
            </BlockStack>
          </Banner>
        </Layout.Section>
      </Layout>
    </Page>
  );
}
