/**
 * The attribution engine: a pure function from one order, the conversations that might have earned it,
 * and the shop's settings to a classification with its evidence. The rules are
 * docs/attribution-spec.md ("Evidence", "Classification", "Explanation"); nothing here reads a
 * database or a clock.
 */
import { LRUCache } from "lru-cache";
import { formatMoney, parseMoney } from "../money";

export type Surface = "CHAT_WIDGET" | "FAQ" | "NUDGE_CLICK";
export type Classification = "LED" | "ASSISTED" | "UNATTRIBUTED";
export type ExclusionReason = "TEST" | "OUTLIER" | "UNVERIFIED";
export type DeterministicLink = "CART_ATTRIBUTE" | "LINE_ITEM_PROPERTY" | "CHECKOUT_TOKEN" | "CART_TOKEN" | "LINK";
export type IdentityLink = "CUSTOMER_ID" | "EMAIL";
export type MatchedBy = DeterministicLink | IdentityLink;

/** Strongest first: the engine reports the strongest link it used. */
export const LINK_STRENGTH: readonly MatchedBy[] = [
  "CART_ATTRIBUTE",
  "LINE_ITEM_PROPERTY",
  // The click ties the landing visitor's cart to the conversation; the tokens of that cart follow from it.
  "LINK",
  "CHECKOUT_TOKEN",
  "CART_TOKEN",
  "CUSTOMER_ID",
  "EMAIL",
];
const DETERMINISTIC = new Set<MatchedBy>([
  "CART_ATTRIBUTE",
  "LINE_ITEM_PROPERTY",
  "CHECKOUT_TOKEN",
  "CART_TOKEN",
  "LINK",
]);
/** Evidence the order carries itself (attribution-spec.md, "Evidence" 1–3), as opposed to an identity match. */
export const isDeterministic = (by: MatchedBy) => DETERMINISTIC.has(by);

export interface AttributionSettings {
  ledWindowHours: number;
  assistedWindowDays: number;
  requireAnswerFound: boolean;
  countTestOrders: boolean;
  /** Decimal string in shop currency. */
  maxOrderValue: string;
}

export const DEFAULT_SETTINGS: AttributionSettings = {
  ledWindowHours: 24,
  assistedWindowDays: 7,
  requireAnswerFound: true,
  countTestOrders: false,
  maxOrderValue: "1000000",
};

export interface EngineOrder {
  name: string;
  /** processed_at, falling back to created_at. */
  orderTime: Date;
  test: boolean;
  verified: boolean;
  /** Shop-money gross as a decimal string; null when only the pixel reported the order. */
  grossAmount: string | null;
  currency: string;
  /** When the app first heard of the order; storefront evidence received later never counts for it. */
  receivedAt?: Date | null;
  /** The shop's IANA zone: the times the evidence steps name are the shop's local times (UTC when not given). */
  timezone?: string;
}

export interface EngineTouch {
  kind: "SHOPPER_MESSAGE" | "ASSISTANT_ANSWER";
  answerFound: boolean | null;
  occurredAt: Date;
  /** When a storefront (browser-sent) event reached the app; null for the authenticated server API. */
  receivedAt?: Date | null;
}

export interface EngineCartEvent {
  type: "ITEM_ADDED" | "QUANTITY_INCREASED" | "QUANTITY_DECREASED" | "ITEM_REMOVED";
  occurredAt: Date;
  /** Added from a chat product card. */
  fromChat: boolean;
  /** Recorded with this conversation (as opposed to only by the same visitor). */
  inConversation: boolean;
  /** As for touches. */
  receivedAt?: Date | null;
}

export interface CandidateConversation {
  id: string;
  externalId: string;
  surface: Surface;
  /**
   * How the order names this conversation, e.g. the value of `_chat_session_id` it carries. A link with `refused`
   * is evidence that does not hold (a stamp from another visitor's cart, say): shown in the steps, never credited.
   */
  links: { by: MatchedBy; detail: string; refused?: string }[];
  touches: EngineTouch[];
  cartEvents: EngineCartEvent[];
}

export interface EvidenceStep {
  text: string;
}

