// Pure: put a prefix in front of every line of a piece ("web | " for the console, a timestamp for the
// files). Works on a latin1 view of the bytes, where one byte is one character: the bytes come back
// unchanged, and JavaScriptCore's native replaceAll does the scanning (about 4x faster than a loop
// over the bytes, measured on 200 MB of 100-byte lines).

/** The piece's bytes as a latin1 string (byte i is character i). */
export function toLatin1(piece: Uint8Array): string {
  return Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength).toString("latin1");
}

/**
 * Every line of `text` (latin1) with `prefix` in front; `atLineStart` false means the piece continues
 * a line begun earlier, which gets no prefix. The result ends in "\n" exactly when `text` does.
 */
export function prefixLines(text: string, prefix: string, atLineStart: boolean): string {
  if (text.length === 0) return text;
  const endsLine = text.endsWith("\n");
  const body = endsLine ? text.slice(0, -1) : text;
  return `${atLineStart ? prefix : ""}${body.replaceAll("\n", `\n${prefix}`)}${endsLine ? "\n" : ""}`;
}
