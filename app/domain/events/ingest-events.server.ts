/**
 * Stores a validated batch of chat and cart events for one shop, idempotently (one row per client event id),
 * in one transaction, then re-attributes the orders the new evidence can change. The shop comes from the
 * caller (the App Proxy's signed `shop`, or the API key), never from the events.
 */
import type { Shop } from "@prisma/client";
import { insertJsonRows, type Sql } from "../../db.server";
import { uuidv7 } from "../../lib/uuid";
import { parseMoney } from "../money";
import { attributeStoredOrders, type AttributionShop } from "../attribution/attribute-order.server";
import { storedEmailHash } from "../email-hash.server";
import {
  cartAddRefusal,
  claimedCartTokens,
  laterTakeBacks,
  linkedConversation,
  takeBackQuantity,
  type ClaimedQuantities,
  type ShopifyCarts,
} from "./cart-claims";
import { CHAT_SESSION_KEY, CHAT_VISITOR_KEY, emailSha256Of, normaliseCartToken } from "../orders/order-payload";
import type { CartWireEvent, ClientEvent } from "./event-schema";
import { assignedArm, type WeightedArm } from "../experiments/assignment";

export type EventSource = "STOREFRONT" | "SERVER_API";

export interface IngestContext {
  source: EventSource;
  /** App Proxy `logged_in_customer_id`: an identity of every visitor in the batch. */
  loggedInCustomerId?: string | null;
  /** When the request reached the app (now, unless a test says otherwise). */
  receivedAt?: Date;
  /**
   * The carts the batch's storefront adds name (and the variants it takes back out), as Shopify's Storefront API
   * gave them (storefront-carts.server.ts): each add must fit its cart, each decrease the adds before it
   * (cart-claims.ts). The App Proxy route always reads them; only the demo's seeded history, which the app writes
   * itself, goes without.
   */
  carts?: ShopifyCarts;
}

/**
 * How far before its arrival a storefront event may be dated: the embed holds events in memory before consent and
 * queues them while offline, within one visit. An earlier claim is moved up to this bound (attribution-spec.md,
 * "Time"); the server API's times are the shop's own and kept as sent.
 */
export const STOREFRONT_MAX_DELAY_MS = 30 * 60_000;

/** A browser's claimed time held to [arrival − STOREFRONT_MAX_DELAY_MS, arrival] (storefront events, pixel hits). */
export function heldToArrival(claimed: Date, receivedAt: Date): Date {
  return new Date(
    Math.min(Math.max(claimed.getTime(), receivedAt.getTime() - STOREFRONT_MAX_DELAY_MS), receivedAt.getTime()),
  );
}

/** The time an event is stored at: a storefront claim held to its arrival (heldToArrival), an API time as sent. */
export function storedTimeOf(occurredAt: string, context: IngestContext, receivedAt: Date): Date {
  const claimed = new Date(occurredAt);
  return context.source === "STOREFRONT" ? heldToArrival(claimed, receivedAt) : claimed;
}

export interface IngestSummary {
  accepted: number;
  duplicates: number;
  /** Valid events the counting rules refuse, e.g. a removal with no earlier add (no negative cart GMV). */
  rejected: { index: number; id: string; reason: string }[];
  reattributedOrders: number;
}

/** The shop fields event ingest reads. */
export type EventShop = AttributionShop & Pick<Shop, "domain" | "storeTranscripts">;

type TouchpointRow = {
  id: string;
  shopId: string;
  conversationId: string;
  kind: "ASSISTANT_ANSWER" | "SHOPPER_MESSAGE";
  answerFound: boolean | null;
  productIds: string[];
  topic: string | null;
  text: string | null;
  occurredAt: Date;
  source: EventSource;
  receivedAt: Date | null;
};
type CartEventRow = {
  id: string;
  shopId: string;
  visitorId: string;
  conversationId: string | null;
  type: CartWireEvent["cartType"];
  productId: string;
  variantId: string | null;
  productName: string | null;
  unitValue: string;
  currency: string;
  quantity: number;
  fromChat: boolean;
  cartToken: string | null;
  occurredAt: Date;
  source: EventSource;
  receivedAt: Date | null;
};
type ChatLinkRow = {
  id: string;
  shopId: string;
  token: string;
  conversationId: string;
  url: string;
  source: EventSource;
  sharedAt: Date;
};
type LinkClickRow = {
  id: string;
  shopId: string;
  visitorId: string;
  chatLinkId: string | null;
  conversationId: string | null;
  occurredAt: Date;
  source: EventSource;
  receivedAt: Date | null;
};
/** A shared link as the batch's clicks are checked against it. */
interface KnownLink {
  id: string;
  conversationId: string;
  externalId: string;
}
type ExposureRow = {
  experimentId: string;
  visitorId: string;
  shopId: string;
  arm: string;
  exposedAt: Date;
};
/** An experiment an exposure names, with its arms in their stored order. */
interface KnownExperiment {
  status: string;
  startedAt: Date | null;
  arms: WeightedArm[];
}
type LedgerRow = { shopId: string; eventId: string; type: string; source: EventSource };
type IdentityRow = {
  id: string;
  shopId: string;
  visitorId: string;
  kind: "CUSTOMER_ID" | "EMAIL_HASH";
  value: string;
  seenAt: Date;
};
type CartLinkRow = {
  id: string;
  shopId: string;
  token: string;
  conversationExternalId: string;
  visitorKey: string | null;
  seenAt: Date;
  source: EventSource;
};

