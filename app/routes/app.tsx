import type { HeadersFunction, LoaderFunctionArgs } from "@remix-run/node";
import { Link, Outlet, useLoaderData, useRouteError } from "@remix-run/react";
import { NavMenu } from "@shopify/app-bridge-react";
import polarisStyles from "@shopify/polaris/build/esm/styles.css?url";
import polarisVizStyles from "@shopify/polaris-viz/build/esm/styles.css?url";
import demoFrameStyles from "../components/demo-admin-frame.css?url";
import { boundary } from "@shopify/shopify-app-remix/server";
import { AppProvider } from "@shopify/shopify-app-remix/react";
import { DemoAdminFrame } from "../components/DemoAdminFrame";
import { appConfig } from "../config.server";
import { authenticateAdmin } from "../http/admin-shop.server";

export const links = () => [
  { rel: "stylesheet", href: polarisStyles },
  { rel: "stylesheet", href: polarisVizStyles },
  { rel: "stylesheet", href: demoFrameStyles },
];

export const NAV_LINKS = [
  { to: "/app", label: "Insights" },
  { to: "/app/orders", label: "Orders" },
  { to: "/app/conversations", label: "Conversations" },
  { to: "/app/experiments", label: "Experiments" },
  { to: "/app/setup", label: "Setup" },
  { to: "/app/settings", label: "Settings" },
  { to: "/app/privacy", label: "Privacy" },
] as const;

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { session } = await authenticateAdmin(request);
  const config = appConfig();
  return { apiKey: config.apiKey, demoMode: config.demoMode, shop: session.shop };
};

export default function AdminLayout() {
  const { apiKey, demoMode, shop } = useLoaderData<typeof loader>();
  // Offline (demo, tests) Shopify's CDN is unreachable: a local stand-in for App Bridge supplies
  // session tokens instead. It is served only in demo mode.
  const appBridgeUrl = demoMode ? "/demo/app-bridge.js" : undefined;
  return (
    <AppProvider isEmbeddedApp apiKey={apiKey} {...(appBridgeUrl ? { __APP_BRIDGE_URL: appBridgeUrl } : {})}>
      {demoMode ? (
        <DemoAdminFrame shop={shop} links={NAV_LINKS}>
          <Outlet />
        </DemoAdminFrame>
      ) : (
        <>
          <NavMenu>
            {NAV_LINKS.map((link, index) => (
              <Link key={link.to} to={link.to} {...(index === 0 ? { rel: "home" } : {})}>
                {link.label}
              </Link>
            ))}
          </NavMenu>
          <Outlet />
        </>
      )}
    </AppProvider>
  );
}

// Shopify needs the library's boundary to render its redirects (exit-iframe, re-auth) correctly.
export function ErrorBoundary() {
  return boundary.error(useRouteError());
}

export const headers: HeadersFunction = (headersArgs) => boundary.headers(headersArgs);
