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
import { authenticatedShop } from "../http/admin-shop.server";
import { prisma } from "../db.server";
import { queuePlanRefresh, recordedShopPlan } from "../domain/billing/subscription.server";
import { I18nextProvider, useTranslation } from "react-i18next";
import { i18nFor, languageOf, POLARIS_TRANSLATIONS, validLocale } from "../i18n/i18n";

export const links = () => [
  { rel: "stylesheet", href: polarisStyles },
  { rel: "stylesheet", href: polarisVizStyles },
  { rel: "stylesheet", href: demoFrameStyles },
];

export const NAV_LINKS = [
  { to: "/app", label: "nav.insights" },
  { to: "/app/orders", label: "nav.orders" },
  { to: "/app/conversations", label: "nav.conversations" },
  { to: "/app/experiments", label: "nav.experiments" },
  { to: "/app/setup", label: "nav.setup" },
  { to: "/app/settings", label: "nav.settings" },
  { to: "/app/plan", label: "nav.plan" },
  { to: "/app/privacy", label: "nav.privacy" },
] as const;

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const shop = await authenticatedShop(request);
  const config = appConfig();
  // Shopify is asked again for a plan last read long ago, by a job: no page waits on it.
  if ((await recordedShopPlan(prisma, shop.id)).stale) await queuePlanRefresh(shop.domain);
  // The admin names its user's language on the app's URL; without it, the shop's.
  const locale = validLocale(new URL(request.url).searchParams.get("locale")) ?? shop.locale;
  return { apiKey: config.apiKey, demoMode: config.demoMode, shop: shop.domain, locale, language: languageOf(locale) };
};

// What this loader returns holds for the whole visit; in-app navigations carry no `locale` to read it again from.
export const shouldRevalidate = () => false;

function Navigation({ demoMode, shop }: { demoMode: boolean; shop: string }) {
  const { t } = useTranslation();
  const links = NAV_LINKS.map((link) => ({ to: link.to, label: t(link.label) }));
  if (demoMode)
    return (
      <DemoAdminFrame shop={shop} links={links}>
        <Outlet />
      </DemoAdminFrame>
    );
  return (
    <>
      <NavMenu>
        {links.map((link, index) => (
          <Link key={link.to} to={link.to} {...(index === 0 ? { rel: "home" } : {})}>
            {link.label}
          </Link>
        ))}
      </NavMenu>
      <Outlet />
    </>
  );
}

export default function AdminLayout() {
  const { apiKey, demoMode, shop, language } = useLoaderData<typeof loader>();
  const i18n = i18nFor(language);
  // Offline (demo, tests) Shopify's CDN is unreachable: a local stand-in for App Bridge supplies
  // session tokens instead. It is served only in demo mode.
  const appBridgeUrl = demoMode ? "/demo/app-bridge.js" : undefined;
  return (
    <AppProvider
      isEmbeddedApp
      apiKey={apiKey}
      i18n={POLARIS_TRANSLATIONS[language]}
      {...(appBridgeUrl ? { __APP_BRIDGE_URL: appBridgeUrl } : {})}
    >
      <I18nextProvider i18n={i18n}>
        <Navigation demoMode={demoMode} shop={shop} />
      </I18nextProvider>
    </AppProvider>
  );
}

// Shopify needs the library's boundary to render its redirects (exit-iframe, re-auth) correctly.
export function ErrorBoundary() {
  return boundary.error(useRouteError());
}

export const headers: HeadersFunction = (headersArgs) => boundary.headers(headersArgs);
