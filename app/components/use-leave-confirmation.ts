import { useBlocker, useNavigate } from "@remix-run/react";
import { useAppBridge } from "@shopify/app-bridge-react";
import { useEffect, useRef } from "react";

/**
 * While `dirty`, a navigation to another page of the app asks App Bridge's leave confirmation first, and goes on
 * only if the merchant leaves. The admin guards its own navigation while the save bar shows; routing inside the app
 * is the app's to guard (App Bridge: "use leaveConfirmation() before programmatic navigation").
 */
export function useLeaveConfirmation(dirty: boolean) {
  const shopify = useAppBridge();
  const navigate = useNavigate();
  const leaving = useRef(false);
  const blocker = useBlocker(
    ({ currentLocation, nextLocation }) =>
      dirty && !leaving.current && currentLocation.pathname !== nextLocation.pathname,
  );
  useEffect(() => {
    if (blocker.state !== "blocked") return;
    const to = blocker.location;
    // Stay unless the merchant confirms: App Bridge resolves only on "Leave page".
    blocker.reset();
    void shopify.saveBar.leaveConfirmation().then(() => {
      leaving.current = true;
      navigate(`${to.pathname}${to.search}${to.hash}`);
    });
  }, [blocker, navigate, shopify]);
}
