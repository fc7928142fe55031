import { useState } from "react";

/**
 * In the embedded admin a plain link cannot carry the App Bridge session token, so downloads are fetched
 * (App Bridge adds the bearer token to same-origin fetches) and handed to the browser as a blob.
 */
export function useDownload(url: string, filename: string) {
  const [busy, setBusy] = useState(false);
  const [failed, setFailed] = useState(false);
  const download = async () => {
    setBusy(true);
    setFailed(false);
    try {
      const response = await fetch(url);
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      const href = URL.createObjectURL(await response.blob());
      const anchor = Object.assign(document.createElement("a"), { href, download: filename });
      document.body.append(anchor);
      anchor.click();
      anchor.remove();
      setTimeout(() => URL.revokeObjectURL(href), 10_000);
    } catch {
      setFailed(true);
    } finally {
      setBusy(false);
    }
  };
  return { download, busy, failed };
}
