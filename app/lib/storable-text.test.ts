import { describe, expect, it } from "vitest";
import { unstorableTextPath } from "./storable-text";

describe("unstorableTextPath", () => {
  it.each([
    ["plain text, emoji and paired surrogates", { a: ["ok", "💥🛒", "\u202eابc"] }, null],
    ["a NUL in a value", { events: [{ topic: "a\u0000b" }] }, ["events", 0, "topic"]],
    ["a lone leading surrogate", { id: "\ud800" }, ["id"]],
    ["a lone trailing surrogate", ["x", "\udfffy"], [1]],
    ["a NUL in a key, reported escaped", { "k\u0000": 1 }, ['"k\\u0000"']],
  ])("%s", (_name, value, expected) => {
    expect(unstorableTextPath(value)).toEqual(expected);
  });

  it("walks nesting far deeper than the call stack", () => {
    const deep = JSON.parse(`${"[".repeat(200_000)}"\\u0000"${"]".repeat(200_000)}`);
    expect(unstorableTextPath(deep)).toHaveLength(200_000);
  });
});
