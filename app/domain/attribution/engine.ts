/**
 * The attribution engine: a pure function from one order, the conversations that might have earned it,
 * and the shop's settings to a classification with its evidence. The rules are
 * docs/attribution-spec.md ("Evidence", "Classification", "Explanation"); nothing here reads a
 * database or a clock.
 */
import { LRUCache } from "lru-cache";
import { formatMoney, parseMoney } from "../money";
import { i18nFor } from "../../i18n/i18n";
import { STEP_TIME_FORMAT } from "../../lib/format";
import { type EvidencePhrase, phrase, renderEvidence } from "./evidence-text";

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
  links: { by: MatchedBy; detail: EvidencePhrase; refused?: EvidencePhrase }[];
  touches: EngineTouch[];
  cartEvents: EngineCartEvent[];
}

export interface AttributionResult {
  classification: Classification;
  conversationId: string | null;
  conversationExternalId: string | null;
  surface: Surface | null;
  matchedBy: MatchedBy | null;
  minutesFromLastTouch: number | null;
  excludedReason: ExclusionReason | null;
  /**
   * Why, step by step, as catalogue keys and values (evidence-text.ts): stored so, and read in the admin user's
   * language, or in English by the API (englishSteps). Words are put in only when read: through i18next, writing
   * them for every order made the engine 13 times slower.
   */
  facts: EvidencePhrase[];
  settings: AttributionSettings;
}

const MINUTE = 60_000;

/** A qualifying touch (attribution-spec.md, "Words"); reports use it too, so the two can never disagree. */
export function isQualifying(
  touch: Pick<EngineTouch, "kind" | "answerFound">,
  settings: Pick<AttributionSettings, "requireAnswerFound">,
): boolean {
  if (touch.kind !== "ASSISTANT_ANSWER") return false;
  return settings.requireAnswerFound ? touch.answerFound === true : true;
}

/** Repeated in SQL by the re-attribution walk (reattribution.server.ts, `settled`): change both together. */
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
      format = new Intl.DateTimeFormat("en-GB", { ...STEP_TIME_FORMAT, timeZone: timezone });
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

/** A step's moment, in the order's zone: rendered as the reader's clock reads it (localTime in English). */
const moment = (date: Date, timezone = "UTC") => ({ at: date.getTime(), zone: timezone });

/** The steps in English, as the API returns them: with the engine's own clock (localTime). */
export function englishSteps(facts: EvidencePhrase[]): string[] {
  const t = i18nFor("en").t;
  return facts.map((fact) => renderEvidence(fact, t, (at, zone) => localTime(new Date(at), zone)));
}

/**
 * A stored attribution's steps in English, as the API returns them: its facts read, or, for a row attributed before
 * steps were stored as facts, the English text it kept.
 */
export function storedSteps(evidence: unknown): string[] {
  const { facts, steps } = (evidence ?? {}) as { facts?: EvidencePhrase[]; steps?: string[] };
  return facts ? englishSteps(facts) : (steps ?? []);
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
  const steps: EvidencePhrase[] = [];
  const refusedSteps = candidates.flatMap((c) =>
    c.links
      .filter((l) => l.refused)
      .map((l) => phrase("evidence.refused", { order: order.name, detail: l.detail, reason: l.refused! })),
  );
  const usable = candidates.map((c) => ({ ...c, links: c.links.filter((l) => !l.refused) }));
  const evaluated = usable.map((c) => evaluate(c, order, settings)).filter((e): e is Evaluated => e !== null);
  const qualified = evaluated.filter((e) => e.lastQualifying !== null);
  steps.push(...refusedSteps);

  for (const e of evaluated) {
    const link = e.candidate.links.find((l) => l.by === e.strongest)!;
    steps.push(phrase("evidence.orderLink", { order: order.name, detail: link.detail }));
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
      phrase("evidence.qualifying", {
        conversation: c.externalId,
        surface: phrase(`evidence.surface.${c.surface}`),
        count: credited.qualifying.length,
        time: moment(credited.lastQualifying!, order.timezone),
      }),
    );
    const later = { minutes: credited.ageMinutes! };
    if (classification === "LED") {
      steps.push(phrase("evidence.led", { duration: later, hours: settings.ledWindowHours }));
    } else if (credited.deterministic) {
      steps.push(
        phrase("evidence.assisted", {
          duration: later,
          hours: settings.ledWindowHours,
          days: settings.assistedWindowDays,
        }),
      );
    } else {
      const add = chatAddInWindow(credited)!;
      steps.push(
        phrase("evidence.sameShopperAdd", {
          time: moment(add.occurredAt, order.timezone),
          days: settings.assistedWindowDays,
        }),
      );
    }
    // The credited one came first inside its window; the others inside it came later.
    const windowStart = classification === "LED" ? ledStart : assistedStart;
    const others = qualified.filter((e) => e !== credited && inside(e, windowStart)).length;
    if (others > 0) steps.push(phrase("evidence.othersLater", { count: others }));
  } else if (evaluated.length === 0) {
    if (refusedSteps.length === 0) steps.push(phrase("evidence.noSession", { order: order.name }));
  } else {
    for (const e of evaluated) {
      const c = e.candidate;
      if (!e.lastQualifying) {
        steps.push(
          phrase(settings.requireAnswerFound ? "evidence.noQualifyingFound" : "evidence.noQualifying", {
            conversation: c.externalId,
          }),
        );
      } else if (e.deterministic || !inside(e, assistedStart)) {
        steps.push(
          phrase("evidence.tooOld", {
            conversation: c.externalId,
            duration: { minutes: e.ageMinutes! },
            days: settings.assistedWindowDays,
          }),
        );
      } else {
        steps.push(phrase("evidence.identityOnly", { conversation: c.externalId, days: settings.assistedWindowDays }));
      }
    }
  }

  steps.push(phrase("evidence.verdict", { class: phrase(`labels.class.${classification}`) }));
  if (excludedReason) {
    const why =
      excludedReason === "OUTLIER"
        ? phrase("evidence.why.OUTLIER", {
            value: order.grossAmount ?? phrase("evidence.unknownValue"),
            currency: order.currency,
            max: formatMoney(parseMoney(settings.maxOrderValue) ?? 0n),
          })
        : phrase(`evidence.why.${excludedReason}`);
    steps.push(phrase("evidence.excluded", { why }));
  }

  return {
    classification,
    conversationId: credited?.candidate.id ?? null,
    conversationExternalId: credited?.candidate.externalId ?? null,
    surface: credited?.candidate.surface ?? null,
    matchedBy: credited?.strongest ?? null,
    minutesFromLastTouch: credited?.ageMinutes ?? null,
    excludedReason,
    facts: steps,
    settings,
  };
}
