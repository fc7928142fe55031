/**
 * Shopify's Admin GraphQL API as far as the app's own installation goes: `currentAppInstallation { id }` and its
 * `activeSubscriptions` (the demo shop on a test trial of Pro, as App Pricing would report it), and `metafieldsSet`
 * and `metafieldsDelete` on that installation, answered over real HTTP at
 * POST /admin/api/<version>/graphql.json to a client presenting the access token. The simulator keeps what is set
 * and renders the embed's Liquid with it (`app.metafields`), as Shopify does.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { GraphqlSubscription } from "../../domain/billing/subscription.server";
import { graphqlRequestOf } from "./graphql-request";

export const ADMIN_API_VERSION = "2026-07";
export const ADMIN_API_PATH = `/admin/api/${ADMIN_API_VERSION}/graphql.json`;
export const DEMO_APP_INSTALLATION_ID = "gid://shopify/AppInstallation/1001";

/** The installation's metafields: `namespace.key` → { type, value }. */
export type AppMetafieldStore = Map<string, { namespace: string; key: string; type: string; value: string }>;

interface MetafieldInput {
  ownerId?: string;
  namespace?: string;
  key?: string;
  type?: string;
  value?: string;
}

/** The demo shop's subscription as of `now`: a test charge of Pro, chosen three days before, in its 14-day trial. */
export function demoSubscription(now: Date): GraphqlSubscription {
  const since = new Date(now.getTime() - 3 * 86_400_000);
  return {
    id: "gid://shopify/AppSubscription/2001",
    name: "Pro",
    status: "ACTIVE",
    test: true,
    trialDays: 14,
    createdAt: since.toISOString(),
    currentPeriodEnd: new Date(since.getTime() + 44 * 86_400_000).toISOString(),
    lineItems: [
      {
        plan: {
          pricingDetails: {
            __typename: "AppRecurringPricing",
            interval: "EVERY_30_DAYS",
            price: { amount: "29.0", currencyCode: "USD" },
          },
        },
      },
    ],
  };
}

export async function answerAdminApi(
  request: IncomingMessage,
  response: ServerResponse,
  body: Buffer,
  store: AppMetafieldStore,
  accessToken: string,
  subscriptions: GraphqlSubscription[] = [],
): Promise<void> {
  const graphql = graphqlRequestOf<{ metafields: MetafieldInput[] }>(request, response, body, {
    header: "x-shopify-access-token",
    value: accessToken,
  });
  if (!graphql) return;
  const { send, query, variables } = graphql;
  if (/\bactiveSubscriptions\b/.test(query))
    return send(200, { data: { currentAppInstallation: { activeSubscriptions: subscriptions } } });
  if (/\bcurrentAppInstallation\b/.test(query))
    return send(200, { data: { currentAppInstallation: { id: DEMO_APP_INSTALLATION_ID } } });
  const inputs = variables.metafields ?? [];
  // Another owner than the installation is out of the stand-in's (and this app's) business.
  const foreign = inputs.findIndex(
    (input) => input.ownerId !== DEMO_APP_INSTALLATION_ID || !input.namespace || !input.key,
  );
  const userErrors =
    foreign >= 0 ? [{ field: ["metafields", String(foreign), "ownerId"], message: "Owner does not exist." }] : [];
  if (/\bmetafieldsSet\b/.test(query)) {
    for (const input of inputs) {
      if (input.type !== "json")
        userErrors.push({ field: ["metafields", "type"], message: "The stand-in keeps json only." });
      else
        try {
          JSON.parse(input.value ?? "");
        } catch {
          userErrors.push({ field: ["metafields", "value"], message: "Value is invalid JSON." });
        }
    }
    if (userErrors.length === 0)
      for (const { namespace, key, type, value } of inputs)
        store.set(`${namespace}.${key}`, { namespace: namespace!, key: key!, type: type!, value: value! });
    return send(200, {
      data: {
        metafieldsSet: { metafields: userErrors.length ? null : inputs.map((_, i) => ({ id: `m${i}` })), userErrors },
      },
    });
  }
  if (/\bmetafieldsDelete\b/.test(query)) {
    const deleted = userErrors.length
      ? null
      : inputs.map(({ namespace, key, ownerId }) =>
          store.delete(`${namespace}.${key}`) ? { namespace, key, ownerId } : null,
        );
    return send(200, { data: { metafieldsDelete: { deletedMetafields: deleted, userErrors } } });
  }
  return send(200, { errors: [{ message: "the stand-in answers app-data metafield operations only" }] });
}
