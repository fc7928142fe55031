import { useRevalidator } from "@remix-run/react";
import { Badge, BlockStack, Box, Button, Card, InlineStack, Link, Text } from "@shopify/polaris";
import { type ReactNode, useState } from "react";
import { Trans, useTranslation } from "react-i18next";

/**
 * Setup's "Connect your chat": what a chat vendor puts in its widget or backend, each snippet with a copy button, and
 * whether anything arrived yet (checked again on demand). The contracts are docs/event-protocol.md and the OpenAPI
 * document at /api/v1/openapi.json.
 */
export function ConnectChatGuide({
  appUrl,
  lastStorefrontEvent,
  lastApiKeyUse,
  when,
}: {
  appUrl: string;
  lastStorefrontEvent: string | null;
  lastApiKeyUse: string | null;
  when: (iso: string) => string;
}) {
  const revalidator = useRevalidator();
  const { t } = useTranslation();
  const widget = `window.chatAttribution = window.chatAttribution || [];
chatAttribution.push(["conversation_started", { conversationId: "c_8a3c", surface: "CHAT_WIDGET" }]);
chatAttribution.push(["message", { conversationId: "c_8a3c", role: "shopper", topic: "dry skin" }]);
chatAttribution.push(["message", { conversationId: "c_8a3c", role: "assistant", answerFound: true, productIds: ["632910392"] }]);
// An "Add to cart" button in the chat: adds through Shopify's cart and ties the line to the conversation.
const cart = await chatAttribution.push(["add_to_cart", { conversationId: "c_8a3c", variantId: "39072856", quantity: 1 }]);
// While an experiment runs: do not show the chat to a visitor whose arm says so.
const assignment = await chatAttribution.push(["assignment"]);
if (assignment && !assignment.showChat) hideChat();`;
  const server = `curl -X POST ${appUrl}/api/v1/events \\
  -H "Authorization: Bearer <key from Settings → API keys>" \\
  -H "Content-Type: application/json" -H "Idempotency-Key: sync-001" \\
  -d '{"events":[{"id":"m-1","type":"message","occurredAt":"2026-11-22T10:00:00Z","conversationId":"c_8a3c","role":"assistant","answerFound":true}]}'`;
  const links = `// In the widget: a link that brings the shopper back to this conversation, on any device.
const url = await chatAttribution.push(["link", { conversationId: "c_8a3c", url: "/products/hydrating-face-cream" }]);
// From a backend (e-mail, SMS): POST ${appUrl}/api/v1/links with the same key
//   {"conversationId": "c_8a3c", "url": "https://your-shop.com/products/hydrating-face-cream"}`;
  const received = (iso: string | null) =>
    iso ? (
      <Badge tone="success">{t("connect.lastReceived", { when: when(iso) })}</Badge>
    ) : (
      <Badge tone="attention">{t("connect.nothingYet")}</Badge>
    );
  return (
    <Card>
      <BlockStack gap="400">
        <InlineStack align="space-between" blockAlign="center">
          <Text as="h2" variant="headingMd">
            {t("connect.heading")}
          </Text>
          <Button onClick={() => revalidator.revalidate()} loading={revalidator.state === "loading"}>
            {t("connect.checkAgain")}
          </Button>
        </InlineStack>
        <Text as="p" tone="subdued">
          <Trans i18nKey="connect.intro" components={{ api: <Link url="/api/v1/openapi.json" target="_blank" /> }} />
        </Text>
        <Snippet title={t("connect.widget")} status={received(lastStorefrontEvent)} code={widget} id="widget" />
        <Snippet title={t("connect.server")} status={received(lastApiKeyUse)} code={server} id="server" />
        <Snippet title={t("connect.links")} code={links} id="links" />
      </BlockStack>
    </Card>
  );
}

function Snippet({ title, status, code, id }: { title: string; status?: ReactNode; code: string; id: string }) {
  const [copied, setCopied] = useState<"yes" | "no" | null>(null);
  const { t } = useTranslation();
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(code);
      setCopied("yes");
    } catch {
      // No clipboard (an insecure context, a refused permission): the code stays selectable.
      setCopied("no");
    }
  };
  return (
    <BlockStack gap="200">
      <InlineStack align="space-between" blockAlign="center" gap="200">
        <InlineStack gap="200" blockAlign="center">
          <Text as="h3" variant="headingSm">
            {title}
          </Text>
          {status}
        </InlineStack>
        <Button onClick={copy} accessibilityLabel={t("connect.copyLabel", { title })}>
          {copied === "yes" ? t("connect.copied") : copied === "no" ? t("connect.selectAndCopy") : t("connect.copy")}
        </Button>
      </InlineStack>
      <Box background="bg-surface-secondary" padding="300" borderRadius="200">
        {/* Long lines wrap rather than scroll: every character stays in view without a scrollable region. */}
        <pre
          data-snippet={id}
          style={{ margin: 0, whiteSpace: "pre-wrap", overflowWrap: "anywhere", fontSize: 12, lineHeight: 1.5 }}
        >
          <code>{code}</code>
        </pre>
      </Box>
    </BlockStack>
  );
}
