/**
 * A shop's experiments: created as drafts, started (arms and weights frozen from then on, one running per shop),
 * ended. The running one reaches the storefront as an app-data metafield the embed's Liquid renders
 * (publishRunningExperiment), so assigning a visitor costs the page no request.
 */
import type { Experiment, ExperimentArm, Shop } from "@prisma/client";
import type { Db } from "../../db.server";
import { errorMessage } from "../../lib/error-message";
import { adminApiError, type AdminGraphql } from "../admin-graphql";
import { addDays, startOfDayInZone } from "../reports/date-range";
import { isUniqueViolation } from "../../db/unique-violation";
import {
  armKeyOf,
  EXPERIMENT_METAFIELD,
  storefrontExperimentOf,
  type ExperimentPlan,
  type StorefrontExperiment,
} from "./experiment-plan";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export type ExperimentWithArms = Experiment & { arms: ExperimentArm[] };

export class ExperimentStateError extends Error {}

const withArms = { arms: { orderBy: { position: "asc" } } } as const;

export function createExperiment(db: Db, shop: Pick<Shop, "id" | "timezone">, plan: ExperimentPlan) {
  return db.experiment.create({
    data: {
      shopId: shop.id,
      name: plan.name,
      primaryMetric: plan.primaryMetric,
      // A planned end day runs to its end in the shop's zone.
      plannedEndAt: plan.plannedEnd ? startOfDayInZone(addDays(plan.plannedEnd, 1), shop.timezone) : null,
      arms: {
        create: plan.arms.map((arm, position) => ({
          key: armKeyOf(arm.name),
          name: arm.name,
          position,
          weight: arm.weight,
          showChat: arm.showChat,
          variant: arm.variant,
        })),
      },
    },
    include: withArms,
  });
}

export const listExperiments = (db: Db, shopId: string): Promise<ExperimentWithArms[]> =>
  db.experiment.findMany({ where: { shopId }, orderBy: { createdAt: "desc" }, include: withArms });

export const findExperiment = (db: Db, shopId: string, id: string): Promise<ExperimentWithArms | null> =>
  // An id that is no UUID names nothing (and would make the database refuse the query).
  UUID.test(id) ? db.experiment.findFirst({ where: { id, shopId }, include: withArms }) : Promise.resolve(null);

export const runningExperiment = (db: Db, shopId: string): Promise<ExperimentWithArms | null> =>
  db.experiment.findFirst({ where: { shopId, status: "RUNNING" }, include: withArms });

/**
 * Starts a draft. A second running experiment is refused by a partial unique index, so two merchants clicking at
 * once cannot both start one.
 */
export async function startExperiment(db: Db, shopId: string, id: string, now = new Date()) {
  const experiment = await findExperiment(db, shopId, id);
  if (!experiment) throw new ExperimentStateError("No such experiment");
  if (experiment.status !== "DRAFT") throw new ExperimentStateError("Only a draft can be started");
  if (experiment.plannedEndAt && experiment.plannedEndAt <= now)
    throw new ExperimentStateError("The planned end has passed: create the experiment again with a later end");
  try {
    const { count } = await db.experiment.updateMany({
      where: { id, shopId, status: "DRAFT" },
      data: { status: "RUNNING", startedAt: now },
    });
    if (count === 0) throw new ExperimentStateError("Only a draft can be started");
  } catch (error) {
    if (isUniqueViolation(error)) throw new ExperimentStateError("Another experiment is running: end it first");
    throw error;
  }
}

export async function endExperiment(db: Db, shopId: string, id: string, now = new Date()) {
  const { count } = await db.experiment.updateMany({
    where: { id, shopId, status: "RUNNING" },
    data: { status: "ENDED", endedAt: now },
  });
  if (count === 0) throw new ExperimentStateError("Only a running experiment can be ended");
}

export async function deleteDraft(db: Db, shopId: string, id: string) {
  const { count } = await db.experiment.deleteMany({ where: { id, shopId, status: "DRAFT" } });
  if (count === 0) throw new ExperimentStateError("Only a draft can be deleted");
}

const INSTALLATION = `#graphql
  query AppInstallation { currentAppInstallation { id } }`;

const SET = `#graphql
  mutation SetExperiment($metafields: [MetafieldsSetInput!]!) {
    metafieldsSet(metafields: $metafields) { metafields { id } userErrors { field message } }
  }`;

const DELETE = `#graphql
  mutation DeleteExperiment($metafields: [MetafieldIdentifierInput!]!) {
    metafieldsDelete(metafields: $metafields) { deletedMetafields { key } userErrors { field message } }
  }`;

async function call<T>(admin: AdminGraphql, query: string, variables?: Record<string, unknown>): Promise<T> {
  const response = await admin.graphql(query, variables ? { variables } : undefined);
  const json = (await response.json().catch(() => null)) as { data?: T; errors?: unknown } | null;
  if (!response.ok || !json?.data) throw adminApiError(json, response.status);
  return json.data;
}

/** Writes (or, with null, removes) the app-data metafield the embed's Liquid reads. */
export async function writeStorefrontExperiment(admin: AdminGraphql, experiment: StorefrontExperiment | null) {
  const installation = await call<{ currentAppInstallation: { id: string } }>(admin, INSTALLATION);
  const ownerId = installation.currentAppInstallation.id;
  const result = experiment
    ? (
        await call<{ metafieldsSet: { userErrors: { message: string }[] } }>(admin, SET, {
          metafields: [{ ownerId, ...EXPERIMENT_METAFIELD, type: "json", value: JSON.stringify(experiment) }],
        })
      ).metafieldsSet
    : (
        await call<{ metafieldsDelete: { userErrors: { message: string }[] } }>(admin, DELETE, {
          metafields: [{ ownerId, ...EXPERIMENT_METAFIELD }],
        })
      ).metafieldsDelete;
  if (result.userErrors.length > 0) throw new Error(result.userErrors.map((error) => error.message).join("; "));
}

/**
 * Tells the storefront what runs now (the running experiment, or nothing) and records the outcome on the experiment
 * it concerns, so the page can say when the storefront is not in step. Never throws.
 */
export async function publishRunningExperiment(
  db: Db,
  admin: AdminGraphql,
  shopId: string,
  concerning?: string,
): Promise<{ ok: boolean; reason?: string }> {
  const running = await runningExperiment(db, shopId);
  const id = running?.id ?? concerning;
  try {
    await writeStorefrontExperiment(admin, running ? storefrontExperimentOf(running) : null);
    if (id) await db.experiment.updateMany({ where: { id }, data: { publishedAt: new Date(), publishError: null } });
    return { ok: true };
  } catch (error) {
    const reason = errorMessage(error).slice(0, 500);
    if (id) await db.experiment.updateMany({ where: { id }, data: { publishError: reason } });
    return { ok: false, reason };
  }
}
