import { describe, expect, it } from "vitest";
import { errorWithoutValues } from "./log.server";

describe("errorWithoutValues", () => {
  it("keeps an error's kind, code and message and drops the values drivers attach", () => {
    // Issue 25.12: node-postgres puts the offending row's values in `detail`; Prisma adds `meta` and arguments.
    const error = Object.assign(
      new Error('duplicate key value violates unique constraint "VisitorIdentity_shopId_visitorId_kind_value_key"'),
      {
        name: "DatabaseError",
        code: "23505",
        detail: "Key (value)=(3f2c…shopper@example.com) already exists.",
        parameters: ["shopper@example.com", "820982911946154508"],
        meta: { target: ["value"], modelName: "VisitorIdentity" },
        where: 'SQL statement "INSERT …"',
      },
    );
    const logged = errorWithoutValues(error);
    expect(logged).toMatchObject({ type: "DatabaseError", code: "23505", message: error.message });
    expect(JSON.stringify(logged)).not.toMatch(/shopper@example\.com|820982911946154508|Key \(value\)/);
    expect(Object.keys(logged).sort()).toEqual(["code", "message", "stack", "type"]);
  });

  it("logs a thrown non-error as bounded text", () => {
    expect(errorWithoutValues("x".repeat(2_000))).toEqual({ message: "x".repeat(500) });
  });
});
