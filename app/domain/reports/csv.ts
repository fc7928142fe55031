/**
 * RFC 4180 CSV. Text a spreadsheet would run as a formula (leading = + - @, tab or CR) is prefixed with
 * an apostrophe: order names and product titles come from the shop and must not execute on open.
 */
const FORMULA_START = /^[=+\-@\t\r]/;
const NUMBER = /^-?\d+(\.\d+)?$/;

export function csvField(value: string): string {
  const safe = FORMULA_START.test(value) && !NUMBER.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

export function csvLine(fields: readonly string[]): string {
  return fields.map(csvField).join(",") + "\r\n";
}

/** A streamed CSV body: header line, then one line per row as the generator yields them. */
export function csvStream(
  header: readonly string[],
  rows: AsyncIterable<readonly string[]>,
): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  const iterator = rows[Symbol.asyncIterator]();
  return new ReadableStream({
    start(controller) {
      // A UTF-8 byte-order mark so spreadsheet apps read product titles with accents correctly.
      controller.enqueue(encoder.encode("\uFEFF" + csvLine(header)));
    },
    async pull(controller) {
      const chunk: string[] = [];
      while (chunk.length < 200) {
        const next = await iterator.next();
        if (next.done) {
          if (chunk.length) controller.enqueue(encoder.encode(chunk.join("")));
          controller.close();
          return;
        }
        chunk.push(csvLine(next.value));
      }
      controller.enqueue(encoder.encode(chunk.join("")));
    },
    async cancel() {
      await iterator.return?.();
    },
  });
}
