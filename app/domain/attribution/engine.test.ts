/**
 * Table-driven tests of every classification rule in attribution-spec.md.
 */
import { describe, expect, it } from "vitest";
import { i18nFor } from "../../i18n/i18n";
import { formatStepTime } from "../../lib/format";
import { phrase, renderEvidence } from "./evidence-text";
import {
  attributeOrder,
  englishSteps,
  DEFAULT_SETTINGS,
  type AttributionSettings,
  type CandidateConversation,
  type EngineOrder,
  type MatchedBy,
} from "./engine";

const ORDER_TIME = new Date("2026-11-10T12:00:00Z");
const minutesBefore = (minutes: number) => new Date(ORDER_TIME.getTime() - minutes * 60_000);
const HOUR = 60;
const DAY = 24 * HOUR;

const order = (overrides: Partial<EngineOrder> = {}): EngineOrder => ({
  name: "#1001",
  orderTime: ORDER_TIME,
  test: false,
  verified: true,
  grossAmount: "598.94",
  currency: "USD",
  ...overrides,
});

interface ConversationSpec {
  id?: string;
  by?: MatchedBy;
  surface?: CandidateConversation["surface"];
  /** Minutes before the order of each assistant answer that found something. */
  found?: number[];
  /** Minutes before the order of each assistant answer that found nothing. */
  notFound?: number[];
  shopperOnly?: number[];
  /** Minutes before the order of chat add-to-carts. */
  chatAdds?: number[];
}

function conversation(spec: ConversationSpec): CandidateConversation {
  const id = spec.id ?? "c_8a3c";
  return {
    id: `uuid-${id}`,
    externalId: id,
    surface: spec.surface ?? "CHAT_WIDGET",
    links: [{ by: spec.by ?? "CART_ATTRIBUTE", detail: phrase("evidence.link.cartAttribute", { session: id }) }],
    touches: [
      ...(spec.found ?? []).map((m) => ({
        kind: "ASSISTANT_ANSWER" as const,
        answerFound: true,
        occurredAt: minutesBefore(m),
      })),
      ...(spec.notFound ?? []).map((m) => ({
        kind: "ASSISTANT_ANSWER" as const,
        answerFound: false,
        occurredAt: minutesBefore(m),
      })),
      ...(spec.shopperOnly ?? []).map((m) => ({
        kind: "SHOPPER_MESSAGE" as const,
        answerFound: null,
        occurredAt: minutesBefore(m),
      })),
    ],
    cartEvents: (spec.chatAdds ?? []).map((m) => ({
      type: "ITEM_ADDED" as const,
      occurredAt: minutesBefore(m),
      fromChat: true,
      inConversation: true,
    })),
  };
}

interface Case {
  name: string;
  order?: Partial<EngineOrder>;
  conversations: ConversationSpec[];
  settings?: Partial<AttributionSettings>;
  expected: {
    classification: "LED" | "ASSISTED" | "UNATTRIBUTED";
    credited?: string | null;
    matchedBy?: MatchedBy | null;
    minutes?: number | null;
    excluded?: "TEST" | "OUTLIER" | "UNVERIFIED" | null;
    surface?: CandidateConversation["surface"] | null;
  };
}

