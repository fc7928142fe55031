import { NavLink } from "@remix-run/react";
import type { ReactNode } from "react";

/**
 * Demo mode has no Shopify admin around the app, so the App Bridge nav menu has nowhere to render.
 * This frame stands in for the admin's sidebar; it is only ever rendered in demo mode.
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
  return (
    <div style={{ display: "flex", minHeight: "100vh", background: "#f1f1f1" }}>
      <nav
        aria-label="App navigation"
        style={{ width: 220, background: "#1a1a1a", color: "#e3e3e3", padding: "16px 12px", flexShrink: 0 }}
      >
        <div style={{ fontWeight: 650, marginBottom: 4 }}>Chat Attribution</div>
        <div style={{ fontSize: 12, opacity: 0.7, marginBottom: 16 }}>{shop} · demo</div>
        <ul style={{ listStyle: "none", margin: 0, padding: 0 }}>
          {links.map((link) => (
            <li key={link.to}>
              <NavLink
                to={link.to}
                end
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
      <main style={{ flex: 1, minWidth: 0 }}>{children}</main>
    </div>
  );
}
