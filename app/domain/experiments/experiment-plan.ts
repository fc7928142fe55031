/**
 * What a merchant asks for when creating an experiment, checked before anything is stored, and what the storefront
 * is told once it runs (the app-data metafield the embed's Liquid renders). Pure.
 */
import { z } from "zod";
import { METRICS, type Metric } from "./statistics";

export const MAX_ARMS = 4;
/** The same alphabet as a conversation's `variant` (event-protocol.md), so an arm can hand its variant on as is. */
export const VARIANT_PATTERN = /^[A-Za-z0-9][\w.:-]{0,63}$/;

const armSchema = z.object({
  name: z.string().trim().min(1, "Give the arm a name").max(100, "Use at most 100 characters"),
  weight: z.coerce
    .number()
    .int("must be a whole percent")
    .min(1, "must be at least 1 %")
    .max(99, "must be at most 99 %"),
  showChat: z.boolean(),
  variant: z
    .string()
    .trim()
    .transform((v) => (v === "" ? null : v))
    .pipe(
      z
        .string()
        .regex(VARIANT_PATTERN, "must be 1–64 letters, digits, '_', '.', ':' or '-', starting with a letter or digit")
        .nullable(),
    )
    .nullable()
    .default(null),
});

/** An ISO date (yyyy-mm-dd) in the shop's zone, or empty: no planned end. */
const optionalDay = z
  .string()
  .trim()
  .refine((v) => v === "" || /^\d{4}-\d{2}-\d{2}$/.test(v), "must be a date (yyyy-mm-dd), or empty")
  .transform((v) => (v === "" ? null : v))
  .nullable()
  .default(null);

export const experimentPlanSchema = z
  .object({
    name: z.string().trim().min(1, "Give the experiment a name").max(100, "Use at most 100 characters"),
    primaryMetric: z.enum(METRICS as [Metric, ...Metric[]]).default("revenuePerVisitor"),
    plannedEnd: optionalDay,
    arms: z
      .array(armSchema)
      .min(2, "An experiment needs at least 2 arms")
      .max(MAX_ARMS, `An experiment has at most ${MAX_ARMS} arms`),
  })
  .superRefine((plan, context) => {
    const total = plan.arms.reduce((sum, arm) => sum + arm.weight, 0);
    if (total !== 100)
      context.addIssue({ code: "custom", path: ["arms"], message: `Weights must add up to 100 % (now ${total} %)` });
    const keys = new Set<string>();
    plan.arms.forEach((arm, index) => {
      const key = armKeyOf(arm.name);
      if (keys.has(key))
        context.addIssue({ code: "custom", path: ["arms", index, "name"], message: "Another arm has this name" });
      keys.add(key);
    });
  });

export type ExperimentPlan = z.output<typeof experimentPlanSchema>;

/** An arm's key on the wire and on the cart (`_chat_arm`): its name in lower-case letters, digits and '-'. */
export function armKeyOf(name: string): string {
  const key = name
    .normalize("NFKD")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 32)
    .replace(/-+$/, "");
  return key || "arm";
}

/** The arm as stored and as the storefront receives it; the first arm is the control. */
export interface StoredArm {
  key: string;
  name: string;
  weight: number;
  showChat: boolean;
  variant: string | null;
}

/** What the embed's Liquid renders into the page while an experiment runs (`app.metafields.chat_attribution.experiment`). */
export interface StorefrontExperiment {
  id: string;
  arms: { key: string; weight: number; showChat: boolean; variant: string | null }[];
}

export const EXPERIMENT_METAFIELD = { namespace: "chat_attribution", key: "experiment" } as const;

export function storefrontExperimentOf(experiment: { id: string; arms: readonly StoredArm[] }): StorefrontExperiment {
  return {
    id: experiment.id,
    arms: experiment.arms.map(({ key, weight, showChat, variant }) => ({ key, weight, showChat, variant })),
  };
}

/** The two templates the create form offers. */
export const HOLDOUT_TEMPLATE: ExperimentPlan["arms"] = [
  { name: "No chat (holdout)", weight: 10, showChat: false, variant: null },
  { name: "Chat", weight: 90, showChat: true, variant: null },
];
export const VARIANT_TEMPLATE: ExperimentPlan["arms"] = [
  { name: "Prompt A", weight: 50, showChat: true, variant: "prompt-a" },
  { name: "Prompt B", weight: 50, showChat: true, variant: "prompt-b" },
];
