import { TitleBar } from "@shopify/app-bridge-react";
import { useTranslation } from "react-i18next";
import { useDownload } from "./use-download";

/** An export in the admin's title bar: a plain <button> App Bridge draws there, downloading through the session token. */
function ExportButton({ url, filename, label }: { url: string; filename: string; label: string }) {
  const { download, busy, failed } = useDownload(url, filename);
  const { t } = useTranslation();
  return (
    <button type="button" variant="primary" onClick={download} disabled={busy}>
      {failed ? t("common.failedRetry", { label }) : label}
    </button>
  );
}

/**
 * The page's title in the admin's title bar (App Bridge `ui-title-bar`), with at most one primary action: an export,
 * or a page's own button. The page keeps its Polaris heading for the iframe's own outline.
 */
export function AppTitleBar({
  title,
  exportAs,
}: {
  title: string;
  exportAs?: { url: string; filename: string; label: string };
}) {
  return <TitleBar title={title}>{exportAs ? <ExportButton {...exportAs} /> : null}</TitleBar>;
}
