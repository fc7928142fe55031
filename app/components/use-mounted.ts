import { useEffect, useState } from "react";

/**
 * False on the server and in the first client render, true once the page has hydrated: for what can only be drawn in
 * the browser (Polaris Viz measures its container), so the server's HTML and the first render stay the same.
 */
export function useMounted(): boolean {
  const [mounted, setMounted] = useState(false);
  useEffect(() => setMounted(true), []);
  return mounted;
}