const cases: Case[] = [
  // Led window (24 h) boundaries.
  {
    name: "answer 45 minutes before → led",
    conversations: [{ found: [45] }],
    expected: { classification: "LED", credited: "c_8a3c", matchedBy: "CART_ATTRIBUTE", minutes: 45 },
  },
  {
    name: "answer exactly 24 h before → led",
    conversations: [{ found: [24 * HOUR] }],
    expected: { classification: "LED", minutes: 24 * HOUR },
  },
  {
    name: "answer 24 h + 1 min before → assisted",
    conversations: [{ found: [24 * HOUR + 1] }],
    expected: { classification: "ASSISTED", minutes: 24 * HOUR + 1 },
  },
  {
    name: "answer exactly 7 days before → assisted",
    conversations: [{ found: [7 * DAY] }],
    expected: { classification: "ASSISTED", minutes: 7 * DAY },
  },
  {
    name: "answer 7 days + 1 min before → unattributed",
    conversations: [{ found: [7 * DAY + 1] }],
    expected: { classification: "UNATTRIBUTED", credited: null, matchedBy: null, minutes: null },
  },
  {
    name: "the latest qualifying touch decides the window",
    conversations: [{ found: [3 * DAY, 30] }],
    expected: { classification: "LED", minutes: 30 },
  },
  // Custom windows.
  {
    name: "ledWindowHours = 2: answer 3 h before → assisted",
    settings: { ledWindowHours: 2 },
    conversations: [{ found: [3 * HOUR] }],
    expected: { classification: "ASSISTED" },
  },
  {
    name: "ledWindowHours = 2: exactly 2 h → led",
    settings: { ledWindowHours: 2 },
    conversations: [{ found: [2 * HOUR] }],
    expected: { classification: "LED" },
  },
  {
    name: "assistedWindowDays = 1: 1 day + 1 min → unattributed",
    settings: { assistedWindowDays: 1 },
    conversations: [{ found: [DAY + 1] }],
    expected: { classification: "UNATTRIBUTED" },
  },
  // Touches after the order never count.
  {
    name: "answer 1 minute after the order → unattributed",
    conversations: [{ found: [-1] }],
    expected: { classification: "UNATTRIBUTED" },
  },
  {
    name: "answer at the order time → led",
    conversations: [{ found: [0] }],
    expected: { classification: "LED", minutes: 0 },
  },
  {
    name: "a later answer after the order does not move the last touch",
    conversations: [{ found: [2 * DAY, -10] }],
    expected: { classification: "ASSISTED", minutes: 2 * DAY },
  },
  // requireAnswerFound.
  {
    name: "requireAnswerFound on: unanswered only → unattributed",
    conversations: [{ notFound: [30] }],
    expected: { classification: "UNATTRIBUTED" },
  },
  {
    name: "requireAnswerFound off: unanswered answer qualifies → led",
    settings: { requireAnswerFound: false },
    conversations: [{ notFound: [30] }],
    expected: { classification: "LED", minutes: 30 },
  },
  {
    name: "requireAnswerFound on: last found answer sets the window, not the later miss",
    conversations: [{ found: [30 * HOUR], notFound: [10] }],
    expected: { classification: "ASSISTED", minutes: 30 * HOUR },
  },
  {
    name: "requireAnswerFound off: the later miss sets the window",
    settings: { requireAnswerFound: false },
    conversations: [{ found: [30 * HOUR], notFound: [10] }],
    expected: { classification: "LED", minutes: 10 },
  },
  {
    name: "shopper messages alone never qualify",
    settings: { requireAnswerFound: false },
    conversations: [{ shopperOnly: [5] }],
    expected: { classification: "UNATTRIBUTED" },
  },
  // Deterministic evidence kinds.
  {
    name: "line-item property → led",
    conversations: [{ by: "LINE_ITEM_PROPERTY", found: [60] }],
    expected: { classification: "LED", matchedBy: "LINE_ITEM_PROPERTY" },
  },
  {
    name: "checkout token (pixel) → led",
    conversations: [{ by: "CHECKOUT_TOKEN", found: [60] }],
    expected: { classification: "LED", matchedBy: "CHECKOUT_TOKEN" },
  },
  {
    name: "cart token → led",
    conversations: [{ by: "CART_TOKEN", found: [60] }],
    expected: { classification: "LED", matchedBy: "CART_TOKEN" },
  },
  // Identity evidence.
  {
    name: "customer id + chat add in window → assisted, never led",
    conversations: [{ by: "CUSTOMER_ID", found: [30], chatAdds: [20] }],
    expected: { classification: "ASSISTED", matchedBy: "CUSTOMER_ID", minutes: 30 },
  },
  {
    name: "e-mail hash + chat add in window → assisted",
    conversations: [{ by: "EMAIL", found: [3 * DAY], chatAdds: [3 * DAY] }],
    expected: { classification: "ASSISTED", matchedBy: "EMAIL" },
  },
  {
    name: "identity without a chat add → unattributed",
    conversations: [{ by: "CUSTOMER_ID", found: [30] }],
    expected: { classification: "UNATTRIBUTED" },
  },
  {
    name: "identity with the add 7 days + 1 min before → unattributed",
    conversations: [{ by: "EMAIL", found: [8 * DAY], chatAdds: [7 * DAY + 1] }],
    expected: { classification: "UNATTRIBUTED" },
  },
  {
    name: "identity with an add after the order → unattributed",
    conversations: [{ by: "EMAIL", found: [60], chatAdds: [-5] }],
    expected: { classification: "UNATTRIBUTED" },
  },
  // A returning customer: the chat qualified 10 days ago, the add came yesterday (this threw before: issue 25.1).
  {
    name: "identity: answer outside the assisted window, add inside → unattributed",
    conversations: [{ by: "CUSTOMER_ID", found: [10 * DAY], chatAdds: [DAY] }],
    expected: { classification: "UNATTRIBUTED", credited: null },
  },
  {
    name: "identity: an old answer and one inside the window → assisted",
    conversations: [{ by: "CUSTOMER_ID", found: [10 * DAY, 2 * DAY], chatAdds: [DAY] }],
    expected: { classification: "ASSISTED", minutes: 2 * DAY },
  },
  {
    name: "identity with an add but no qualifying answer → unattributed",
    conversations: [{ by: "CUSTOMER_ID", notFound: [60], chatAdds: [50] }],
    expected: { classification: "UNATTRIBUTED" },
  },
  // Deterministic beats identity; first touch across surfaces.
  {
    name: "deterministic beats an earlier identity match",
    conversations: [
      { id: "c_identity", by: "CUSTOMER_ID", surface: "FAQ", found: [2 * HOUR], chatAdds: [2 * HOUR] },
      { id: "c_cart", by: "CART_ATTRIBUTE", surface: "CHAT_WIDGET", found: [30] },
    ],
    expected: { classification: "LED", credited: "c_cart", matchedBy: "CART_ATTRIBUTE", surface: "CHAT_WIDGET" },
  },
  {
    name: "deterministic assisted beats identity assisted",
    conversations: [
      { id: "c_identity", by: "EMAIL", found: [2 * HOUR], chatAdds: [2 * HOUR] },
      { id: "c_cart", by: "LINE_ITEM_PROPERTY", surface: "FAQ", found: [2 * DAY] },
    ],
    expected: { classification: "ASSISTED", credited: "c_cart", matchedBy: "LINE_ITEM_PROPERTY", surface: "FAQ" },
  },
  {
    name: "first qualifying conversation inside the window gets the credit, across surfaces",
    conversations: [
      { id: "c_widget", by: "CART_ATTRIBUTE", surface: "CHAT_WIDGET", found: [1 * HOUR] },
      { id: "c_faq", by: "LINE_ITEM_PROPERTY", surface: "FAQ", found: [5 * HOUR] },
    ],
    expected: {
      classification: "LED",
      credited: "c_faq",
      surface: "FAQ",
      matchedBy: "LINE_ITEM_PROPERTY",
      minutes: 5 * HOUR,
    },
  },
  {
    name: "a conversation led-qualified beats an earlier one only assisted-qualified",
    conversations: [
      { id: "c_old", by: "CART_ATTRIBUTE", surface: "FAQ", found: [3 * DAY] },
      { id: "c_recent", by: "LINE_ITEM_PROPERTY", surface: "NUDGE_CLICK", found: [2 * HOUR] },
    ],
    expected: { classification: "LED", credited: "c_recent", surface: "NUDGE_CLICK" },
  },
  {
    name: "nudge conversation gives the order the nudge source",
    conversations: [{ surface: "NUDGE_CLICK", found: [10] }],
    expected: { classification: "LED", surface: "NUDGE_CLICK" },
  },
  // Exclusions: classified, but flagged.
  {
    name: "test order → excluded as TEST, still classified",
    order: { test: true },
    conversations: [{ found: [10] }],
    expected: { classification: "LED", excluded: "TEST" },
  },
  {
    name: "test order with countTestOrders → counted",
    order: { test: true },
    settings: { countTestOrders: true },
    conversations: [{ found: [10] }],
    expected: { classification: "LED", excluded: null },
  },
  {
    name: "value above maxOrderValue → OUTLIER",
    order: { grossAmount: "1000000.01" },
    conversations: [{ found: [10] }],
    expected: { classification: "LED", excluded: "OUTLIER" },
  },
  {
    name: "value exactly maxOrderValue → counted",
    order: { grossAmount: "1000000.00" },
    conversations: [{ found: [10] }],
    expected: { classification: "LED", excluded: null },
  },
  {
    name: "negative value → OUTLIER",
    order: { grossAmount: "-1.00" },
    conversations: [],
    expected: { classification: "UNATTRIBUTED", excluded: "OUTLIER" },
  },
  {
    name: "non-numeric value → OUTLIER",
    order: { grossAmount: "NaN" },
    conversations: [],
    expected: { classification: "UNATTRIBUTED", excluded: "OUTLIER" },
  },
  {
    name: "custom maxOrderValue",
    order: { grossAmount: "500.01" },
    settings: { maxOrderValue: "500" },
    conversations: [],
    expected: { classification: "UNATTRIBUTED", excluded: "OUTLIER" },
  },
  {
    name: "pixel-only order → UNVERIFIED",
    order: { verified: false, grossAmount: null },
    conversations: [{ found: [10] }],
    expected: { classification: "LED", excluded: "UNVERIFIED" },
  },
  {
    name: "no candidates → unattributed",
    conversations: [],
    expected: { classification: "UNATTRIBUTED", credited: null, excluded: null },
  },
];

