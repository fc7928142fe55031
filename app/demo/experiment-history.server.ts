/**
 * The demo's experiments, with an effect the generator knows: a finished chat holdout (half the visitors without the
 * chat for four weeks, ended a month ago) in which the chat doubles conversion (3 % to 6 %), and a variant test running for the last 20
 * days in which prompt B converts at 4.2 % against prompt A's 3.8 %. Visitors are assigned by the same hash as the
 * embed, exposed through the event validator and ingest, and their orders arrive as webhooks carrying the stamps
 * the embed puts on the cart; the Experiments page shows what the analysis makes of them.
 */
import type { Shop } from "@prisma/client";
import type { Db } from "../db.server";
import { parseEventBatch } from "../domain/events/event-schema";
import { recordEventBatch } from "../domain/events/record-events.server";
import { armOfBucket, assignedArm, BUCKETS } from "../domain/experiments/assignment";
import { experimentPlanSchema, type ExperimentPlan } from "../domain/experiments/experiment-plan";
import {
  createExperiment,
  endExperiment,
  findExperiment,
  startExperiment,
} from "../domain/experiments/experiments.server";
import type { SeededRandom } from "../lib/seeded-random";
import { DEMO_CATALOG } from "./catalog";
import { deliverOrder, type OrderPlan } from "./demo-orders.server";

const MINUTE = 60_000;
const DAY = 1440 * MINUTE;

interface DemoExperiment {
  plan: ExperimentPlan;
  /** Days before now it starts, and ends (null: still running). */
  fromDaysAgo: number;
  toDaysAgo: number | null;
  visitorsPerDay: number;
  /** Per arm key: the chance a visitor buys (once), and the chance a buyer of a chat arm chatted first. */
  conversion: Record<string, number>;
}

export const DEMO_EXPERIMENTS: DemoExperiment[] = [
  {
    plan: experimentPlanSchema.parse({
      name: "Chat holdout",
      arms: [
        { name: "No chat (holdout)", weight: 50, showChat: false },
        { name: "Chat", weight: 50, showChat: true },
      ],
    }),
    fromDaysAgo: 58,
    toDaysAgo: 30,
    visitorsPerDay: 300,
    conversion: { "no-chat-holdout": 0.03, chat: 0.06 },
  },
  {
    plan: experimentPlanSchema.parse({
      name: "Prompt A against prompt B",
      arms: [
        { name: "Prompt A", weight: 50, showChat: true, variant: "prompt-a" },
        { name: "Prompt B", weight: 50, showChat: true, variant: "prompt-b" },
      ],
    }),
    fromDaysAgo: 20,
    toDaysAgo: null,
    visitorsPerDay: 150,
    conversion: { "prompt-a": 0.038, "prompt-b": 0.042 },
  },
];

export interface ExperimentHistory {
  /** Exposures and the chat events of the experiments' visitors. */
  events: number;
  orders: number;
}

export async function seedDemoExperiments(
  db: Db,
  shop: Shop,
  rng: SeededRandom,
  now: Date,
  nextOrderId: number,
): Promise<ExperimentHistory> {
  let events = 0;
  let orders = 0;
  for (const [index, demo] of DEMO_EXPERIMENTS.entries()) {
    const startedAt = new Date(now.getTime() - demo.fromDaysAgo * DAY);
    const endedAt = demo.toDaysAgo === null ? now : new Date(now.getTime() - demo.toDaysAgo * DAY);
    const draft = await createExperiment(db, shop, demo.plan);
    await startExperiment(db, shop.id, draft.id, startedAt);
    const experiment = (await findExperiment(db, shop.id, draft.id))!;
    const due: OrderPlan[] = [];
    for (let day = startedAt.getTime(); day < endedAt.getTime(); day += DAY) {
      const clock = new Date(Math.min(day + DAY, endedAt.getTime()));
      const today: Record<string, unknown>[] = [];
      for (let v = 0; v < demo.visitorsPerDay; v++) {
        const at = day + rng.int(0, DAY / MINUTE - 1) * MINUTE;
        if (at >= clock.getTime()) continue;
        // The arm is drawn from the weights, then a visitor id the embed's hash puts there (the experiment's id is new
        // on every seeding): the same history, and the same result, on every run.
        const arm = armOfBucket(experiment.arms, rng.int(0, BUCKETS - 1));
        let visitorId = "";
        for (let k = 0; !visitorId || assignedArm(experiment.id, experiment.arms, visitorId) !== arm; k++)
          visitorId = `demo_x${index}_${Math.round(day / DAY)}_${v}_${k}`;
        today.push({
          id: `${visitorId}_exposure`,
          type: "exposure",
          experimentId: experiment.id,
          arm: arm.key,
          visitorId,
          occurredAt: new Date(at).toISOString(),
        });
        if (!rng.chance(demo.conversion[arm.key])) continue;
        const orderAt = at + rng.int(5, 240) * MINUTE;
        const conversationId = arm.showChat && rng.chance(0.5) ? `${visitorId}_chat` : undefined;
        const product = rng.pick(DEMO_CATALOG);
        if (conversationId) {
          today.push(
            {
              id: `${conversationId}_start`,
              type: "conversation_started",
              conversationId,
              visitorId,
              variant: arm.variant ?? undefined,
              occurredAt: new Date(at + MINUTE).toISOString(),
            },
            {
              id: `${conversationId}_answer`,
              type: "message",
              conversationId,
              visitorId,
              role: "assistant",
              answerFound: true,
              productIds: [product.productId],
              occurredAt: new Date(at + 2 * MINUTE).toISOString(),
            },
          );
        }
        due.push({
          id: nextOrderId++,
          at: new Date(orderAt),
          items: [{ product, quantity: rng.int(1, 2) }],
          noteSession: conversationId,
          visitorKey: visitorId,
          arm: arm.key,
          refundRatio: rng.chance(0.05) ? 1 : undefined,
        });
      }
      // A hundred visitors' events to a call, as a headless storefront's backend would send them through the
      // server API (times kept as sent; a browser's would be held to their arrival): seeding stays quick.
      for (let i = 0; i < today.length; i += 100) {
        const batch = today.slice(i, i + 100);
        const parsed = parseEventBatch({ events: batch }, { now: clock, requireVisitorId: true, allowRawEmail: false });
        if (!parsed.ok)
          throw new Error(`demo experiment produced an invalid event: ${JSON.stringify(parsed.errors[0])}`);
        const summary = await recordEventBatch(db, shop, parsed.events, { source: "SERVER_API" });
        if (summary.rejected.length) throw new Error(`demo exposure refused: ${summary.rejected[0].reason}`);
        events += parsed.events.length;
      }
    }
    if (demo.toDaysAgo !== null) await endExperiment(db, shop.id, experiment.id, endedAt);
    for (const plan of due.filter((order) => order.at < now)) {
      await deliverOrder(db, shop, plan, now);
      orders++;
    }
  }
  return { events, orders };
}
