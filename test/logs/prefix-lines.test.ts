import { expect, test } from "bun:test";
import { prefixLines, toLatin1 } from "../../src/logs/prefix-lines.ts";

test.each([
  ["a\nb\n", true, "web | a\nweb | b\n"],
  ["a\nb", true, "web | a\nweb | b"],
  ["rest\nnext\n", false, "rest\nweb | next\n"],
  ["\n", true, "web | \n"],
  ["", true, ""],
] as const)("%j (at line start: %p) -> %j", (input, atLineStart, out) => {
  expect(prefixLines(input, "web | ", atLineStart)).toBe(out);
});

test("bytes that are not ASCII or not UTF-8 come back unchanged through the latin1 view", () => {
  const input = new Uint8Array([0xc3, 0xa9, 0x0a, 0xff, 0x00, 0x80, 0x0a]);
  const out = Buffer.from(prefixLines(toLatin1(input), "p | ", true), "latin1");
  expect([...out]).toEqual([...Buffer.from("p | "), 0xc3, 0xa9, 0x0a, ...Buffer.from("p | "), 0xff, 0x00, 0x80, 0x0a]);
});