describe("attribution engine", () => {
  it.each(cases)("$name", ({ order: orderOverrides, conversations, settings, expected }) => {
    const result = attributeOrder(order(orderOverrides), conversations.map(conversation), {
      ...DEFAULT_SETTINGS,
      ...settings,
    });
    expect(result.classification).toBe(expected.classification);
    if (expected.credited !== undefined) expect(result.conversationExternalId).toBe(expected.credited);
    if (expected.matchedBy !== undefined) expect(result.matchedBy).toBe(expected.matchedBy);
    if (expected.minutes !== undefined) expect(result.minutesFromLastTouch).toBe(expected.minutes);
    if (expected.surface !== undefined) expect(result.surface).toBe(expected.surface);
    expect(result.excludedReason).toBe(expected.excluded ?? null);
    if (result.classification === "UNATTRIBUTED") {
      expect(result.conversationId).toBeNull();
      expect(result.surface).toBeNull();
    } else {
      expect(result.conversationId).toBe(`uuid-${result.conversationExternalId}`);
    }
  });

  it("explains a led order in the spec's words", () => {
    const result = attributeOrder(order(), [conversation({ found: [45] })], DEFAULT_SETTINGS);
    expect(englishSteps(result.facts)).toEqual([
      "Order #1001 carries cart attribute _chat_session_id = c_8a3c.",
      "Conversation c_8a3c (chat widget) had 1 qualifying answer, the last at 10 Nov, 11:15 UTC.",
      "The order was placed 45 minutes later — inside the 24-hour led window.",
      "→ Led.",
    ]);
    expect(result.settings).toEqual(DEFAULT_SETTINGS);
  });

  it("names each step's time with its date in the shop's zone, as the merchant reads the order", () => {
    const berlin = attributeOrder(
      order({ timezone: "Europe/Berlin" }),
      [conversation({ found: [45] })],
      DEFAULT_SETTINGS,
    );
    expect(englishSteps(berlin.facts)[1]).toBe(
      "Conversation c_8a3c (chat widget) had 1 qualifying answer, the last at 10 Nov, 12:15 CET.",
    );
    // 15:20 UTC on 7 Nov is 00:20 on 8 Nov in Tokyo: the date is the one the shop lived.
    const tokyo = attributeOrder(order({ timezone: "Asia/Tokyo" }), [conversation({ found: [3 * 24 * 60 - 200] })], {
      ...DEFAULT_SETTINGS,
      ledWindowHours: 96,
      assistedWindowDays: 7,
    });
    expect(englishSteps(tokyo.facts)[1]).toBe(
      "Conversation c_8a3c (chat widget) had 1 qualifying answer, the last at 8 Nov, 00:20 GMT+9.",
    );
  });

  it("records the same steps as keys and values, which read in German too", () => {
    const result = attributeOrder(
      order({ timezone: "Europe/Berlin" }),
      [conversation({ found: [45] })],
      DEFAULT_SETTINGS,
    );
    const german = result.facts.map((fact) =>
      renderEvidence(fact, i18nFor("de").t, (at, zone) => formatStepTime(at, zone, "de")),
    );
    expect(german).toEqual([
      "Bestellung #1001 trägt das Warenkorb-Attribut _chat_session_id = c_8a3c.",
      "Gespräch c_8a3c (Chat-Widget) hatte 1 qualifizierende Antwort, die letzte am 10. Nov., 12:15 MEZ.",
      "Die Bestellung wurde 45 Minuten später aufgegeben — innerhalb des 24-Stunden-Fensters für geführt.",
      "→ Geführt.",
    ]);
  });

  it("explains why an order is not attributed and why it is excluded", () => {
    const result = attributeOrder(order({ test: true }), [conversation({ notFound: [10] })], DEFAULT_SETTINGS);
    expect(englishSteps(result.facts).at(-2)).toBe("→ Unattributed.");
    expect(englishSteps(result.facts).join(" ")).toContain("no qualifying answer before the order");
    expect(englishSteps(result.facts).at(-1)).toBe("Excluded from totals: it is a test order.");
  });

  it("is deterministic: the same inputs in another order give the same credit", () => {
    const specs: ConversationSpec[] = [
      { id: "c_b", by: "CART_ATTRIBUTE", found: [60] },
      { id: "c_a", by: "LINE_ITEM_PROPERTY", found: [60] },
    ];
    const forward = attributeOrder(order(), specs.map(conversation), DEFAULT_SETTINGS);
    const backward = attributeOrder(order(), [...specs].reverse().map(conversation), DEFAULT_SETTINGS);
    expect(forward.conversationExternalId).toBe("c_a");
    expect(backward.conversationExternalId).toBe("c_a");
  });

  it("never counts storefront evidence that reached the app after the order did, whatever time it claims", () => {
    const received = new Date(ORDER_TIME.getTime() + 60_000); // the order webhook came a minute after the order
    const late = new Date(received.getTime() + 3_600_000); // the touch an hour after that, dated 45 minutes before the order
    const touch = (receivedAt: Date | null) => ({
      ...conversation({ found: [45] }),
      touches: [{ kind: "ASSISTANT_ANSWER" as const, answerFound: true, occurredAt: minutesBefore(45), receivedAt }],
    });
    expect(attributeOrder(order({ receivedAt: received }), [touch(late)], DEFAULT_SETTINGS).classification).toBe(
      "UNATTRIBUTED",
    );
    expect(
      attributeOrder(order({ receivedAt: received }), [touch(minutesBefore(44))], DEFAULT_SETTINGS).classification,
    ).toBe("LED");
    // The server API is authenticated by the shop's key: its events carry no receipt limit.
    expect(attributeOrder(order({ receivedAt: received }), [touch(null)], DEFAULT_SETTINGS).classification).toBe("LED");

    const identity = {
      ...conversation({ by: "CUSTOMER_ID", found: [60] }),
      cartEvents: [
        {
          type: "ITEM_ADDED" as const,
          occurredAt: minutesBefore(30),
          fromChat: true,
          inConversation: true,
          receivedAt: late,
        },
      ],
    };
    expect(attributeOrder(order({ receivedAt: received }), [identity], DEFAULT_SETTINGS).classification).toBe(
      "UNATTRIBUTED",
    );
  });
});