export interface AttributionResult {
  classification: Classification;
  conversationId: string | null;
  conversationExternalId: string | null;
  surface: Surface | null;
  matchedBy: MatchedBy | null;
  minutesFromLastTouch: number | null;
  excludedReason: ExclusionReason | null;
  steps: string[];
  settings: AttributionSettings;
}

const MINUTE = 60_000;
const SURFACE_LABEL: Record<Surface, string> = { CHAT_WIDGET: "chat widget", FAQ: "FAQ", NUDGE_CLICK: "nudge" };

/** A qualifying touch (attribution-spec.md, "Words"); reports use it too, so the two can never disagree. */
export function isQualifying(
  touch: Pick<EngineTouch, "kind" | "answerFound">,
  settings: Pick<AttributionSettings, "requireAnswerFound">,
): boolean {
  if (touch.kind !== "ASSISTANT_ANSWER") return false;
  return settings.requireAnswerFound ? touch.answerFound === true : true;
}

function exclusionFor(order: EngineOrder, settings: AttributionSettings): ExclusionReason | null {
  if (!order.verified) return "UNVERIFIED";
  if (order.test && !settings.countTestOrders) return "TEST";
  const gross = parseMoney(order.grossAmount);
  const max = parseMoney(settings.maxOrderValue);
  if (gross === null || gross < 0n || (max !== null && gross > max)) return "OUTLIER";
  return null;
}

const QUARTER_HOUR_MS = 15 * 60_000;
const zoneFormats = new Map<string, Intl.DateTimeFormat>();
/**
 * Each zone's reading of a quarter hour: its day, month and hour, the minute it starts at, the zone's short name.
 * Every offset in use is a multiple of 15 minutes, so within a quarter hour only the minute moves. Bounded: about
 * three years of quarters for one zone.
 */
const quarterReadings = new LRUCache<string, { head: string; minute: number; zone: string }>({ max: 100_000 });

function quarterReading(quarter: number, timezone: string) {
  const key = `${timezone} ${quarter}`;
  let reading = quarterReadings.get(key);
  if (!reading) {
    let format = zoneFormats.get(timezone);
    if (!format) {
      format = new Intl.DateTimeFormat("en-GB", {
        timeZone: timezone,
        day: "numeric",
        month: "short",
        hour: "2-digit",
        minute: "2-digit",
        hourCycle: "h23",
        timeZoneName: "short",
      });
      zoneFormats.set(timezone, format);
    }
    const parts = Object.fromEntries(format.formatToParts(quarter).map((part) => [part.type, part.value]));
    reading = {
      head: `${parts.day} ${parts.month}, ${parts.hour}:`,
      minute: Number(parts.minute),
      zone: parts.timeZoneName,
    };
    quarterReadings.set(key, reading);
  }
  return reading;
}

/**
 * "22 Nov, 01:04 CET": a step's time with its date, in the shop's zone, as the merchant reads the order. Intl is
 * asked once per zone and quarter hour: formatting every step through it made the engine three times slower.
 */
export function localTime(date: Date, timezone = "UTC"): string {
  const instant = Math.floor(date.getTime() / 60_000) * 60_000;
  const quarter = Math.floor(instant / QUARTER_HOUR_MS) * QUARTER_HOUR_MS;
  const reading = quarterReading(quarter, timezone);
  const minute = reading.minute + (instant - quarter) / 60_000;
  return `${reading.head}${String(minute).padStart(2, "0")} ${reading.zone}`;
}

function describeDuration(minutes: number): string {
  if (minutes < 120) return `${minutes} minute${minutes === 1 ? "" : "s"}`;
  if (minutes < 48 * 60) return `${Math.floor(minutes / 60)} hours ${minutes % 60} minutes`;
  return `${Math.floor(minutes / 1440)} days ${Math.floor((minutes % 1440) / 60)} hours`;
}

interface Evaluated {
  candidate: CandidateConversation;
  strongest: MatchedBy;
  deterministic: boolean;
  qualifying: Date[];
  lastQualifying: Date | null;
  ageMinutes: number | null;
}

/**
 * Whether an event can count for the order at all: it happened by the order time, and, sent by a browser, it
 * reached the app no later than the order did — evidence never rewrites the past (attribution-spec.md, "Time").
 */
