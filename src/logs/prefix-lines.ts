// Put a prefix in front of every line of a piece: "web | " for the console, a timestamp for the files.
// Bytes pass through unchanged. The C helper (native-prefix.ts) does it at memcpy speed; without it, a
// latin1 view of the bytes (one byte, one character) lets JavaScriptCore's native replaceAll do the
// scanning, about 4x faster than a loop over the bytes but 20x slower than C.
import { nativePrefix } from "./native-prefix.ts";

let scratch = Buffer.allocUnsafe(256 * 1024);

/**
 * `piece` with `prefix` in front of every line; with `atLineStart` false the piece continues a line
 * begun earlier, whose rest gets no prefix. The result is a view of a buffer reused by the next call.
 */
export function prefixLines(piece: Uint8Array, prefix: Uint8Array, atLineStart: boolean): Uint8Array {
  const native = nativePrefix();
  if (native === null) return prefixLinesInJs(piece, prefix, atLineStart);
  const size = piece.length + prefix.length * (native.countNewlines(piece) + 1);
  if (scratch.length < size) scratch = Buffer.allocUnsafe(Math.max(size, scratch.length * 2));
  return scratch.subarray(0, native.prefixLines(piece, prefix, atLineStart, scratch));
}

/** The same as prefixLines, in JavaScript only (the fallback, and the reference the tests hold C to). */
export function prefixLinesInJs(piece: Uint8Array, prefix: Uint8Array, atLineStart: boolean): Uint8Array {
  if (piece.length === 0) return piece;
  const text = Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength).toString("latin1");
  const p = Buffer.from(prefix.buffer, prefix.byteOffset, prefix.byteLength).toString("latin1");
  const endsLine = text.endsWith("\n");
  const body = endsLine ? text.slice(0, -1) : text;
  const out = `${atLineStart ? p : ""}${body.replaceAll("\n", `\n${p}`)}${endsLine ? "\n" : ""}`;
  if (scratch.length < out.length) scratch = Buffer.allocUnsafe(Math.max(out.length, scratch.length * 2));
  return scratch.subarray(0, scratch.write(out, 0, "latin1"));
}