/** What changed, so that only the orders this evidence can touch are recomputed. */
interface Touched {
  conversationExternalIds: Set<string>;
  visitorIds: Set<string>;
  /** The same visitors by key: an order stamped for one of them may now credit another of its conversations. */
  visitorKeys: Set<string>;
  cartTokens: Set<string>;
  earliest: Date | null;
}

/** Cart events that put items in; a decrease or removal needs one of these before it. */
const ADDS: readonly CartWireEvent["cartType"][] = ["ITEM_ADDED", "QUANTITY_INCREASED"];

/** One request's events with what the request itself says about them. */
export interface EventBatch {
  events: ClientEvent[];
  context: IngestContext;
}

export async function ingestEvents(
  sql: Sql,
  shop: EventShop,
  events: ClientEvent[],
  context: IngestContext,
): Promise<IngestSummary> {
  return (await ingestEventBatches(sql, shop, [{ events, context }]))[0];
}

/**
 * Several requests' batches for one shop, in one transaction (the App Proxy route's group commit), with one
 * summary per batch. The result is what storing them one after the other would give: a batch sees the events
 * of the batches before it (a removal can follow an add sent in an earlier request; the later copy of an event
 * sent twice is its duplicate). In four steps: drop the events already stored, read what the rest are checked
 * against, decide each event (rows to write, or the reason it is refused), write every table with one statement.
 */
export async function ingestEventBatches(
  sql: Sql,
  shop: EventShop,
  batches: readonly EventBatch[],
): Promise<IngestSummary[]> {
  const summaries: IngestSummary[] = batches.map(() => ({
    accepted: 0,
    duplicates: 0,
    rejected: [],
    reattributedOrders: 0,
  }));
  const fresh = await withoutStoredEvents(sql, shop.id, batches, summaries);
  const rows = new EventRows(sql, shop, await readWhatEventsAreCheckedAgainst(sql, shop.id, batches, fresh));
  for (const item of fresh) {
    const refusal = await rows.take(item);
    if (refusal) summaries[item.part].rejected.push({ index: item.index, id: item.event.id, reason: refusal });
    else summaries[item.part].accepted++;
  }
  await rows.write(batches, fresh);
  const reattributedOrders = summaries.some((summary) => summary.accepted > 0)
    ? await reattributeTouchedOrders(sql, shop, rows.touched)
    : 0;
  for (const summary of summaries) summary.reattributedOrders = reattributedOrders;
  return summaries;
}

/** One event of one of the batches: its place in its request (`index`), its batch (`part`) and that batch's context. */
interface BatchEvent {
  event: ClientEvent;
  index: number;
  part: number;
  context: IngestContext;
}

/** Step 1: the events not stored yet (a later copy in the same set counts as a duplicate too). */
async function withoutStoredEvents(
  sql: Sql,
  shopId: string,
  batches: readonly EventBatch[],
  summaries: IngestSummary[],
): Promise<BatchEvent[]> {
  const all = batches.flatMap(({ events, context }, part) =>
    events.map((event, index) => ({ event, index, part, context })),
  );
  const stored = await sql.query<{ eventId: string }>(
    `SELECT "eventId" FROM "ClientEvent" WHERE "shopId" = $1::uuid AND "eventId" = ANY($2::text[])`,
    [shopId, all.map(({ event }) => event.id)],
  );
  const known = new Set(stored.map((row) => row.eventId));
  return all.filter(({ event, part }) => {
    if (known.has(event.id)) {
      summaries[part].duplicates++;
      return false;
    }
    known.add(event.id);
    return true;
  });
}

/** What the fresh events are checked against, read before any is decided. */
interface CheckedAgainst {
  /** Visitor row ids by visitor key (upserted: they are the rows' foreign keys). */
  visitors: Map<string, string>;
  conversations: Map<string, BatchConversation>;
  /** Net quantity per (cart, variant) the stored storefront adds already claim. */
  claimedQuantities: ClaimedQuantities;
  /** What each fresh storefront add's own batch takes back out after it (duplicates are in the stored claims). */
  takeBacks: Map<BatchEvent, number>;
  /** E-mail hashes already claimed, by visitor row id. */
  claimedEmails: Map<string, Set<string>>;
  /** The shared links the batch's link events name, by token (links the batch shares are added as it goes). */
  links: Map<string, KnownLink>;
  /** `visitor row id conversation row id` for each conversation a visitor of the batch reached through a link. */
  clicked: Set<string>;
  /** The shop's experiments the batch's exposures name, by id. */
  experiments: Map<string, KnownExperiment>;
}

