import { Button } from "@shopify/polaris";
import { useDownload } from "./use-download";

/** A Polaris button that downloads through the session token (use-download.ts). */
export function DownloadButton({ url, filename, children }: { url: string; filename: string; children: string }) {
  const { download, busy, failed } = useDownload(url, filename);
  return (
    <Button onClick={download} loading={busy} tone={failed ? "critical" : undefined}>
      {failed ? `${children} (failed, retry)` : children}
    </Button>
  );
}