function before(event: { occurredAt: Date; receivedAt?: Date | null }, order: EngineOrder): boolean {
  if (event.occurredAt.getTime() > order.orderTime.getTime()) return false;
  return !event.receivedAt || !order.receivedAt || event.receivedAt.getTime() <= order.receivedAt.getTime();
}

function evaluate(
  candidate: CandidateConversation,
  order: EngineOrder,
  settings: AttributionSettings,
): Evaluated | null {
  if (candidate.links.length === 0) return null;
  const orderTime = order.orderTime;
  const strongest = [...candidate.links].sort((a, b) => LINK_STRENGTH.indexOf(a.by) - LINK_STRENGTH.indexOf(b.by))[0]
    .by;
  // Touches after the order never count.
  const qualifying = candidate.touches
    .filter((touch) => before(touch, order) && isQualifying(touch, settings))
    .map((touch) => touch.occurredAt)
    .sort((a, b) => a.getTime() - b.getTime());
  const lastQualifying = qualifying.at(-1) ?? null;
  return {
    candidate,
    strongest,
    deterministic: DETERMINISTIC.has(strongest),
    qualifying,
    lastQualifying,
    ageMinutes: lastQualifying ? Math.floor((orderTime.getTime() - lastQualifying.getTime()) / MINUTE) : null,
  };
}

/** The time of a conversation's first qualifying touch at or after `start` (touches are sorted), if any. */
function firstQualifyingFrom(e: Evaluated, start: number): number | undefined {
  return e.qualifying.find((t) => t.getTime() >= start)?.getTime();
}

/**
 * First-touch priority: the conversation whose first qualifying touch inside the window came earliest (ties by
 * external id). Total: a candidate with no touch inside the window ranks last, it never throws.
 */
function firstInside(candidates: Evaluated[], windowStart: number): Evaluated | undefined {
  const ranked = candidates.map((e) => ({ e, first: firstQualifyingFrom(e, windowStart) ?? Number.POSITIVE_INFINITY }));
  ranked.sort((a, b) =>
    a.first < b.first ? -1 : a.first > b.first ? 1 : a.e.candidate.externalId.localeCompare(b.e.candidate.externalId),
  );
  return ranked[0]?.e;
}

