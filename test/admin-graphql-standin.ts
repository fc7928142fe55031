/**
 * A local stand-in for Shopify's Admin GraphQL endpoint (POST /admin/api/<version>/graphql.json), reached over
 * real HTTP with the access-token header, answering the order queries reconciliation makes from an in-memory
 * store, with Shopify's search filter on updated_at and cursor pagination.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { AdminGraphql } from "../app/domain/admin-graphql";
import type { GraphqlSubscription } from "../app/domain/billing/subscription.server";
import type { GraphqlOrder } from "../app/domain/orders/reconcile-orders.server";

export interface AdminStandIn {
  orders: GraphqlOrder[];
  /** The app's subscriptions on the shop, as `currentAppInstallation.activeSubscriptions` lists them. */
  subscriptions: GraphqlSubscription[];
  /** Every request answered: what it asked, with which access token, when (epoch ms). */
  requests: { operation: string; variables: Record<string, unknown>; accessToken: string; at: number }[];
  /** Answer every request with this HTTP status instead (e.g. 503 while Shopify is down). */
  failWith: number | null;
  /**
   * The app lacks protected-customer-data access: Shopify then answers `customer` as null with an ACCESS_DENIED
   * error per order beside the data (a partial answer, HTTP 200).
   */
  customerAccessDenied: boolean;
  admin: AdminGraphql;
  /** Where it listens, as an app's Admin API client is pointed at it. */
  endpoint: string;
  /** A client of the same endpoint presenting another access token (Shopify answers 401). */
  clientWithToken: (token: string) => AdminGraphql;
  close: () => Promise<void>;
}

/** `accessToken`: the token it accepts, or which tokens (one per shop, say). */
export async function startAdminStandIn(
  accessToken: string | ((token: string) => boolean) = "shpat_test",
  apiVersion = "2026-07",
): Promise<AdminStandIn> {
  const state: Pick<AdminStandIn, "orders" | "subscriptions" | "requests" | "failWith" | "customerAccessDenied"> = {
    orders: [],
    subscriptions: [],
    requests: [],
    failWith: null,
    customerAccessDenied: false,
  };
  const withoutCustomers = (nodes: GraphqlOrder[], path: (index: number) => (string | number)[]) =>
    state.customerAccessDenied
      ? {
          nodes: nodes.map((order) => ({ ...order, customer: null })),
          errors: nodes.map((_, index) => ({
            message:
              "Access denied for customer field. Required access: `read_customers` access scope and protected customer data access.",
            path: path(index),
            extensions: { code: "ACCESS_DENIED" },
          })),
        }
      : { nodes, errors: [] };
  const server: Server = createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const send = (status: number, body: unknown) => {
      response.writeHead(status, { "Content-Type": "application/json" });
      response.end(JSON.stringify(body));
    };
    if (request.method !== "POST" || request.url !== `/admin/api/${apiVersion}/graphql.json`)
      return send(404, { errors: "Not Found" });
    const token = String(request.headers["x-shopify-access-token"] ?? "");
    if (typeof accessToken === "string" ? token !== accessToken : !accessToken(token))
      return send(401, { errors: "[API] Invalid API key or access token" });
    if (state.failWith) return send(state.failWith, { errors: "Service unavailable" });
    const { query, variables = {} } = JSON.parse(Buffer.concat(chunks).toString("utf8")) as {
      query: string;
      variables?: Record<string, unknown>;
    };
    const operation = /query\s+(\w+)/.exec(query)?.[1] ?? "unknown";
    state.requests.push({ operation, variables, accessToken: token, at: Date.now() });
    if (operation === "OrdersUpdatedSince") {
      const since = /updated_at:>='([^']+)'/.exec(String(variables.query))?.[1];
      const matching = state.orders
        .filter((order) => !since || Date.parse(order.updatedAt) >= Date.parse(since))
        .sort((a, b) => Date.parse(a.updatedAt) - Date.parse(b.updatedAt));
      const start = variables.after ? Number(variables.after) : 0;
      const page = matching.slice(start, start + Number(variables.first));
      const end = start + page.length;
      const { nodes, errors } = withoutCustomers(page, (index) => ["orders", "nodes", index, "customer"]);
      const data = {
        orders: {
          pageInfo: { hasNextPage: end < matching.length, endCursor: page.length ? String(end) : null },
          nodes,
        },
      };
      return send(200, errors.length ? { data, errors } : { data });
    }
    if (operation === "ActiveSubscriptions")
      return send(200, { data: { currentAppInstallation: { activeSubscriptions: state.subscriptions } } });
    if (operation === "ReconciledOrderById") {
      const found = state.orders.filter((order) => order.id === variables.id);
      const { nodes, errors } = withoutCustomers(found, () => ["order", "customer"]);
      return send(200, errors.length ? { data: { order: nodes[0] }, errors } : { data: { order: nodes[0] ?? null } });
    }
    return send(200, { errors: [{ message: `the stand-in does not answer ${operation}` }] });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/admin/api/${apiVersion}/graphql.json`;
  const clientWithToken = (token: string): AdminGraphql => ({
    graphql: (query, options) =>
      fetch(endpoint, {
        method: "POST",
        headers: { "Content-Type": "application/json", "X-Shopify-Access-Token": token },
        body: JSON.stringify({ query, variables: options?.variables }),
      }),
  });
  return Object.assign(state, {
    admin: clientWithToken(typeof accessToken === "string" ? accessToken : "shpat_test"),
    endpoint,
    clientWithToken,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  });
}

/** A GraphQL order as the Admin API returns it for the reconciliation fragment. */
export function graphqlOrder(
  id: number,
  overrides: Partial<GraphqlOrder> & { amount?: string; currency?: string } = {},
): GraphqlOrder {
  const currency = overrides.currency ?? "EUR";
  const money = (amount: string) => ({ shopMoney: { amount, currencyCode: currency } });
  const amount = overrides.amount ?? "59.80";
  const at = new Date().toISOString();
  return {
    id: `gid://shopify/Order/${id}`,
    name: `#${id}`,
    createdAt: at,
    processedAt: at,
    updatedAt: at,
    test: false,
    displayFinancialStatus: "PAID",
    cancelledAt: null,
    currencyCode: currency,
    presentmentCurrencyCode: currency,
    totalPriceSet: money(amount),
    currentTotalPriceSet: money(amount),
    customAttributes: [],
    checkoutToken: `checkout-${id}`,
    cartToken: null,
    customer: null,
    refunds: [],
    lineItems: {
      nodes: [
        {
          id: `gid://shopify/LineItem/${id}1`,
          title: "Hydrating Face Cream",
          quantity: 1,
          product: { id: "gid://shopify/Product/8101" },
          variant: { id: "gid://shopify/ProductVariant/48101" },
          originalUnitPriceSet: money(amount),
          discountAllocations: [],
          customAttributes: [],
        },
      ],
    },
    ...overrides,
  };
}