/** Step 2: the reads, a statement each whatever the number of events. */
async function readWhatEventsAreCheckedAgainst(
  sql: Sql,
  shopId: string,
  batches: readonly EventBatch[],
  fresh: readonly BatchEvent[],
): Promise<CheckedAgainst> {
  const freshEvents = fresh.map(({ event }) => event);
  const visitors = await upsertVisitors(sql, shopId, freshEvents);
  const conversations = await knownConversations(sql, shopId, freshEvents);
  const claimedQuantities = await storedCartClaims(
    sql,
    shopId,
    fresh.flatMap(({ event, context }) => (context.carts ? [event] : [])),
  );
  const takeBacks = new Map<BatchEvent, number>();
  batches.forEach((_, part) => {
    const ofBatch = fresh.filter((item) => item.part === part && item.context.carts);
    laterTakeBacks(ofBatch.map(({ event }) => event)).forEach((n, i) => {
      takeBacks.set(ofBatch[i], n);
    });
  });
  const claimedEmails = await storedEmailClaims(
    sql,
    shopId,
    fresh.filter(({ event, context }) => event.type === "identify" && context.source === "STOREFRONT"),
    visitors,
  );
  const { links, clicked } = await storedLinks(sql, shopId, freshEvents, visitors);
  const experiments = await namedExperiments(sql, shopId, freshEvents);
  return { visitors, conversations, claimedQuantities, takeBacks, claimedEmails, links, clicked, experiments };
}

/** The shop's experiments the events' exposures name (another shop's id names nothing). */
async function namedExperiments(
  sql: Sql,
  shopId: string,
  events: readonly ClientEvent[],
): Promise<Map<string, KnownExperiment>> {
  const ids = [...new Set(events.flatMap((event) => (event.type === "exposure" ? [event.experimentId] : [])))];
  const experiments = new Map<string, KnownExperiment>();
  if (ids.length === 0) return experiments;
  const rows = await sql.query<{ id: string; status: string; startedAt: Date | null; key: string; weight: number }>(
    `SELECT e.id::text AS id, e.status::text AS status, e."startedAt", a.key, a.weight
     FROM "Experiment" e JOIN "ExperimentArm" a ON a."experimentId" = e.id
     WHERE e."shopId" = $1::uuid AND e.id = ANY($2::uuid[]) ORDER BY e.id, a.position`,
    [shopId, ids],
  );
  for (const row of rows) {
    const experiment = experiments.get(row.id) ?? { status: row.status, startedAt: row.startedAt, arms: [] };
    experiment.arms.push({ key: row.key, weight: row.weight });
    experiments.set(row.id, experiment);
  }
  return experiments;
}

/** The stored links the events' tokens name, and the conversations the events' visitors reached through a link. */
async function storedLinks(
  sql: Sql,
  shopId: string,
  events: readonly ClientEvent[],
  visitors: Map<string, string>,
): Promise<{ links: Map<string, KnownLink>; clicked: Set<string> }> {
  const tokens = [...new Set(events.flatMap((event) => ("linkId" in event ? [event.linkId] : [])))];
  const visitorIds = [
    ...new Set(
      events.flatMap((event) => (event.type === "cart" && event.visitorId ? [visitors.get(event.visitorId)!] : [])),
    ),
  ];
  const links = new Map<string, KnownLink>();
  const clicked = new Set<string>();
  if (tokens.length > 0) {
    const rows = await sql.query<KnownLink & { token: string }>(
      `SELECT l.token, l.id::text AS id, l."conversationId"::text AS "conversationId", c."externalId"
       FROM "ChatLink" l JOIN "Conversation" c ON c.id = l."conversationId"
       WHERE l."shopId" = $1::uuid AND l.token = ANY($2::text[])`,
      [shopId, tokens],
    );
    for (const { token, ...link } of rows) links.set(token, link);
  }
  if (visitorIds.length > 0) {
    const rows = await sql.query<{ visitorId: string; conversationId: string }>(
      `SELECT DISTINCT "visitorId"::text AS "visitorId", "conversationId"::text AS "conversationId" FROM "LinkClick"
       WHERE "visitorId" = ANY($1::uuid[]) AND "conversationId" IS NOT NULL`,
      [visitorIds],
    );
    for (const row of rows) clicked.add(`${row.visitorId} ${row.conversationId}`);
  }
  return { links, clicked };
}

/**
 * Step 3 and 4: each event decided in turn, its rows collected, then every table written with one statement
 * (every statement is a round trip).
 */
class EventRows {
  readonly touched: Touched = {
    conversationExternalIds: new Set(),
    visitorIds: new Set(),
    visitorKeys: new Set(),
    cartTokens: new Set(),
    earliest: null,
  };
  /** The earliest accepted event of each batch: when its logged-in customer was known to be each visitor. */
  private readonly earliestOf = new Map<number, Date>();
  private readonly conversationsWithNewTouches = new Set<string>();
  private readonly touchpointRows: TouchpointRow[] = [];
  private readonly cartEventRows: CartEventRow[] = [];
  private readonly ledgerRows: LedgerRow[] = [];
  private readonly identityRows = new Map<string, IdentityRow>();
  private readonly cartLinks = new Map<string, CartLinkRow>(); // by token: the last event naming it wins
  private readonly chatLinkRows: ChatLinkRow[] = [];
  private readonly linkClickRows: LinkClickRow[] = [];
  private readonly exposureRows = new Map<string, ExposureRow>(); // by experiment and visitor: the first wins
  private readonly now = new Date();
  private readonly maxUnitValue: bigint;

  constructor(
    private readonly sql: Sql,
    private readonly shop: EventShop,
    private readonly known: CheckedAgainst,
  ) {
    this.maxUnitValue = parseMoney(shop.maxOrderValue.toString()) ?? 0n;
    // Every visitor of the batch is touched: its identities may match orders placed before this batch.
    for (const [key, id] of known.visitors) {
      this.touched.visitorIds.add(id);
      this.touched.visitorKeys.add(key);
    }
  }

