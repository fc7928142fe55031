/**
 * Deterministic generator of hostile request bodies: starts from a valid body and breaks it the ways clients and
 * attackers do (malformed JSON, wrong types, missing and extra keys, huge strings, deep nesting, odd unicode,
 * boundary numbers). A fixed seed makes a failure reproducible: the failing case prints its seed and index.
 */
import { seededRandom, type SeededRandom } from "../../app/lib/seeded-random";

const STRINGS = [
  "",
  " ",
  "\u0000",
  "\ud800",
  "\udfff",
  "💥🛒",
  "\u202e\u0627\u0644\u0639\u0631\u0628\u064a\u0629",
  "\u200b\u200d",
  "null",
  "NaN",
  "-0",
  "<script>alert(1)</script>",
  '\'; DROP TABLE "Order"; --',
  '=HYPERLINK("http://x")',
  "../../etc/passwd",
  "gid://shopify/Order/1",
  "9".repeat(40),
  "2026-02-30T25:61:00Z",
  "1e309",
  "0x10",
  "\\u0000",
];
const NUMBERS = [
  0,
  -0,
  -1,
  1,
  0.1 + 0.2,
  2 ** 31,
  2 ** 53,
  2 ** 53 + 2,
  -(2 ** 53),
  1e308,
  -1e308,
  5e-324,
  999,
  1000,
  100_000,
  1.5,
];

function deep(depth: number): unknown {
  let value: unknown = "bottom";
  for (let i = 0; i < depth; i++) value = i % 2 ? { nested: value } : [value];
  return value;
}

function hostileValue(rng: SeededRandom): unknown {
  switch (rng.int(0, 9)) {
    case 0:
      return null;
    case 1:
      return rng.pick(NUMBERS);
    case 2:
      return rng.pick(STRINGS);
    case 3:
      return rng.chance(0.5);
    case 4:
      return [];
    case 5:
      return {};
    case 6:
      return "x".repeat(rng.pick([256, 4_096, 70_000, 300_000]));
    case 7:
      return deep(rng.pick([50, 500, 1_000]));
    case 8:
      return Array.from({ length: rng.pick([101, 1_000]) }, () => rng.pick(STRINGS));
    default:
      return { [rng.pick(STRINGS)]: rng.pick(STRINGS) };
  }
}

/** Every path to a value inside a JSON value. */
function paths(
  value: unknown,
  prefix: (string | number)[] = [],
  out: (string | number)[][] = [],
): (string | number)[][] {
  if (value && typeof value === "object") {
    for (const [key, child] of Object.entries(value)) {
      const path = [...prefix, Array.isArray(value) ? Number(key) : key];
      out.push(path);
      paths(child, path, out);
    }
  }
  return out;
}

function mutate(template: unknown, rng: SeededRandom): unknown {
  const copy = structuredClone(template) as Record<string, unknown>;
  const all = paths(copy);
  for (let n = rng.int(1, 3); n > 0 && all.length; n--) {
    const path = rng.pick(all);
    const parent = path
      .slice(0, -1)
      .reduce<unknown>(
        (node, key) => (node && typeof node === "object" ? (node as Record<string, unknown>)[String(key)] : undefined),
        copy,
      );
    if (!parent || typeof parent !== "object") continue;
    // Arrays take their indexes as string keys too, so one record view serves both.
    const target = parent as Record<string, unknown>;
    const key = String(path[path.length - 1]);
    const action = rng.int(0, 2);
    if (action === 1 && !Array.isArray(parent)) delete target[key];
    else if (action === 2 && !Array.isArray(parent))
      target[rng.pick(["__proto__", "constructor", "extra", "prototype", "toString"])] = hostileValue(rng);
    else target[key] = hostileValue(rng);
  }
  return copy;
}

function malformed(template: unknown, rng: SeededRandom): string {
  const text = JSON.stringify(template);
  switch (rng.int(0, 7)) {
    case 0:
      return text.slice(0, rng.int(0, Math.max(0, text.length - 1)));
    case 1:
      return text.replace(/,/, ",,");
    case 2:
      return `${text}${rng.pick(["}", "]", ",", "garbage", "\u0000"])}`;
    case 3:
      return text.replace(/"/, "'");
    case 4:
      return rng.pick(["", "null", "true", "0", "[]", '"string"', "NaN", "Infinity", '{"a":1e999}', '{"a":-}']);
    case 5:
      return Array.from({ length: rng.int(1, 200) }, () => String.fromCharCode(rng.int(0, 0xffff))).join("");
    // Deep nesting built as text: more levels than JSON.stringify could produce.
    case 6:
      return "[".repeat(rng.pick([100, 10_000, 100_000])) + "]".repeat(rng.pick([100, 10_000, 100_000]));
    default:
      return text.replace(/\d/, "\\u00");
  }
}

/** The i-th hostile body for a template: a raw string (JSON or not). */
export function hostileBody(template: unknown, seed: number, index: number): string {
  const rng = seededRandom(seed * 1_000_003 + index);
  const kind = rng.int(0, 9);
  if (kind < 3) return malformed(template, rng);
  if (kind === 3) return JSON.stringify(hostileValue(rng));
  return JSON.stringify(mutate(template, rng));
}
