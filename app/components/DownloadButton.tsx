import { Button } from "@shopify/polaris";
import { useTranslation } from "react-i18next";
import { useDownload } from "./use-download";

/** A Polaris button that downloads through the session token (use-download.ts). */
export function DownloadButton({ url, filename, children }: { url: string; filename: string; children: string }) {
  const { download, busy, failed } = useDownload(url, filename);
  const { t } = useTranslation();
  return (
    <Button onClick={download} loading={busy} tone={failed ? "critical" : undefined}>
      {failed ? t("common.failedRetry", { label: children }) : children}
    </Button>
  );
}
