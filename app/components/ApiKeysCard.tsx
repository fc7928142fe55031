import { useFetcher } from "@remix-run/react";
import { Badge, Banner, BlockStack, Box, Button, Card, InlineStack, Text, TextField } from "@shopify/polaris";
import { useEffect, useState } from "react";
import type { ApiKeySummary, CreatedApiKey } from "../domain/api-keys/api-keys.server";
import { formatDateTime } from "../lib/format";
import { Trans, useTranslation } from "react-i18next";

export type ApiKeyActionResult =
  | { ok: true; created: CreatedApiKey }
  | { ok: true; revoked: string }
  | { ok: false; errors: Record<string, string> };

/** One key in the list: prefix only (the rest was shown once), dates, and revoke with a confirmation step. */
function ApiKeyRow({ apiKey, timezone, locale }: { apiKey: ApiKeySummary; timezone: string; locale: string }) {
  const fetcher = useFetcher<ApiKeyActionResult>();
  const { t } = useTranslation();
  const [confirming, setConfirming] = useState(false);
  const revoked = apiKey.revokedAt !== null;
  return (
    <li
      data-api-key={apiKey.prefix}
      style={{
        listStyle: "none",
        borderTop: "1px solid var(--p-color-border-secondary)",
        paddingTop: "var(--p-space-200)",
      }}
    >
      <InlineStack align="space-between" blockAlign="center" gap="200">
        <BlockStack gap="050" inlineAlign="start">
          <InlineStack gap="200" blockAlign="center">
            <Text as="span" fontWeight="semibold">
              {apiKey.name}
            </Text>
            {revoked ? (
              <Badge tone="critical">{t("apiKeys.revoked")}</Badge>
            ) : (
              <Badge tone="success">{t("apiKeys.active")}</Badge>
            )}
          </InlineStack>
          <Text as="span" tone="subdued" variant="bodySm">
            <code>{apiKey.prefix}…</code> ·{" "}
            {t("apiKeys.created", { when: formatDateTime(apiKey.createdAt, timezone, locale) })} ·{" "}
            {apiKey.lastUsedAt
              ? t("apiKeys.lastUsed", { when: formatDateTime(apiKey.lastUsedAt, timezone, locale) })
              : t("apiKeys.neverUsed")}
            {revoked
              ? ` · ${t("apiKeys.revokedAt", { when: formatDateTime(apiKey.revokedAt!, timezone, locale) })}`
              : ""}
          </Text>
        </BlockStack>
        {revoked ? null : confirming ? (
          <fetcher.Form method="post">
            <input type="hidden" name="intent" value="revoke-api-key" />
            <input type="hidden" name="id" value={apiKey.id} />
            <InlineStack gap="200">
              <Button onClick={() => setConfirming(false)}>{t("apiKeys.cancel")}</Button>
              <Button submit tone="critical" variant="primary" loading={fetcher.state !== "idle"}>
                {t("apiKeys.revokeKey")}
              </Button>
            </InlineStack>
          </fetcher.Form>
        ) : (
          <Button
            tone="critical"
            variant="plain"
            onClick={() => setConfirming(true)}
            accessibilityLabel={t("apiKeys.revokeNamed", { name: apiKey.name })}
          >
            {t("apiKeys.revoke")}
          </Button>
        )}
      </InlineStack>
    </li>
  );
}

/**
 * Keys for the server-side events API (POST /api/v1/events). A new key is shown once, right after it is
 * created: the app keeps only its hash, so it cannot be shown again.
 */
export function ApiKeysCard({ keys, timezone, locale }: { keys: ApiKeySummary[]; timezone: string; locale: string }) {
  const fetcher = useFetcher<ApiKeyActionResult>();
  const { t } = useTranslation();
  const [name, setName] = useState("");
  const [copied, setCopied] = useState(false);
  const created = fetcher.data?.ok && "created" in fetcher.data ? fetcher.data.created : null;
  const error = fetcher.data && !fetcher.data.ok ? fetcher.data.errors.name : undefined;
  useEffect(() => {
    if (created) {
      setName("");
      setCopied(false);
    }
  }, [created]);
  return (
    <Card>
      <BlockStack gap="300">
        <Text as="h2" variant="headingMd">
          {t("apiKeys.heading")}
        </Text>
        <Text as="p" tone="subdued">
          <Trans
            i18nKey="apiKeys.intro"
            values={{ endpoint: "POST /api/v1/events", header: "Authorization: Bearer <key>" }}
            components={{
              code: <code />,
              doc: (
                // biome-ignore lint/a11y/useAnchorContent: Trans puts the link's text inside.
                <a href="/api/v1/openapi.json" target="_blank" rel="noreferrer" />
              ),
            }}
          />
        </Text>
        {created ? (
          <Banner tone="success" title={t("apiKeys.createdBanner", { name: created.name })}>
            <BlockStack gap="200" inlineAlign="stretch">
              <Text as="p">{t("apiKeys.copyNow")}</Text>
              <Box padding="200" background="bg-surface" borderRadius="200">
                <code title={t("apiKeys.newKey")} data-new-api-key style={{ wordBreak: "break-all" }}>
                  {created.key}
                </code>
              </Box>
              <InlineStack>
                <Button onClick={() => navigator.clipboard?.writeText(created.key).then(() => setCopied(true))}>
                  {copied ? t("connect.copied") : t("apiKeys.copyKey")}
                </Button>
              </InlineStack>
            </BlockStack>
          </Banner>
        ) : null}
        <fetcher.Form method="post">
          <input type="hidden" name="intent" value="create-api-key" />
          <InlineStack gap="200" blockAlign="end" wrap={false}>
            <div style={{ flex: 1 }}>
              <TextField
                label={t("apiKeys.name")}
                name="name"
                value={name}
                onChange={setName}
                autoComplete="off"
                placeholder={t("apiKeys.namePlaceholder")}
                error={error}
              />
            </div>
            <Button submit loading={fetcher.state !== "idle"}>
              {t("apiKeys.create")}
            </Button>
          </InlineStack>
        </fetcher.Form>
        {keys.length === 0 ? (
          <Text as="p" tone="subdued">
            {t("apiKeys.none")}
          </Text>
        ) : (
          <ul
            style={{ margin: 0, padding: 0, display: "grid", gap: "var(--p-space-200)" }}
            aria-label={t("apiKeys.heading")}
          >
            {keys.map((apiKey) => (
              <ApiKeyRow key={apiKey.id} apiKey={apiKey} timezone={timezone} locale={locale} />
            ))}
          </ul>
        )}
      </BlockStack>
    </Card>
  );
}
