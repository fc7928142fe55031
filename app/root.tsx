import { Links, Meta, Outlet, Scripts, ScrollRestoration } from "@remix-run/react";
import { useAdminLanguage } from "./i18n/use-admin-locale";

export default function App() {
  // The admin's pages speak the admin user's language (routes/app.tsx); everything else is English.
  const admin = useAdminLanguage();
  return (
    <html lang={admin?.language ?? "en"}>
      <head>
        <meta charSet="utf-8" />
        <meta name="viewport" content="width=device-width,initial-scale=1" />
        <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
        <Meta />
        <Links />
      </head>
      <body>
        <Outlet />
        <ScrollRestoration />
        <Scripts />
      </body>
    </html>
  );
}
