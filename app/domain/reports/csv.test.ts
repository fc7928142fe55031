import { describe, expect, it } from "vitest";
import { csvField, csvLine, csvStream } from "./csv";

describe("csv", () => {
  it.each([
    ["plain", "plain"],
    ["#1001", "#1001"],
    ["a,b", '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ["two\nlines", '"two\nlines"'],
    ['=HYPERLINK("x")', '"\'=HYPERLINK(""x"")"'],
    ["+1 gift", "'+1 gift"],
    ["@sum", "'@sum"],
    ["-12.50", "-12.50"], // a negative amount stays a number
    ["", ""],
  ])("%j → %j", (value, expected) => {
    expect(csvField(value)).toBe(expected);
  });

  it("joins a line with CRLF", () => {
    expect(csvLine(["a", "b,c"])).toBe('a,"b,c"\r\n');
  });

  it("streams a BOM, the header and every row", async () => {
    async function* rows() {
      for (let index = 0; index < 450; index++) yield [String(index), `row ${index}`];
    }
    const bytes = new Uint8Array(await new Response(csvStream(["n", "label"], rows())).arrayBuffer());
    expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]); // the BOM (Response.text() would strip it)
    const lines = new TextDecoder("utf-8", { ignoreBOM: true }).decode(bytes.slice(3)).split("\r\n");
    expect(lines[0]).toBe("n,label");
    expect(lines).toHaveLength(452); // header + 450 rows + the empty string after the last CRLF
    expect(lines[450]).toBe("449,row 449");
  });
});
