import { NavLink } from "@remix-run/react";
import { type ReactNode, useState } from "react";

/**
 * Demo mode has no Shopify admin around the app, so the App Bridge nav menu has nowhere to render.
 * This frame stands in for the admin's sidebar; it is only ever rendered in demo mode. Below 768 px it folds into a
 * top bar with a menu button, as the admin's does on a phone (demo-admin-frame.css: a media query works before
 * hydration, without a flash).
 */
export function DemoAdminFrame({
  shop,
  links,
  children,
}: {
  shop: string;
  links: readonly { to: string; label: string }[];
  children: ReactNode;
}) {
  const [open, setOpen] = useState(false);
  return (
    <div className="demo-frame">
      {/* The admin's top bar, where the contextual save bar appears (demo-app-bridge.js). */}
      <header className="demo-topbar">
        <span style={{ fontWeight: 650 }}>{shop}</span>
        <span style={{ opacity: 0.7 }}>demo admin</span>
      </header>
      <div className="demo-body">
        <nav aria-label="App navigation" className="demo-nav" data-open={open ? "true" : "false"}>
          <div style={{ display: "flex", justifyContent: "space-between", alignItems: "center", gap: 8 }}>
            <div>
              <div style={{ fontWeight: 650, marginBottom: 8 }}>Chat Attribution</div>
            </div>
            <button type="button" className="demo-menu" aria-expanded={open} onClick={() => setOpen(!open)}>
              Menu
            </button>
          </div>
          <ul>
            {links.map((link) => (
              <li key={link.to}>
                <NavLink
                  to={link.to}
                  end
                  // A choice in the folded menu closes it.
                  onClick={() => setOpen(false)}
                  style={({ isActive }) => ({
                    display: "block",
                    padding: "6px 8px",
                    borderRadius: 8,
                    color: "#fff",
                    textDecoration: "none",
                    background: isActive ? "#303030" : "transparent",
                  })}
                >
                  {link.label}
                </NavLink>
              </li>
            ))}
          </ul>
        </nav>
        <main className="demo-main">{children}</main>
      </div>
    </div>
  );
}
