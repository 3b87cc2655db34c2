// Pure: byte chunks as a pipe delivers them -> pieces made of whole lines, the partial last line kept
// for the next chunk. Bytes are passed through unchanged and in order; only the cut points move.
import { nativePrefix } from "./native-prefix.ts";

const NEWLINE = 10;

/** Longest partial line held back; a longer line is passed on in pieces (without its end). */
export const MAX_LINE_BYTES = 64 * 1024;

export class LineSplitter {
  private tail: Uint8Array | null = null;

  constructor(private readonly maxLineBytes: number = MAX_LINE_BYTES) {}

  /**
   * The whole lines now complete, as one piece ending in "\n"; null when the chunk completes no line.
   * A line that reaches maxLineBytes without a newline comes out as it is: a piece not ending in "\n".
   */
  push(chunk: Uint8Array): Uint8Array | null {
    if (chunk.length === 0) return null;
    const data = this.tail === null ? chunk : concat(this.tail, chunk);
    this.tail = null;
    const last = data.lastIndexOf(NEWLINE);
    const rest = data.length - (last + 1);
    if (rest >= this.maxLineBytes) return data;
    // a copy: the chunk may be a view of a buffer that is reused, and a small tail must not keep a large chunk alive
    if (rest > 0) this.tail = new Uint8Array(data.subarray(last + 1)); // not slice(): a Buffer's is a view
    return last === -1 ? null : data.subarray(0, last + 1);
  }

  /** The partial last line (bytes after the last "\n"), once the stream has ended; null when there is none. */
  flush(): Uint8Array | null {
    const tail = this.tail;
    this.tail = null;
    return tail;
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

/** Lines in a piece: its newlines, plus one for a partial line at its end. */
export function countLines(piece: Uint8Array): number {
  const native = nativePrefix(); // memchr: dropping a fast writer's output costs little
  let lines = native ? native.countNewlines(piece) : 0;
  if (!native) for (let i = piece.indexOf(NEWLINE); i !== -1; i = piece.indexOf(NEWLINE, i + 1)) lines++;
  return piece.length > 0 && piece[piece.length - 1] !== NEWLINE ? lines + 1 : lines;
}
