/**
 * Revenue by chat variant (attribution-spec.md, "Revenue by chat variant"): for each variant the chat reported on
 * conversation_started (and for conversations without one), the conversations started in the range, how many of them
 * qualified, and the counted led and assisted orders of the range credited to a conversation of that variant. Works
 * with or without an experiment: the variant is the chat's word. Insights and GET /api/reports/variants both render
 * `loadVariantsReport`.
 */
import { Prisma, type Shop } from "@prisma/client";
import type { DbTx } from "../../db.server";
import type { Surface } from "../attribution/engine";
import { formatMoney, parseMoney } from "../money";
import type { Day } from "./date-range";
import type { ReportQuery } from "./report-query";
import { countedAttributed, inRange, qualifyingAnswer, surfaceIs } from "./report-sql.server";

export interface VariantFigures {
  /** null: conversations whose chat reported no variant. */
  variant: string | null;
  conversations: number;
  qualifiedConversations: number;
  led: { orders: number; netRevenue: string };
  assisted: { orders: number; netRevenue: string };
  attributed: { orders: number; netRevenue: string };
  /** Attributed net revenue ÷ conversations started; null when none started in the range. */
  revenuePerConversation: string | null;
}

export interface VariantsReport {
  shop: string;
  currency: string;
  timezone: string;
  surface: Surface | null;
  range: { from: Day; to: Day; days: number };
  /** Variants by attributed net revenue, highest first; conversations without a variant last. */
  variants: VariantFigures[];
}

type ReportShop = Pick<Shop, "id" | "domain" | "currency" | "requireAnswerFound">;

export async function loadVariantsReport(db: DbTx, shop: ReportShop, query: ReportQuery): Promise<VariantsReport> {
  const { range, surface } = query;
  const [started, credited] = await Promise.all([
    db.$queryRaw<{ variant: string | null; conversations: number; qualified: number }[]>`
      SELECT c.variant, count(*)::int AS conversations,
             (count(*) FILTER (WHERE EXISTS (SELECT 1 FROM "Touchpoint" t WHERE t."conversationId" = c.id AND ${qualifyingAnswer(shop)})))::int AS qualified
      FROM "Conversation" c
      WHERE c."shopId" = ${shop.id}::uuid AND ${inRange(Prisma.sql`c."startedAt"`, range)}
        ${surfaceIs(Prisma.sql`c.surface`, surface)}
      GROUP BY c.variant`,
    db.$queryRaw<{ variant: string | null; class: "LED" | "ASSISTED"; orders: number; net: string }[]>`
      SELECT c.variant, a.classification::text AS class, count(*)::int AS orders,
             coalesce(sum(o."netAmount"), 0)::text AS net
      FROM "Order" o
        JOIN "Attribution" a ON a."orderId" = o.id AND ${countedAttributed}
        JOIN "Conversation" c ON c.id = a."conversationId"
      WHERE o."shopId" = ${shop.id}::uuid AND ${inRange(Prisma.sql`o."processedAt"`, range)}
        ${surfaceIs(Prisma.sql`a.surface`, surface)}
      GROUP BY c.variant, a.classification`,
  ]);
  const byVariant = new Map<
    string | null,
    { conversations: number; qualified: number; led: [number, bigint]; assisted: [number, bigint] }
  >();
  const entry = (variant: string | null) => {
    let figures = byVariant.get(variant);
    if (!figures) {
      figures = { conversations: 0, qualified: 0, led: [0, 0n], assisted: [0, 0n] };
      byVariant.set(variant, figures);
    }
    return figures;
  };
  for (const row of started)
    Object.assign(entry(row.variant), { conversations: row.conversations, qualified: row.qualified });
  for (const row of credited)
    entry(row.variant)[row.class === "LED" ? "led" : "assisted"] = [row.orders, parseMoney(row.net) ?? 0n];

  const variants = [...byVariant].map(([variant, figures]): VariantFigures & { net: bigint } => {
    const net = figures.led[1] + figures.assisted[1];
    return {
      variant,
      conversations: figures.conversations,
      qualifiedConversations: figures.qualified,
      led: { orders: figures.led[0], netRevenue: formatMoney(figures.led[1]) },
      assisted: { orders: figures.assisted[0], netRevenue: formatMoney(figures.assisted[1]) },
      attributed: { orders: figures.led[0] + figures.assisted[0], netRevenue: formatMoney(net) },
      revenuePerConversation: figures.conversations > 0 ? formatMoney(net / BigInt(figures.conversations)) : null,
      net,
    };
  });
  variants.sort(
    (a, b) =>
      Number(a.variant === null) - Number(b.variant === null) ||
      (b.net > a.net ? 1 : b.net < a.net ? -1 : 0) ||
      (a.variant ?? "").localeCompare(b.variant ?? ""),
  );
  return {
    shop: shop.domain,
    currency: shop.currency,
    timezone: range.timezone,
    surface,
    range: { from: range.from, to: range.to, days: range.days.length },
    variants: variants.map(({ net: _net, ...figures }) => figures),
  };
}
