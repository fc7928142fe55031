import { describe, expect, it } from "vitest";
import {
  armKeyOf,
  experimentPlanSchema,
  HOLDOUT_TEMPLATE,
  storefrontExperimentOf,
  VARIANT_TEMPLATE,
} from "./experiment-plan";

const plan = (overrides: Record<string, unknown> = {}) => ({ name: "Holdout", arms: HOLDOUT_TEMPLATE, ...overrides });
const errorsOf = (input: unknown) => {
  const result = experimentPlanSchema.safeParse(input);
  return result.success ? [] : result.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`);
};

describe("experimentPlanSchema", () => {
  it("takes both templates as they are", () => {
    expect(errorsOf(plan())).toEqual([]);
    expect(errorsOf(plan({ arms: VARIANT_TEMPLATE }))).toEqual([]);
    expect(experimentPlanSchema.parse(plan()).primaryMetric).toBe("revenuePerVisitor");
  });

  it("refuses weights that do not add up to 100, and 1 or 5 arms", () => {
    expect(errorsOf(plan({ arms: [{ ...HOLDOUT_TEMPLATE[0], weight: 20 }, HOLDOUT_TEMPLATE[1]] }))).toEqual([
      "arms: Weights must add up to 100 % (now 110 %)",
    ]);
    expect(errorsOf(plan({ arms: [{ ...HOLDOUT_TEMPLATE[0], weight: 100 }] }))).toContain(
      "arms: An experiment needs at least 2 arms",
    );
    const five = Array.from({ length: 5 }, (_, n) => ({ name: `Arm ${n}`, weight: 20, showChat: true }));
    expect(errorsOf(plan({ arms: five }))).toContain("arms: An experiment has at most 4 arms");
  });

  it("refuses two arms with the same key, a bad variant, a bad end date and an unknown metric", () => {
    const twins = [
      { name: "Prompt A", weight: 50, showChat: true },
      { name: "prompt-a", weight: 50, showChat: true },
    ];
    expect(errorsOf(plan({ arms: twins }))).toEqual(["arms.1.name: Another arm has this name"]);
    const badVariant = [HOLDOUT_TEMPLATE[0], { ...HOLDOUT_TEMPLATE[1], variant: "has space" }];
    expect(errorsOf(plan({ arms: badVariant }))[0]).toMatch(/^arms\.1\.variant: must be 1–64 letters/);
    expect(errorsOf(plan({ plannedEnd: "next week" }))).toEqual(["plannedEnd: must be a date (yyyy-mm-dd), or empty"]);
    expect(errorsOf(plan({ primaryMetric: "clicks" }))).toHaveLength(1);
  });

  it("reads an empty variant and an empty end as none", () => {
    const parsed = experimentPlanSchema.parse(
      plan({ plannedEnd: "", arms: [HOLDOUT_TEMPLATE[0], { ...HOLDOUT_TEMPLATE[1], variant: " " }] }),
    );
    expect(parsed.plannedEnd).toBeNull();
    expect(parsed.arms[1].variant).toBeNull();
  });
});

describe("armKeyOf", () => {
  it.each([
    ["No chat (holdout)", "no-chat-holdout"],
    ["Prompt Ä", "prompt-a"],
    ["  ---  ", "arm"],
    ["x".repeat(40), "x".repeat(32)],
  ])("%s → %s", (name, key) => expect(armKeyOf(name)).toBe(key));
});

it("tells the storefront only what assignment needs", () => {
  const arms = [{ key: "a", name: "A (secret note)", weight: 50, showChat: true, variant: "v1" }];
  expect(storefrontExperimentOf({ id: "e1", arms })).toEqual({
    id: "e1",
    arms: [{ key: "a", weight: 50, showChat: true, variant: "v1" }],
  });
});