  /** Decides one event: null when its rows are collected, else the reason it is refused. */
  async take(item: BatchEvent): Promise<string | null> {
    const { part, context } = item;
    let { event } = item;
    const receivedAt = context.receivedAt ?? this.now;
    const at = storedTimeOf(event.occurredAt, context, receivedAt);
    // Browser-sent evidence carries its arrival: it never counts for an order the app had heard of before it.
    const storefrontReceipt = context.source === "STOREFRONT" ? receivedAt : null;
    const visitorId = event.visitorId ? this.known.visitors.get(event.visitorId)! : null;
    const owned = this.otherOwner(event, visitorId);
    if (owned && event.type === "cart" && !event.fromChat) {
      // A theme's change in a cart stamped with another visitor's conversation: linked only for a visitor who came
      // through a link that conversation shared, else stored without it.
      const conversation = this.known.conversations.get(owned)!.row.id;
      if (!this.known.clicked.has(`${visitorId} ${conversation}`)) event = { ...event, conversationId: undefined };
    } else if (owned && event.type !== "link_click") return `conversation ${owned} belongs to another visitor`;
    const refusal =
      event.type === "conversation_started"
        ? this.takeStart(event, visitorId, at)
        : event.type === "message"
          ? this.takeMessage(event, visitorId, at, context, storefrontReceipt)
          : event.type === "cart"
            ? await this.takeCart(item, event, visitorId, at, storefrontReceipt)
            : event.type === "link_shared"
              ? this.takeLinkShared(event, visitorId, at, context)
              : event.type === "link_click"
                ? this.takeLinkClick(event, visitorId, at, context, storefrontReceipt)
                : event.type === "exposure"
                  ? this.takeExposure(event, visitorId, at)
                  : this.takeIdentify(event, visitorId, at, context);
    if (refusal) return refusal;
    this.ledgerRows.push({ shopId: this.shop.id, eventId: event.id, type: event.type, source: context.source });
    if (!this.touched.earliest || at < this.touched.earliest) this.touched.earliest = at;
    const earliest = this.earliestOf.get(part);
    if (!earliest || at < earliest) this.earliestOf.set(part, at);
    return null;
  }

  private takeStart(event: Extract<ClientEvent, { type: "conversation_started" }>, visitorId: string | null, at: Date) {
    this.conversationFor(event.conversationId, visitorId, at, {
      surface: event.surface,
      nudgeId: event.nudgeId,
      variant: event.variant,
    });
    return null;
  }

  private takeMessage(
    event: Extract<ClientEvent, { type: "message" }>,
    visitorId: string | null,
    at: Date,
    context: IngestContext,
    storefrontReceipt: Date | null,
  ) {
    const conversationId = this.conversationFor(event.conversationId, visitorId, at);
    this.touchpointRows.push({
      id: uuidv7(),
      shopId: this.shop.id,
      conversationId,
      kind: event.role === "assistant" ? "ASSISTANT_ANSWER" : "SHOPPER_MESSAGE",
      answerFound: event.role === "assistant" ? (event.answerFound ?? null) : null,
      productIds: event.productIds,
      topic: event.topic ?? null,
      // Chat text is personal data: kept only when the merchant turned transcripts on.
      text: this.shop.storeTranscripts ? (event.text ?? null) : null,
      occurredAt: at,
      source: context.source,
      receivedAt: storefrontReceipt,
    });
    this.conversationsWithNewTouches.add(conversationId);
    return null;
  }

  private async takeCart(
    item: BatchEvent,
    event: CartWireEvent,
    visitorId: string | null,
    at: Date,
    storefrontReceipt: Date | null,
  ): Promise<string | null> {
    const { context } = item;
    if (!visitorId) return "a cart event needs the visitor it belongs to";
    // One unit can cost no more than the largest order the shop counts (its outlier threshold): a cart event
    // claiming more would put a made-up amount on cart GMV.
    if (parseMoney(event.value)! > this.maxUnitValue)
      return `unit value ${event.value} exceeds the shop's largest counted order value (${this.shop.maxOrderValue.toString()})`;
    const isAdd = ADDS.includes(event.cartType);
    const refusal =
      context.carts && isAdd
        ? cartAddRefusal(event, context.carts, this.known.claimedQuantities, this.known.takeBacks.get(item))
        : null;
    if (refusal) return refusal;
    if (!isAdd && !(await this.hasEarlierAdd(visitorId, event, at)))
      return `${event.cartType} of product ${event.productId} with no earlier add by this visitor`;
    const quantity = context.carts && !isAdd ? takeBackQuantity(event, this.known.claimedQuantities) : event.quantity;
    if (quantity === null) return `${event.cartType} of variant ${event.variantId} with no earlier add in its cart`;
    const linked = linkedConversation(event, context.carts);
    const conversationId = linked ? this.conversationFor(linked, visitorId, at) : null;
    const cartToken = normaliseCartToken(event.cartToken);
    this.cartEventRows.push({
      id: uuidv7(),
      shopId: this.shop.id,
      visitorId,
      conversationId,
      type: event.cartType,
      productId: event.productId,
      variantId: event.variantId ?? null,
      productName: event.productName ?? null,
      unitValue: event.value,
      currency: event.currency,
      quantity,
      fromChat: event.fromChat,
      cartToken,
      occurredAt: at,
      source: context.source,
      receivedAt: storefrontReceipt,
    });
    if (cartToken && linked) {
      const link = this.cartLinks.get(cartToken);
      this.cartLinks.set(cartToken, {
        id: link?.id ?? uuidv7(),
        shopId: this.shop.id,
        token: cartToken,
        conversationExternalId: linked,
        visitorKey: link ? link.visitorKey : (event.visitorId ?? null),
        seenAt: at,
        source: link?.source ?? context.source,
      });
      this.touched.cartTokens.add(cartToken);
    }
    return null;
  }

