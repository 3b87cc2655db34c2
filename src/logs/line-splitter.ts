// Pure: byte chunks as a pipe delivers them -> pieces made of whole lines, the partial last line kept
// for the next chunk. Bytes are passed through unchanged and in order; only the cut points move.
import { nativePrefix } from "./native-prefix.ts";

const NEWLINE = 10;

/** Longest partial line held back; a longer line is passed on in pieces (without its end). */
export const MAX_LINE_BYTES = 64 * 1024;

/** A held-back partial line this short keeps its buffer for the next one; a longer one's is let go. */
const KEPT_CARRY_BYTES = 4096;

export class LineSplitter {
  // The partial line held back: carry[0, carried). A buffer of its own, reused chunk after chunk, so
  // that a writer whose writes cut lines (8 KiB stdio buffers) costs a copy of the cut line, not an
  // allocation and a copy of every chunk (issue 18: that was 2.4x the direct write, and 79 MiB peak).
  private carry: Uint8Array | null = null;
  private carried = 0;

  constructor(private readonly maxLineBytes: number = MAX_LINE_BYTES) {}

  /**
   * Hand the lines now complete to `emit`, in at most two pieces, each ending in "\n" except a
   * line that reached maxLineBytes without one (it comes out as it is). A piece is a view of the
   * chunk or of the splitter's own buffer: valid during the call only. `roomBefore`: bytes before the
   * chunk in its buffer that the splitter may write over (pipe-reader.ts leaves room there).
   */
  split(chunk: Uint8Array, emit: (piece: Uint8Array) => void, roomBefore = 0): void {
    let from = 0;
    if (this.carried > 0 && chunk.length > 0) {
      const joined = this.joinCarried(chunk, roomBefore);
      if (joined !== null) return this.split(joined, emit);
      from = this.completeCarried(chunk, emit);
    }
    if (from >= chunk.length) return;
    const last = chunk.lastIndexOf(NEWLINE);
    const restStart = Math.max(from, last + 1);
    if (chunk.length - restStart >= this.maxLineBytes) return emit(from === 0 ? chunk : chunk.subarray(from));
    if (last >= from) emit(chunk.subarray(from, last + 1));
    if (restStart < chunk.length) this.hold(chunk.subarray(restStart));
  }

  /**
   * The whole lines now complete, as one piece ending in "\n"; null when the chunk completes no line.
   * A line that reaches maxLineBytes without a newline comes out as it is: a piece not ending in "\n".
   * Allocates when a line was cut (the piece outlives the call): for readers that are not hot paths.
   */
  push(chunk: Uint8Array): Uint8Array | null {
    const pieces: Uint8Array[] = [];
    // a piece of the held-back line is copied: what is held next is written over it
    this.split(chunk, (piece) => pieces.push(piece.buffer === chunk.buffer ? piece : piece.slice()));
    if (pieces.length <= 1) return pieces[0] ?? null;
    return Buffer.concat(pieces);
  }

  /** The partial last line (bytes after the last "\n"), once the stream has ended; null when there is none. */
  flush(): Uint8Array | null {
    if (this.carried === 0) return null;
    const tail = this.carry!.slice(0, this.carried);
    this.release();
    return tail;
  }

  // The held-back line copied into the room before `chunk`, when the chunk ends it and it fits: one
  // piece, where the line and the lines after it would be two (two writes of each file and of the
  // console: at 8,192-byte writes that cut lines, ~40 % of all writes). Null when it cannot be.
  private joinCarried(chunk: Uint8Array, roomBefore: number): Uint8Array | null {
    if (this.carried > Math.min(roomBefore, chunk.byteOffset) || chunk.indexOf(NEWLINE) === -1) return null;
    const start = chunk.byteOffset - this.carried;
    new Uint8Array(chunk.buffer, start, this.carried).set(this.carry!.subarray(0, this.carried));
    this.release();
    return new Uint8Array(chunk.buffer, start, chunk.byteOffset + chunk.length - start);
  }

  // The held-back line, continued by the start of `chunk`: out as one piece when the chunk ends it,
  // or once it reaches maxLineBytes; returns where the rest of the chunk starts.
  private completeCarried(chunk: Uint8Array, emit: (piece: Uint8Array) => void): number {
    const newline = chunk.indexOf(NEWLINE);
    if (newline === -1 && this.carried + chunk.length < this.maxLineBytes) {
      this.append(chunk);
      return chunk.length;
    }
    // ended here, or too long to hold: then a piece of exactly maxLineBytes, the rest read as usual
    const end = newline === -1 ? this.maxLineBytes - this.carried : newline + 1;
    this.append(chunk.subarray(0, end));
    emit(this.carry!.subarray(0, this.carried));
    this.release();
    return end;
  }

  private hold(bytes: Uint8Array): void {
    this.carried = 0;
    this.append(bytes);
  }

  private append(bytes: Uint8Array): void {
    const needed = this.carried + bytes.length;
    if (this.carry === null || this.carry.length < needed) {
      const grown = new Uint8Array(Math.min(Math.max(needed, 2 * (this.carry?.length ?? 64)), Math.max(needed, this.maxLineBytes)));
      if (this.carry !== null) grown.set(this.carry.subarray(0, this.carried));
      this.carry = grown;
    }
    this.carry.set(bytes, this.carried);
    this.carried = needed;
  }

  // Nothing held back any more; a large buffer is not kept for the rare next long line.
  private release(): void {
    this.carried = 0;
    if (this.carry !== null && this.carry.length > KEPT_CARRY_BYTES) this.carry = null;
  }
}

/** Lines in a piece: its newlines, plus one for a partial line at its end. */
export function countLines(piece: Uint8Array): number {
  const native = nativePrefix(); // memchr: dropping a fast writer's output costs little
  let lines = native ? native.countNewlines(piece) : 0;
  if (!native) for (let i = piece.indexOf(NEWLINE); i !== -1; i = piece.indexOf(NEWLINE, i + 1)) lines++;
  return piece.length > 0 && piece[piece.length - 1] !== NEWLINE ? lines + 1 : lines;
}
