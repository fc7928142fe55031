/**
 * PostgreSQL text cannot hold NUL (0x00), and Prisma's query engine refuses strings with a lone UTF-16 surrogate
 * (JSON allows both, as "\u0000" and "\ud800"). Bodies carrying them are refused with a 400 up front instead of
 * failing inside a transaction as a 500 (found by the fuzz run).
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding NUL is this pattern's whole job
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Any NUL or surrogate at all: a cheap test that clears almost every real body (emoji are surrogate pairs). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: as above
const SUSPECT = /[\u0000\ud800-\udfff]/;

/** Whether any string or key in a parsed JSON value has a character SUSPECT matches (no paths kept: every body pays this). */
function holdsSuspectText(root: unknown): boolean {
  const stack: unknown[] = [root];
  while (stack.length) {
    const value = stack.pop();
    if (typeof value === "string") {
      if (SUSPECT.test(value)) return true;
    } else if (Array.isArray(value)) {
      for (let index = 0; index < value.length; index++) stack.push(value[index]);
    } else if (value !== null && typeof value === "object") {
      const object = value as Record<string, unknown>;
      for (const key of Object.keys(object)) {
        if (SUSPECT.test(key)) return true;
        stack.push(object[key]);
      }
    }
  }
  return false;
}

/**
 * The path of the first string or key in a parsed JSON value that cannot be stored, or null. Iterative, because
 * a hostile body can nest far deeper than the call stack.
 */
export function unstorableTextPath(value: unknown): (string | number)[] | null {
  if (!holdsSuspectText(value)) return null;
  // Each entry links to its parent instead of copying the path: linear in the size of the body at any depth.
  interface Entry {
    value: unknown;
    key: string | number | null;
    parent: Entry | null;
  }
  const pathOf = (entry: Entry | null, last?: string | number) => {
    const path: (string | number)[] = last === undefined ? [] : [last];
    for (let node = entry; node && node.key !== null; node = node.parent) path.push(node.key);
    return path.reverse();
  };
  const stack: Entry[] = [{ value, key: null, parent: null }];
  while (stack.length) {
    const entry = stack.pop()!;
    const current = entry.value;
    if (typeof current === "string") {
      if (UNSTORABLE.test(current)) return pathOf(entry);
    } else if (current && typeof current === "object") {
      const isArray = Array.isArray(current);
      for (const [key, child] of Object.entries(current)) {
        // An offending key is reported JSON-escaped, so the error message itself can be stored and sent.
        if (UNSTORABLE.test(key)) return pathOf(entry, JSON.stringify(key));
        stack.push({ value: child, key: isArray ? Number(key) : key, parent: entry });
      }
    }
  }
  return null;
}

export const UNSTORABLE_TEXT_MESSAGE = "must not contain NUL characters or unpaired UTF-16 surrogates";