  /**
   * One exposure per visitor and experiment, in the arm the app computes for the visitor: a browser cannot choose its
   * arm, expose itself to an experiment that is not running, or date its exposure before the start.
   */
  private takeExposure(event: Extract<ClientEvent, { type: "exposure" }>, visitorId: string | null, at: Date) {
    const experiment = this.known.experiments.get(event.experimentId);
    if (!visitorId || !event.visitorId) return "an exposure needs the visitor it assigns";
    if (!experiment) return `experiment ${event.experimentId} does not exist`;
    if (experiment.status !== "RUNNING" || !experiment.startedAt)
      return `experiment ${event.experimentId} is not running`;
    const arm = assignedArm(event.experimentId, experiment.arms, event.visitorId).key;
    if (arm !== event.arm) return `visitor ${event.visitorId} is in arm ${arm} of this experiment, not ${event.arm}`;
    const key = `${event.experimentId} ${visitorId}`;
    const exposedAt = at < experiment.startedAt ? experiment.startedAt : at;
    const earlier = this.exposureRows.get(key);
    if (!earlier || exposedAt < earlier.exposedAt)
      this.exposureRows.set(key, { experimentId: event.experimentId, visitorId, shopId: this.shop.id, arm, exposedAt });
    return null;
  }

  private takeLinkShared(
    event: Extract<ClientEvent, { type: "link_shared" }>,
    visitorId: string | null,
    at: Date,
    context: IngestContext,
  ): string | null {
    const known = this.known.links.get(event.linkId);
    if (known && known.externalId !== event.conversationId)
      return `link ${event.linkId} belongs to another conversation`;
    if (known) return null;
    const conversationId = this.conversationFor(event.conversationId, visitorId, at);
    const { origin, pathname } = new URL(event.url);
    const row = {
      id: uuidv7(),
      shopId: this.shop.id,
      token: event.linkId,
      conversationId,
      // Where it leads, without the query or fragment a chat may have put personal data in.
      url: `${origin}${pathname}`.slice(0, 2048),
      source: context.source,
      sharedAt: at,
    };
    this.chatLinkRows.push(row);
    this.known.links.set(event.linkId, { id: row.id, conversationId, externalId: event.conversationId });
    return null;
  }

  /**
   * A landing through a link: a LINK touch of its conversation by this visitor when the link was shared for it, a
   * click on nothing (kept, crediting nothing) when it was not (attribution-spec.md, "Evidence" 4).
   */
  private takeLinkClick(
    event: Extract<ClientEvent, { type: "link_click" }>,
    visitorId: string | null,
    at: Date,
    context: IngestContext,
    storefrontReceipt: Date | null,
  ): string | null {
    if (!visitorId) return "a link click needs the visitor who landed";
    const link = this.known.links.get(event.linkId);
    const valid = link && link.externalId === event.conversationId ? link : null;
    this.linkClickRows.push({
      id: uuidv7(),
      shopId: this.shop.id,
      visitorId,
      chatLinkId: valid?.id ?? null,
      conversationId: valid?.conversationId ?? null,
      occurredAt: at,
      source: context.source,
      receivedAt: storefrontReceipt,
    });
    if (valid) {
      this.known.clicked.add(`${visitorId} ${valid.conversationId}`);
      this.touched.conversationExternalIds.add(valid.externalId);
    }
    return null;
  }

  private takeIdentify(
    event: Extract<ClientEvent, { type: "identify" }>,
    visitorId: string | null,
    at: Date,
    context: IngestContext,
  ): string | null {
    const hash = storedEmailHash(this.shop.domain, event.emailSha256 ?? emailSha256Of(event.email));
    if (!visitorId) {
      // A chat backend names the conversation: its visitor is the one identified (event-protocol.md, "identify").
      const conversation = this.known.conversations.get(event.conversationId ?? "");
      if (!conversation)
        return `conversation ${event.conversationId} is unknown: send its conversation_started (with visitorId) first, or send visitorId`;
      if (!conversation.row.visitorId)
        return `conversation ${event.conversationId} has no visitor yet (the storefront has not reported it): send visitorId, or identify again once it has`;
      visitorId = conversation.row.visitorId;
    }
    if (context.source === "STOREFRONT") {
      // A browser's identities are claims (attribution-spec.md, "Evidence" 5–6): a customer id only from the App
      // Proxy's signature, and no more than a few e-mail addresses per visitor.
      if (event.customerId)
        return "customerId is taken from Shopify's signed logged_in_customer_id, never from the storefront body";
      const claims = this.known.claimedEmails.get(visitorId!) ?? new Set<string>();
      if (hash && !claims.has(hash) && claims.size >= MAX_EMAILS_PER_VISITOR)
        return `a visitor may identify with at most ${MAX_EMAILS_PER_VISITOR} e-mail addresses`;
      if (hash) this.known.claimedEmails.set(visitorId!, claims.add(hash));
    }
    if (hash) this.addIdentity(visitorId, "EMAIL_HASH", hash, at);
    if (event.customerId) this.addIdentity(visitorId, "CUSTOMER_ID", event.customerId, at);
    return null;
  }

