import { describe, expect, test } from "bun:test";
import { LineSplitter, MAX_LINE_BYTES, countLines } from "../../src/logs/line-splitter.ts";
import { ROOM_BEFORE } from "../../src/logs/pipe-reader.ts";

const bytes = (text: string) => new TextEncoder().encode(text);
const text = (piece: Uint8Array | null) => (piece === null ? null : new TextDecoder().decode(piece));

// `input` split as the pipe reader hands it: in chunks of `size` bytes of one reused buffer, each with
// `room` free bytes before it. The pieces of each chunk (copies), and what flush() gives at the end.
function splitInChunks(input: Uint8Array, size: number, room: number, splitter = new LineSplitter()): { chunks: Buffer[][]; rest: Uint8Array | null } {
  const reused = new Uint8Array(room + size);
  const chunks: Buffer[][] = [];
  for (let at = 0; at < input.length; at += size) {
    const n = Math.min(size, input.length - at);
    reused.set(input.subarray(at, at + n), room);
    const pieces: Buffer[] = [];
    splitter.split(reused.subarray(room, room + n), (piece) => pieces.push(Buffer.from(piece)), room); // a copy, as a writer that keeps it must make
    chunks.push(pieces);
  }
  return { chunks, rest: splitter.flush() };
}

describe("LineSplitter", () => {
  test.each([
    [["a\nb\n"], ["a\nb\n"], null],
    [["a\nb"], ["a\n"], "b"],
    [["par", "tial\n"], [null, "partial\n"], null],
    [["a", "b", "c"], [null, null, null], "abc"],
    [["x\ny", "z\n", "\n"], ["x\n", "yz\n", "\n"], null],
    [["", "a\n"], [null, "a\n"], null],
  ] as const)("%j -> pieces %j, then %j on flush", (chunks, pieces, rest) => {
    const splitter = new LineSplitter();
    expect([chunks.map((c) => text(splitter.push(bytes(c)))), text(splitter.flush())]).toEqual([[...pieces], rest]);
  });

  test("a line longer than the limit comes out in pieces that together are the line", () => {
    const splitter = new LineSplitter(4);
    expect(["ab", "cdef", "gh\n"].map((c) => text(splitter.push(bytes(c))))).toEqual([null, "abcd", "efgh\n"]);
  });

  test("any chunking gives back the same bytes, cut only after a newline or at the end", () => {
    const input = bytes(Array.from({ length: 500 }, (_, i) => `line ${i} ${"é".repeat(i % 7)}\n`).join("") + "tail");
    for (const size of [1, 3, 64, 1000, input.length]) {
      const splitter = new LineSplitter();
      const out: number[] = [];
      for (let at = 0; at < input.length; at += size) {
        const piece = splitter.push(input.subarray(at, at + size));
        if (piece) {
          expect(piece[piece.length - 1]).toBe(10);
          out.push(...piece);
        }
      }
      out.push(...(splitter.flush() ?? []));
      expect(Buffer.from(out).equals(Buffer.from(input))).toBe(true);
    }
  });

  // The pipe reader hands every chunk in one reused buffer, and a program's 8 KiB stdio buffer cuts
  // its 100-byte lines: each cut line is carried over in the splitter's own buffer, never in the chunk's.
  test("split: chunks of one reused buffer that cut lines come out as whole lines, the same bytes", () => {
    const input = bytes(Array.from({ length: 3000 }, (_, i) => `${String(i).padStart(98, "x")}\n`).join(""));
    for (const size of [100, 8192, 65536, 7]) {
      const { chunks, rest } = splitInChunks(input, size, 0);
      const pieces = chunks.flat();
      expect(pieces.every((piece) => piece[piece.length - 1] === 10)).toBe(true);
      expect(Math.max(...chunks.map((c) => c.length))).toBeLessThanOrEqual(2);
      expect([Buffer.concat(pieces).equals(Buffer.from(input)), rest, chunks.length > 0]).toEqual([true, null, true]);
    }
  });

  // As the pipe reader hands them: room before each chunk, where the cut line is put in front of the
  // chunk's lines, so that each chunk gives one piece (one write of each file), not two.
  test("split with room before the chunk: one piece per chunk that ends a line, the same bytes", () => {
    const input = bytes(Array.from({ length: 3000 }, (_, i) => `${String(i).padStart(98, "x")}\n`).join("") + "tail");
    for (const [size, room] of [[8192, 65536], [100, 100], [7, 65536], [8192, 50]] as const) {
      const { chunks, rest } = splitInChunks(input, size, room);
      const twoPieces = chunks.filter((c) => c.length > 1).length;
      // with room for the cut line (every size but the last case's) a chunk is never two pieces
      expect([size, Buffer.concat([...chunks.flat(), rest ?? new Uint8Array()]).equals(Buffer.from(input)), twoPieces === 0]).toEqual([size, true, room >= 100]);
    }
  });

  test("split with room before the chunk: lines about as long as the longest held back come out whole, the same bytes", () => {
    const lengths = [MAX_LINE_BYTES - 1, MAX_LINE_BYTES, MAX_LINE_BYTES + 1, 100, 1, 2 * MAX_LINE_BYTES];
    const input = bytes(lengths.map((n, i) => `${String(i % 10).repeat(n - 1)}\n`).join("").repeat(3));
    for (const size of [8192, MAX_LINE_BYTES, 100_000]) {
      const { chunks, rest } = splitInChunks(input, size, ROOM_BEFORE);
      expect([size, Buffer.concat([...chunks.flat(), rest ?? new Uint8Array()]).equals(Buffer.from(input))]).toEqual([size, true]);
    }
  });
});

test.each([["", 0], ["a\n", 1], ["a\nb\n", 2], ["a\nb", 2], ["partial", 1]])("countLines(%j) = %p", (input, lines) => {
  expect(countLines(bytes(input))).toBe(lines);
});
