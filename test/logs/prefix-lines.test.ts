import { describe, expect, test } from "bun:test";
import { nativePrefix } from "../../src/logs/native-prefix.ts";
import { prefixLines, prefixLinesInJs } from "../../src/logs/prefix-lines.ts";

const bytes = (text: string) => Buffer.from(text, "latin1");
const text = (out: Uint8Array) => Buffer.from(out).toString("latin1");

test("the C helper compiles here (bun:ffi cc through a memfd), so the fast path is the one tested below", () => {
  expect(nativePrefix()).not.toBeNull();
});

describe.each([
  ["C", prefixLines],
  ["JavaScript", prefixLinesInJs],
] as const)("prefixLines in %s", (_, prefix) => {
  test.each([
    ["a\nb\n", true, "web | a\nweb | b\n"],
    ["a\nb", true, "web | a\nweb | b"],
    ["rest\nnext\n", false, "rest\nweb | next\n"],
    ["\n", true, "web | \n"],
    ["\n\n", false, "\nweb | \n"],
    ["", true, ""],
  ] as const)("%j (at line start: %p) -> %j", (input, atLineStart, out) => {
    expect(text(prefix(bytes(input), bytes("web | "), atLineStart))).toBe(out);
  });

  test("bytes that are not ASCII or not UTF-8 come back unchanged", () => {
    const input = new Uint8Array([0xc3, 0xa9, 0x0a, 0xff, 0x00, 0x80, 0x0a]);
    expect([...prefix(input, bytes("p | "), true)]).toEqual([...bytes("p | "), 0xc3, 0xa9, 0x0a, ...bytes("p | "), 0xff, 0x00, 0x80, 0x0a]);
  });
});

test("C and JavaScript agree on a megabyte of lines of every length, read from the middle of a buffer", () => {
  const lines = Array.from({ length: 20000 }, (_, i) => `${i} ${"é".repeat(i % 37)}\n`).join("");
  const big = Buffer.from(`junk${lines}tail`);
  const piece = big.subarray(4); // a view with an offset, as pipe reads hand them over
  const c = Buffer.from(prefixLines(piece, bytes("worker-1 | "), true));
  const js = Buffer.from(prefixLinesInJs(piece, bytes("worker-1 | "), true));
  expect([c.equals(js), c.length]).toEqual([true, piece.length + 20001 * "worker-1 | ".length]);
});