  /**
   * A conversation belongs to the visitor that started it: an event naming it from another visitor is refused
   * (attribution-spec.md, "Words"). A conversation without a visitor yet (a server-API start) takes the first.
   */
  private otherOwner(event: ClientEvent, visitorId: string | null): string | null {
    const externalId = "conversationId" in event ? event.conversationId : undefined;
    if (!externalId || visitorId === null) return null;
    const owner = this.known.conversations.get(externalId)?.row.visitorId ?? null;
    return owner !== null && owner !== visitorId ? externalId : null;
  }

  /** The conversation's row id, created on first sight (a message may arrive before its conversation_started). */
  private conversationFor(
    externalId: string,
    visitorId: string | null,
    at: Date,
    start?: { surface: "CHAT_WIDGET" | "FAQ" | "NUDGE_CLICK"; nudgeId?: string; variant?: string },
  ): string {
    this.touched.conversationExternalIds.add(externalId);
    const conversation = this.known.conversations.get(externalId);
    if (conversation?.seen && !start) return conversation.row.id;
    // The surface is decided by the conversation's first event: NUDGE_CLICK when it carries a nudgeId.
    const surface = start?.nudgeId ? "NUDGE_CLICK" : (start?.surface ?? "CHAT_WIDGET");
    const nudgeId = start?.nudgeId ?? null;
    // So is the variant: a later conversation_started cannot move the conversation to another one.
    const variant = start?.variant ?? null;
    if (!conversation) {
      const row = {
        id: uuidv7(),
        shopId: this.shop.id,
        externalId,
        visitorId,
        startedAt: at,
        surface,
        nudgeId,
        variant,
      };
      this.known.conversations.set(externalId, { row, isNew: true, changed: true, seen: true });
      return row.id;
    }
    conversation.seen = true;
    const { row } = conversation;
    if (start && at < row.startedAt) {
      Object.assign(row, { startedAt: at, surface, nudgeId, variant, visitorId: row.visitorId ?? visitorId });
      conversation.changed = true;
    } else if (!row.visitorId && visitorId) {
      row.visitorId = visitorId;
      conversation.changed = true;
    }
    return row.id;
  }

  /** Kept with the time it was first seen: an identity already stored stays as it is. */
  private addIdentity(visitorId: string | null, kind: "CUSTOMER_ID" | "EMAIL_HASH", value: string, at: Date) {
    if (!visitorId) return;
    const key = `${visitorId} ${kind} ${value}`;
    if (!this.identityRows.has(key))
      this.identityRows.set(key, { id: uuidv7(), shopId: this.shop.id, visitorId, kind, value, seenAt: at });
  }

  /** A removal must follow an add of the same product by the same visitor, in the store or earlier in this batch. */
  private async hasEarlierAdd(visitorId: string, event: CartWireEvent, at: Date): Promise<boolean> {
    if (
      this.cartEventRows.some(
        (row) =>
          row.visitorId === visitorId &&
          row.productId === event.productId &&
          ADDS.includes(row.type) &&
          row.occurredAt <= at,
      )
    )
      return true;
    const [{ found }] = await this.sql.query<{ found: boolean }>(
      `SELECT EXISTS (SELECT 1 FROM "CartEvent" WHERE "shopId" = $1::uuid AND "visitorId" = $2::uuid AND "productId" = $3
                        AND type::text = ANY($4::text[]) AND "occurredAt" <= $5::timestamptz AT TIME ZONE 'UTC') AS found`,
      [this.shop.id, visitorId, event.productId, [...ADDS], at.toISOString()],
    );
    return found;
  }

  /** Step 4: every table with one statement; a batch's logged-in customer becomes an identity of its visitors. */
  async write(batches: readonly EventBatch[], fresh: readonly BatchEvent[]): Promise<void> {
    const { sql } = this;
    await writeConversations(sql, [...this.known.conversations.values()]);
    await insertJsonRows(sql, "Touchpoint", this.touchpointRows);
    await insertJsonRows(sql, "CartEvent", this.cartEventRows);
    // A token is bound once: a concurrent batch sharing the same token keeps the first.
    await insertJsonRows(sql, "ChatLink", this.chatLinkRows, `ON CONFLICT ("shopId", token) DO NOTHING`);
    await insertJsonRows(sql, "LinkClick", this.linkClickRows);
    // A visitor is exposed once: the first exposure stored stays (its arm is the same whatever the copy).
    await insertJsonRows(
      sql,
      "Exposure",
      [...this.exposureRows.values()],
      `ON CONFLICT ("experimentId", "visitorId") DO NOTHING`,
    );
    // The ledger's primary key is what makes a concurrent copy of this batch collide (and retry as duplicates).
    await insertJsonRows(sql, "ClientEvent", this.ledgerRows);
    // After all of the batch's touches are in.
    if (this.conversationsWithNewTouches.size)
      await refreshConversationTimes(sql, [...this.conversationsWithNewTouches], this.shop.requireAnswerFound);
    if (this.cartLinks.size) await upsertCartLinks(sql, [...this.cartLinks.values()]);
    batches.forEach(({ context }, part) => {
      if (!context.loggedInCustomerId) return;
      const keys = new Set(fresh.filter((item) => item.part === part).map(({ event }) => event.visitorId));
      for (const key of keys)
        if (key)
          this.addIdentity(
            this.known.visitors.get(key)!,
            "CUSTOMER_ID",
            context.loggedInCustomerId,
            this.earliestOf.get(part) ?? new Date(),
          );
    });
    // An identity already stored stays as it was first seen; one lock order for all batches.
    const identities = [...this.identityRows].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, row]) => row);
    await insertJsonRows(
      sql,
      "VisitorIdentity",
      identities,
      `ON CONFLICT ("shopId", "visitorId", kind, value) DO NOTHING`,
    );
  }
}