export function attributeOrder(
  order: EngineOrder,
  candidates: CandidateConversation[],
  settings: AttributionSettings,
): AttributionResult {
  const orderTime = order.orderTime.getTime();
  const ledStart = orderTime - settings.ledWindowHours * 60 * MINUTE;
  const assistedStart = orderTime - settings.assistedWindowDays * 24 * 60 * MINUTE;
  const excludedReason = exclusionFor(order, settings);
  const steps: string[] = [];
  const refusedSteps = candidates.flatMap((c) =>
    c.links.filter((l) => l.refused).map((l) => `Order ${order.name} ${l.detail} — not counted: ${l.refused}.`),
  );
  const usable = candidates.map((c) => ({ ...c, links: c.links.filter((l) => !l.refused) }));
  const evaluated = usable.map((c) => evaluate(c, order, settings)).filter((e): e is Evaluated => e !== null);
  const qualified = evaluated.filter((e) => e.lastQualifying !== null);
  steps.push(...refusedSteps);

  for (const e of evaluated) {
    const link = e.candidate.links.find((l) => l.by === e.strongest)!;
    steps.push(`Order ${order.name} ${link.detail}.`);
  }

  // Each class is chosen by the same test firstInside ranks by: a qualifying touch inside its window.
  const inside = (e: Evaluated, start: number) => firstQualifyingFrom(e, start) !== undefined;
  const deterministic = qualified.filter((e) => e.deterministic);
  const led = deterministic.filter((e) => inside(e, ledStart));
  const assistedDeterministic = deterministic.filter((e) => !inside(e, ledStart) && inside(e, assistedStart));
  const chatAddInWindow = (e: Evaluated) =>
    e.candidate.cartEvents.find(
      (event) =>
        (event.type === "ITEM_ADDED" || event.type === "QUANTITY_INCREASED") &&
        (event.inConversation || event.fromChat) &&
        before(event, order) &&
        event.occurredAt.getTime() >= assistedStart,
    );
  // An identity match needs the conversation's qualifying touch inside the assisted window as well as the add
  // (attribution-spec.md, "Classification" 2b): a chat that qualified before the window earns nothing.
  const assistedIdentity = qualified.filter((e) => !e.deterministic && inside(e, assistedStart) && chatAddInWindow(e));

  let classification: Classification = "UNATTRIBUTED";
  let credited: Evaluated | undefined;
  if (led.length > 0) {
    classification = "LED";
    credited = firstInside(led, ledStart);
  } else if (assistedDeterministic.length > 0) {
    classification = "ASSISTED";
    credited = firstInside(assistedDeterministic, assistedStart);
  } else if (assistedIdentity.length > 0) {
    classification = "ASSISTED";
    credited = firstInside(assistedIdentity, assistedStart);
  }

  if (credited) {
    const c = credited.candidate;
    steps.push(
      `Conversation ${c.externalId} (${SURFACE_LABEL[c.surface]}) had ${credited.qualifying.length} qualifying answer${credited.qualifying.length === 1 ? "" : "s"}, the last at ${localTime(credited.lastQualifying!, order.timezone)}.`,
    );
    if (classification === "LED") {
      steps.push(
        `The order was placed ${describeDuration(credited.ageMinutes!)} later — inside the ${settings.ledWindowHours}-hour led window.`,
      );
    } else if (credited.deterministic) {
      steps.push(
        `The order was placed ${describeDuration(credited.ageMinutes!)} later — past the ${settings.ledWindowHours}-hour led window, inside the ${settings.assistedWindowDays}-day assisted window.`,
      );
    } else {
      const add = chatAddInWindow(credited)!;
      steps.push(
        `The same shopper added to cart from this chat at ${localTime(add.occurredAt, order.timezone)}, inside the ${settings.assistedWindowDays}-day assisted window.`,
      );
    }
    // The credited one came first inside its window; the others inside it came later.
    const windowStart = classification === "LED" ? ledStart : assistedStart;
    const others = qualified.filter((e) => e !== credited && inside(e, windowStart)).length;
    if (others > 0)
      steps.push(
        `${others} other qualifying conversation${others === 1 ? "" : "s"} came later: first touch gets the credit.`,
      );
  } else if (evaluated.length === 0) {
    if (refusedSteps.length === 0)
      steps.push(`Order ${order.name} carries no chat session and matches no chat shopper.`);
  } else {
    for (const e of evaluated) {
      const c = e.candidate;
      if (!e.lastQualifying) {
        steps.push(
          `Conversation ${c.externalId} had no qualifying answer before the order${settings.requireAnswerFound ? " (an answer must have found what the shopper asked for)" : ""}.`,
        );
      } else if (e.deterministic || !inside(e, assistedStart)) {
        steps.push(
          `Conversation ${c.externalId}'s last qualifying answer was ${describeDuration(e.ageMinutes!)} before the order — outside the ${settings.assistedWindowDays}-day assisted window.`,
        );
      } else {
        steps.push(
          `Conversation ${c.externalId} matched the shopper by identity only, with no chat add-to-cart in the ${settings.assistedWindowDays}-day window.`,
        );
      }
    }
  }

  const label = { LED: "Led", ASSISTED: "Assisted", UNATTRIBUTED: "Unattributed" }[classification];
  steps.push(`→ ${label}.`);
  if (excludedReason) {
    const why = {
      TEST: "it is a test order",
      OUTLIER: `its value (${order.grossAmount ?? "unknown"} ${order.currency}) is not a number between 0 and ${formatMoney(parseMoney(settings.maxOrderValue) ?? 0n)}`,
      UNVERIFIED: "only the web pixel has reported it; no Shopify webhook has confirmed it yet",
    }[excludedReason];
    steps.push(`Excluded from totals: ${why}.`);
  }

  return {
    classification,
    conversationId: credited?.candidate.id ?? null,
    conversationExternalId: credited?.candidate.externalId ?? null,
    surface: credited?.candidate.surface ?? null,
    matchedBy: credited?.strongest ?? null,
    minutesFromLastTouch: credited?.ageMinutes ?? null,
    excludedReason,
    steps,
    settings,
  };
}
