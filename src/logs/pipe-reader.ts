// Reads every program's output pipe with non-blocking read(2)s into one reused buffer, so that output
// costs a copy from the kernel and nothing else (no buffer per chunk, no promise per chunk). One loop
// serves all pipes: while a writer is fast the loop runs back to back; while output trickles it runs
// every few milliseconds (a batch per write, not per line); while all is quiet it backs off to
// IDLE_MAX_MS. Each pipe has a 1 MiB buffer (os/pipe.ts), so a writer is not held up in between.
import { closeSync, readSync } from "node:fs";

/** Bytes read at once; also the most one pipe gets per turn, so one loud program cannot starve the others. */
const READ_BYTES = 1024 * 1024;
/** Read this much in a turn and the next turn comes at once: a writer is going flat out. */
const BUSY_BYTES = 64 * 1024;
/** Delay after a turn that found some output: lines written close together go out in one batch. */
const TRICKLE_MS = 2;
/** The longest wait while all is quiet, which is also the longest a line waits before it is read. */
const IDLE_MAX_MS = 50;

interface Watched {
  /** Called with a view of the shared buffer, valid only during the call. */
  onData: (data: Uint8Array) => void;
  onEnd: () => void;
}

const watched = new Map<number, Watched>();
const buffer = new Uint8Array(READ_BYTES);
let timer: Timer | null = null;
let immediate: ReturnType<typeof setImmediate> | null = null;
let idleMs = 1;

/** Read `fd` (non-blocking) until it ends; it is closed after onEnd. */
export function watchPipe(fd: number, onData: (data: Uint8Array) => void, onEnd: () => void): void {
  watched.set(fd, { onData, onEnd });
  idleMs = 1;
  schedule(0);
}

function turn(): void {
  timer = null;
  immediate = null;
  let total = 0;
  for (const [fd, w] of watched) total += drain(fd, w);
  if (watched.size === 0) return; // nothing to read: no timer keeps tsvisor awake
  if (total >= BUSY_BYTES) return schedule(0);
  if (total > 0) {
    idleMs = 1;
    return schedule(TRICKLE_MS);
  }
  idleMs = Math.min(idleMs * 2, IDLE_MAX_MS);
  schedule(idleMs);
}

// One pipe's available bytes, up to READ_BYTES; the count read.
function drain(fd: number, w: Watched): number {
  let n: number;
  try {
    n = readSync(fd, buffer, 0, READ_BYTES, null);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EAGAIN") return 0;
    n = 0; // any other error ends the pipe like EOF: nothing more can come from it
  }
  if (n > 0) {
    w.onData(buffer.subarray(0, n));
    return n;
  }
  watched.delete(fd);
  closeSync(fd);
  w.onEnd();
  return 0;
}

function schedule(ms: number): void {
  if (immediate !== null) return;
  if (ms === 0) {
    if (timer !== null) clearTimeout(timer);
    timer = null;
    immediate = setImmediate(turn);
  } else if (timer === null) {
    timer = setTimeout(turn, ms);
  }
}
