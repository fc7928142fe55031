/**
 * The plain-SQL column lists against the Prisma schema they must match: every column exists in its model with the
 * SQL type the list casts to, and no required column without a default is left out of an insert.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { INGEST_COLUMNS } from "./ingest-columns";

const schema = readFileSync(path.resolve(import.meta.dirname, "..", "..", "prisma", "schema.prisma"), "utf8");
const enums = new Set([...schema.matchAll(/^enum (\w+) \{/gm)].map((match) => match[1]));

interface Field {
  type: string;
  list: boolean;
  optional: boolean;
  attributes: string;
}

function modelFields(model: string): Map<string, Field> {
  const body = new RegExp(`^model ${model} \\{([\\s\\S]*?)^\\}`, "m").exec(schema)?.[1];
  if (!body) throw new Error(`no model ${model} in schema.prisma`);
  const fields = new Map<string, Field>();
  for (const line of body.split("\n")) {
    const match = /^\s+(\w+)\s+(\w+)(\[\])?(\?)?\s*(.*)$/.exec(line);
    if (!match || line.trim().startsWith("//") || line.trim().startsWith("@@")) continue;
    const [, name, type, list, optional, attributes] = match;
    fields.set(name, { type, list: list === "[]", optional: optional === "?", attributes });
  }
  return fields;
}

/** The SQL type a JSON recordset must cast a field to, as the migrations create its column. */
function sqlTypeOf(field: Field): string | null {
  if (enums.has(field.type)) return `"${field.type}"`;
  const base = { Int: "int", Boolean: "boolean", DateTime: "timestamp(3)", Decimal: "numeric", Json: "jsonb" }[
    field.type
  ];
  if (base) return base;
  if (field.type !== "String") return null; // a relation
  if (field.attributes.includes("@db.Uuid")) return "uuid";
  return field.list ? "text[]" : "text";
}

describe("ingest column lists", () => {
  it.each(Object.entries(INGEST_COLUMNS))("%s: every column is the model's, with its type", (model, columns) => {
    const fields = modelFields(model);
    for (const [column, sqlType] of Object.entries(columns)) {
      const field = fields.get(column);
      expect(field, `${model}.${column} is not in schema.prisma`).toBeDefined();
      expect({ column, sqlType }).toEqual({ column, sqlType: sqlTypeOf(field!) });
    }
  });

  it.each(Object.entries(INGEST_COLUMNS))("%s: no required column without a default is left out", (model, columns) => {
    const required = [...modelFields(model)]
      .filter(
        ([, field]) =>
          sqlTypeOf(field) !== null && !field.optional && !field.list && !/@default|@updatedAt/.test(field.attributes),
      )
      .map(([name]) => name);
    expect(required.filter((name) => !(name in columns))).toEqual([]);
  });
});
