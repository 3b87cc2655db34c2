// Reads every program's output pipe with non-blocking read(2)s into one reused buffer, so that output
// costs a copy from the kernel and nothing else (no buffer and no promise per chunk, as Bun's
// ReadableStream has: measured at 2-3x the cost of a direct write). os/fd-watcher.ts says when a pipe
// has data; the pipe is then read down to EAGAIN (with a budget, so one loud program cannot starve the
// others) and watched again. Each pipe has a 1 MiB buffer (os/pipe.ts), so a writer rarely waits.
import { closeSync } from "node:fs";
import { armReadable, forget } from "../os/fd-watcher.ts";
import { readPipe } from "../os/pipe.ts";
import { MAX_LINE_BYTES } from "./line-splitter.ts";

/** Bytes read at once. */
const READ_BYTES = 1024 * 1024;
/**
 * The most read from one pipe before the others get their turn: one full read. A writer faster than
 * tsvisor is read turn after turn, and the other pipes' news (the poll thread's messages) is handled
 * between turns only: with four reads a turn, a quiet program's line waited behind up to 4 MiB of the
 * loud one's (median 5 ms, p99 23 ms beside a flat-out writer); with one, 1.2 and 5.9 ms, throughput
 * the same (docs/performance.md "Fairness").
 */
const TURN_BYTES = READ_BYTES;
/**
 * A turn that read this much had a fast writer behind it: look again after one event-loop turn,
 * before asking the poll thread, whose round trip lets a 1 GB/s writer fill its pipe and wait.
 */
const BUSY_BYTES = 64 * 1024;
/**
 * A read after the first of a turn that finds less than this: the writer writes small pieces, slower
 * than the pipe is read. Read piece by piece (100-byte writes: a read and a log-file write per ~200
 * bytes, the reader and the writer taking the pipe's lock in turns), it cost the writer 1.24× its direct
 * write and tsvisor 58 MiB of peak RSS; left to fill for GATHER_MS, a read takes ~100 KiB and the
 * writer goes faster than to a file (docs/performance.md).
 */
const TRICKLE_BYTES = 16 * 1024;
/** How long a trickling pipe is left to fill before it is read again. */
const GATHER_MS = 1;
/**
 * A pipe that took this much in GATHER_MS has a writer that would fill it (1 MiB) while it waits:
 * such a pipe is read as it comes until it is found empty.
 */
const FAST_BYTES = 256 * 1024;

/**
 * Free bytes before each chunk in the shared buffer: room for the consumer to put a partial line held
 * back from the last chunk in front of this one (line-splitter.ts), so that the line and the lines
 * after it are one piece. As long as the longest line held back.
 */
export const ROOM_BEFORE = MAX_LINE_BYTES;

const buffer = new Uint8Array(ROOM_BEFORE + READ_BYTES);
const readArea = buffer.subarray(ROOM_BEFORE);

/** Where a watched pipe's bytes go. */
export interface PipeSink {
  /**
   * What was read: a view of a shared buffer, valid only during the call, with ROOM_BEFORE bytes before
   * it that the sink may write over.
   */
  data(chunk: Uint8Array): void;
  /** The pipe has ended, or was closed: called once. */
  end(): void;
}

type TurnState = "ended" | "empty" | "more" | "trickle";

/**
 * A pipe being read (non-blocking) until it ends, then closed. A class with one bound function, not a
 * set of closures: every program's stdout and stderr have one for as long as they run, and closures
 * with their scopes cost ~600 bytes a pipe more (docs/performance.md "Idle memory at 1,000 programs").
 */
export class WatchedPipe {
  private ended = false;
  private closed = false;
  private gathered = false; // this turn follows a wait of GATHER_MS
  private fastWriter = false;
  // what the last readSome read: its first read's bytes and the turn's total
  private first = 0;
  private total = 0;
  // the one function handed to the poll thread's watch and to the timers
  private readonly turn = () => this.takeTurn();

  constructor(private readonly fd: number, private readonly sink: PipeSink) {
    armReadable(fd, this.turn);
  }

  /**
   * Read what the pipe holds right now, without waiting for the poll thread to report it: called when
   * the writer has exited, so that its last lines are handled before the news of its exit. Ends the
   * sink when the pipe has ended; the fd itself is closed by the watch's next turn, since the poll
   * thread may still be watching it (closed here, its number could be reused under the poll).
   */
  readNow(): void {
    if (!this.ended && this.readSome(false) === "ended") this.end();
  }

  /**
   * Stop reading before the pipe ends: what it holds now is handled, then it is closed (whatever still
   * holds its write end gets EPIPE from then on) and the sink is ended.
   */
  close(): void {
    if (this.ended) return; // its watch's next turn closes it, or has
    this.readSome(false);
    this.closed = true;
    forget(this.fd);
    closeSync(this.fd);
    this.end();
  }

  private end(): void {
    if (this.ended) return;
    this.ended = true;
    this.sink.end();
  }

  private takeTurn(): void {
    if (this.closed) return; // a gathering wait or a busy pipe's next turn, due after close()
    const state = this.readSome(!this.fastWriter);
    if (state === "ended") {
      closeSync(this.fd);
      return this.end();
    }
    if (this.gathered && this.first >= FAST_BYTES) this.fastWriter = true;
    else if (state === "empty" && this.total < BUSY_BYTES) this.fastWriter = false; // it slowed down, or stopped
    this.gathered = state === "trickle";
    if (this.gathered) setTimeout(this.turn, GATHER_MS);
    else if (this.total >= BUSY_BYTES) setImmediate(this.turn);
    else armReadable(this.fd, this.turn);
  }

  // Reads up to TURN_BYTES; "ended" at EOF (or a read error, which ends the pipe as EOF would);
  // "trickle" (with `gather`) when a read after the first found little: worth waiting for more.
  private readSome(gather: boolean): TurnState {
    this.first = 0;
    this.total = 0;
    while (this.total < TURN_BYTES) {
      const n = readPipe(this.fd, readArea);
      if (n < 0) return "empty";
      if (n === 0) return "ended";
      try {
        this.sink.data(readArea.subarray(0, n));
      } catch (error) {
        // A bug in the log path must cost this chunk, not the pipe: unread, it would stall the program.
        process.stderr.write(`tsvisor: bug: writing a program's output failed: ${(error as Error).stack ?? String(error)}\n`);
      }
      this.total += n;
      if (this.first === 0) this.first = n;
      else if (gather && n < TRICKLE_BYTES) return "trickle";
    }
    return "more";
  }
}