/** How many e-mail addresses one storefront visitor may claim (a shared device, a typo, a second address). */
export const MAX_EMAILS_PER_VISITOR = 3;

/**
 * What the carts a batch's storefront adds name already hold of stored claims: net quantity per (cart, variant),
 * whichever visitor sent them (a cart's adds together may not claim more than it holds).
 */
async function storedCartClaims(sql: Sql, shopId: string, events: readonly ClientEvent[]): Promise<ClaimedQuantities> {
  const tokens = claimedCartTokens(events);
  const claimed: ClaimedQuantities = new Map();
  if (tokens.length === 0) return claimed;
  const rows = await sql.query<{ cartToken: string; variantId: string; net: number }>(
    `SELECT "cartToken", "variantId", sum(CASE WHEN type::text = ANY($3::text[]) THEN quantity ELSE -quantity END)::int AS net
     FROM "CartEvent" WHERE "shopId" = $1::uuid AND "cartToken" = ANY($2::text[]) AND "variantId" IS NOT NULL
     GROUP BY "cartToken", "variantId"`,
    [shopId, tokens, [...ADDS]],
  );
  // Stored tokens are normalised already (claimKey's form).
  for (const row of rows) claimed.set(`${row.cartToken} ${row.variantId}`, Math.max(0, row.net));
  return claimed;
}

/** The e-mail hashes already stored for the visitors of these storefront identify events, by visitor row id. */
async function storedEmailClaims(
  sql: Sql,
  shopId: string,
  identifies: readonly { event: ClientEvent }[],
  visitors: Map<string, string>,
): Promise<Map<string, Set<string>>> {
  const visitorIds = [
    ...new Set(identifies.flatMap(({ event }) => (event.visitorId ? [visitors.get(event.visitorId)!] : []))),
  ];
  const claims = new Map<string, Set<string>>();
  if (visitorIds.length === 0) return claims;
  const rows = await sql.query<{ visitorId: string; value: string }>(
    `SELECT "visitorId"::text AS "visitorId", value FROM "VisitorIdentity"
     WHERE "shopId" = $1::uuid AND "visitorId" = ANY($2::uuid[]) AND kind = 'EMAIL_HASH'`,
    [shopId, visitorIds],
  );
  for (const row of rows) claims.set(row.visitorId, (claims.get(row.visitorId) ?? new Set()).add(row.value));
  return claims;
}

/**
 * The conversation each cart token was last seen with, in one statement (sorted, so two batches naming the same
 * tokens lock them in the same order). A token already known keeps its first visitor and source.
 */
async function upsertCartLinks(sql: Sql, links: CartLinkRow[]) {
  const rows = [...links].sort((a, b) => (a.token < b.token ? -1 : 1)).map((link) => ({ ...link, kind: "CART_TOKEN" }));
  await insertJsonRows(
    sql,
    "CartLink",
    rows,
    `ON CONFLICT ("shopId", kind, token) DO UPDATE SET "conversationExternalId" = EXCLUDED."conversationExternalId", "seenAt" = EXCLUDED."seenAt"`,
  );
}

/** New conversations in one statement, the ones this batch changed (an earlier start, a visitor learned) in another. */
async function writeConversations(sql: Sql, conversations: BatchConversation[]) {
  await insertJsonRows(
    sql,
    "Conversation",
    conversations.filter((c) => c.isNew).map((c) => c.row),
  );
  const changed = conversations.filter((c) => c.changed && !c.isNew).map((c) => c.row);
  if (changed.length === 0) return;
  await sql.query(
    `UPDATE "Conversation" c SET "startedAt" = r."startedAt", surface = r.surface, "nudgeId" = r."nudgeId",
            variant = r.variant, "visitorId" = r."visitorId"
     FROM jsonb_to_recordset($1::jsonb) AS r(id uuid, "startedAt" timestamp(3), surface "Surface", "nudgeId" text,
                                             variant text, "visitorId" uuid)
     WHERE c.id = r.id`,
    [JSON.stringify(changed)],
  );
}

async function refreshConversationTimes(sql: Sql, conversationIds: string[], requireAnswerFound: boolean) {
  await sql.query(
    `UPDATE "Conversation" c SET
       "firstQualifyingTouchAt" = (SELECT min(t."occurredAt") FROM "Touchpoint" t
         WHERE t."conversationId" = c.id AND t.kind = 'ASSISTANT_ANSWER' AND ($2::boolean OR t."answerFound" IS TRUE)),
       "lastTouchAt" = (SELECT max(t."occurredAt") FROM "Touchpoint" t WHERE t."conversationId" = c.id)
     WHERE c.id = ANY ($1::uuid[])`,
    [conversationIds, !requireAnswerFound],
  );
}

