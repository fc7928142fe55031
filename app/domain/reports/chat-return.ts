/**
 * What the chat returned for what it cost over a report's range (attribution-spec.md, "Return on the chat's cost").
 * The monthly cost is prorated by calendar day in the shop's zone (a day of a 30-day month costs a thirtieth of its
 * month), the per-conversation cost is charged on conversations started in the range. Pure, exact money.
 */
import { formatMoney, type Money } from "../money";
import type { Day } from "./date-range";

export interface ChatCosts {
  monthly: Money | null;
  perConversation: Money | null;
  /** 0–100 with up to 2 places, as stored; null when the merchant has not said. */
  grossMarginPercent: string | null;
}

export interface ChatReturn {
  /** The range's cost; null until the merchant says what the chat costs (Settings). */
  cost: string | null;
  /** The monthly amount's share of the range, and the per-conversation part; each null when that cost is not set. */
  monthlyPart: string | null;
  conversationPart: string | null;
  /** Conversations started in the range, counted only when a per-conversation cost is set. */
  conversations: number | null;
  attributedNetRevenue: string;
  /** Attributed net revenue ÷ cost, to 2 places; null without a cost, or with a cost of 0. */
  revenuePerCost: number | null;
  grossMarginPercent: number | null;
  /** Attributed net revenue × margin − cost; null without both a margin and a cost. */
  profitAfterCost: string | null;
}

const daysInMonth = (year: number, month: number) => new Date(Date.UTC(year, month, 0)).getUTCDate();

/** `monthly` prorated over the given local days: Σ over months of monthly × days of the range in it ÷ days in it. */
export function proratedMonthlyCost(monthly: Money, days: Day[]): Money {
  const perMonth = new Map<string, number>();
  for (const day of days) perMonth.set(day.slice(0, 7), (perMonth.get(day.slice(0, 7)) ?? 0) + 1);
  let total = 0n;
  for (const [month, count] of perMonth) {
    const length = BigInt(daysInMonth(Number(month.slice(0, 4)), Number(month.slice(5, 7))));
    total += (monthly * BigInt(count) + length / 2n) / length; // half-up at 1/10,000 of the currency unit
  }
  return total;
}

/** Margin in hundredths of a percent (for exact arithmetic), from the stored decimal. */
const marginBasisPoints = (percent: string) => Math.round(Number(percent) * 100);

export function chatReturnOf(input: {
  costs: ChatCosts;
  days: Day[];
  conversations: number | null;
  attributedNet: Money;
}): ChatReturn {
  const { costs, days, attributedNet } = input;
  const monthlyPart = costs.monthly === null ? null : proratedMonthlyCost(costs.monthly, days);
  const conversations = costs.perConversation === null ? null : (input.conversations ?? 0);
  const conversationPart = costs.perConversation === null ? null : costs.perConversation * BigInt(conversations ?? 0);
  const cost =
    monthlyPart === null && conversationPart === null ? null : (monthlyPart ?? 0n) + (conversationPart ?? 0n);
  const margin = costs.grossMarginPercent === null ? null : marginBasisPoints(costs.grossMarginPercent);
  const grossProfit = margin === null ? null : (attributedNet * BigInt(margin) + 5_000n) / 10_000n;
  return {
    cost: cost === null ? null : formatMoney(cost),
    monthlyPart: monthlyPart === null ? null : formatMoney(monthlyPart),
    conversationPart: conversationPart === null ? null : formatMoney(conversationPart),
    conversations,
    attributedNetRevenue: formatMoney(attributedNet),
    revenuePerCost: cost !== null && cost > 0n ? Number((attributedNet * 100n + cost / 2n) / cost) / 100 : null,
    grossMarginPercent: margin === null ? null : margin / 100,
    profitAfterCost: grossProfit === null || cost === null ? null : formatMoney(grossProfit - cost),
  };
}