/**
 * Every visitor the batch's new events name, upserted in one statement (first event's time as first/last seen), in
 * key order so that two batches naming the same visitors lock their rows in the same order. Returns key → row id.
 */
async function upsertVisitors(sql: Sql, shopId: string, events: ClientEvent[]): Promise<Map<string, string>> {
  const firstSeen = new Map<string, string>();
  for (const event of events)
    if (event.visitorId && !firstSeen.has(event.visitorId)) firstSeen.set(event.visitorId, event.occurredAt);
  if (firstSeen.size === 0) return new Map();
  const keys = [...firstSeen.keys()].sort();
  const rows = await insertJsonRows<{ id: string; visitorKey: string }>(
    sql,
    "Visitor",
    keys.map((visitorKey) => {
      const at = new Date(firstSeen.get(visitorKey)!); // the client's time may carry any offset; the column is UTC
      return { id: uuidv7(), shopId, visitorKey, firstSeenAt: at, lastSeenAt: at };
    }),
    `ORDER BY r."visitorKey" ON CONFLICT ("shopId", "visitorKey") DO UPDATE SET "lastSeenAt" = EXCLUDED."lastSeenAt"
     RETURNING id::text AS id, "visitorKey"`,
  );
  return new Map(rows.map((row) => [row.visitorKey, row.id]));
}

interface BatchConversation {
  row: {
    id: string;
    shopId: string;
    externalId: string;
    visitorId: string | null;
    startedAt: Date;
    surface: "CHAT_WIDGET" | "FAQ" | "NUDGE_CLICK";
    nudgeId: string | null;
    variant: string | null;
  };
  isNew: boolean;
  changed: boolean;
  /** Already met in this batch: a later event without a start changes nothing. */
  seen: boolean;
}

/** The stored conversations the batch names, read in one query. */
async function knownConversations(
  sql: Sql,
  shopId: string,
  events: ClientEvent[],
): Promise<Map<string, BatchConversation>> {
  const externalIds = [
    ...new Set(
      events.flatMap((event) => ("conversationId" in event && event.conversationId ? [event.conversationId] : [])),
    ),
  ];
  if (externalIds.length === 0) return new Map();
  const rows = await sql.query<BatchConversation["row"]>(
    `SELECT id::text AS id, "shopId"::text AS "shopId", "externalId", "visitorId"::text AS "visitorId",
            "startedAt" AT TIME ZONE 'UTC' AS "startedAt", surface::text AS surface, "nudgeId", variant
     FROM "Conversation" WHERE "shopId" = $1::uuid AND "externalId" = ANY($2::text[])`,
    [shopId, externalIds],
  );
  return new Map(rows.map((row) => [row.externalId, { row, isNew: false, changed: false, seen: false }]));
}

/**
 * Orders placed at or after the earliest new event (touches after an order never count) that name a touched
 * conversation, carry a touched cart token, or were placed by a touched visitor's identities.
 */
async function reattributeTouchedOrders(sql: Sql, shop: EventShop, touched: Touched): Promise<number> {
  if (!touched.earliest) return 0;
  const sessions = [...touched.conversationExternalIds];
  const identities = touched.visitorIds.size
    ? await sql.query<{ kind: string; value: string }>(
        `SELECT kind::text AS kind, value FROM "VisitorIdentity" WHERE "shopId" = $1::uuid AND "visitorId" = ANY($2::uuid[])`,
        [shop.id, [...touched.visitorIds]],
      )
    : [];
  const customerIds = identities.filter((i) => i.kind === "CUSTOMER_ID").map((i) => i.value);
  const emailHashes = identities.filter((i) => i.kind === "EMAIL_HASH").map((i) => i.value);
  if (
    sessions.length + touched.cartTokens.size + customerIds.length + emailHashes.length + touched.visitorKeys.size ===
    0
  )
    return 0;
  const orders = await sql.query<{ id: string }>(
    `SELECT o.id::text AS id FROM "Order" o
     WHERE o."shopId" = $1::uuid AND o."processedAt" >= $2::timestamptz AT TIME ZONE 'UTC' AND (
       EXISTS (SELECT 1 FROM jsonb_array_elements(CASE jsonb_typeof(o."noteAttributes") WHEN 'array' THEN o."noteAttributes" ELSE '[]' END) AS a(attribute)
               WHERE (a.attribute->>'name' = $3 AND a.attribute->>'value' = ANY($4::text[]))
                  OR (a.attribute->>'name' = $8 AND a.attribute->>'value' = ANY($9::text[])))
       OR EXISTS (SELECT 1 FROM "OrderLineItem" li WHERE li."orderId" = o.id AND li."chatSessionId" = ANY($4::text[]))
       OR o."cartToken" = ANY($5::text[]) OR o."customerId" = ANY($6::text[]) OR o."emailHash" = ANY($7::text[]))`,
    [
      shop.id,
      touched.earliest.toISOString(),
      CHAT_SESSION_KEY,
      sessions,
      [...touched.cartTokens],
      customerIds,
      emailHashes,
      CHAT_VISITOR_KEY,
      [...touched.visitorKeys],
    ],
  );
  await attributeStoredOrders(
    sql,
    shop,
    orders.map((order) => order.id),
  );
  return orders.length;
}
