// tsvisor's own stdout and stderr as shared outputs for every program's mirrored lines and for
// tsvisor's own log lines. Each write is whole lines, written completely (a partial write is finished
// before anything else is written), so lines of different programs never interleave mid-line. A reader
// that falls behind (a stuck `docker logs` pipe) never blocks anything: the fd is non-blocking, unwritten
// bytes wait in memory, and past a cap program lines are dropped and counted instead.
import { closeSync, fstatSync, writeSync, type Stats } from "node:fs";
import { isatty } from "node:tty";
import { armWritable } from "../os/fd-watcher.ts";
import { growPipe, openOwnDescription, setBlocking, setNonBlocking } from "../os/pipe.ts";
import { countOf } from "../plural.ts";
import { countLines } from "./line-splitter.ts";
import { prefixLines } from "./prefix-lines.ts";
import { TerminalText } from "./terminal-text.ts";
import type { TroubleEvent } from "./line-loss.ts";

/** Unwritten bytes above which program lines are dropped rather than queued. */
export const CONSOLE_BACKLOG_BYTES = 8 * 1024 * 1024;
/**
 * Bytes of unfinished long lines all mirrors of one output keep, waiting for their ends. Half the
 * backlog: a line kept whole, written at once to a reader that takes it at its pace, leaves the backlog
 * room for everyone else's lines (at 8 MiB, one 8 MiB line filled it and the next lines were dropped).
 */
export const CONSOLE_LONG_LINES_BYTES = 4 * 1024 * 1024;
const NEWLINE = Buffer.from("\n");
const NEWLINE_BYTE = 10;

/** How long tsvisor waits at exit for its stdout and stderr readers (docs/logs.md, "The console at exit"). */
export const CONSOLE_EXIT_WAIT = {
  /** A reader that has taken nothing for this long (stopped, stalled, gone) is given up on. */
  stallMs: 1000,
  /** One that keeps taking, but slowly, is waited for this long in all: a container's stop has a grace period too. */
  totalMs: 5000,
};

// Why a reader never got lines when it went: what its pipe still held went with it, so which line it
// saw last is not known.
const READER_GONE = "went away (its pipe or terminal was closed), and what its pipe still held with it";

/** What an output's reader never got: it was given up on at exit (flush()), or went away meanwhile. */
export interface ConsoleLoss {
  lines: number;
  bytes: number;
  /** The last bytes the reader got end in the middle of a line (the pipe took part of one). */
  cutLine: boolean;
  /** Why: "took nothing for 1 s", "was still behind after 5 s", "went away (…)". */
  reason: string;
}

// Every output open now, for flushOutputs() at exit: tsvisor's stdout and stderr, and the named pipes and
// devices that are log paths (device-log.ts).
const openOutputs = new Set<ConsoleOutput>();

export class ConsoleOutput {
  /** What it is, for a log line: "tsvisor's stdout", or a log path. */
  label: string;
  private readonly queue: Uint8Array[] = [];
  private queued = 0;
  // bytes of unfinished long lines that mirrors keep (hold())
  private keptByMirrors = 0;
  private waiting = false;
  private broken = false;
  // Program lines were refused for the backlog: refused until the reader has taken half of it, so that
  // a reader taking nothing is not said to be "writing again" each time a short line fits (red team).
  private refusing = false;
  // The last byte the reader was given is not a newline: it has part of a line.
  private midLine = false;
  // When the reader last took some of the backlog (performance.now()), for flush() to tell slow from stalled.
  private takenAt = 0;
  // flush()es waiting: told what was lost, or null once everything is out
  private idle: ((loss: ConsoleLoss | null) => void)[] = [];
  // What went with a reader that went away while no flush() waited (during the stops before tsvisor's
  // exit, or any time before): kept for the next flush() or takeLoss(), which say it (it was lost
  // silently: npm test, 2026-12-07).
  private untold: ConsoleLoss | null = null;
  // A terminal tsvisor could not open again for itself: written blocking through Node's stream.
  private readonly stream: NodeJS.WriteStream | null;
  private readonly fd: number;
  private readonly capBytes: number;
  private readonly holdBytes: number;
  // A terminal (tsvisor run's own, or a log path such as /dev/console): program output shown, not obeyed.
  private readonly terminal: boolean;
  // The pipe or socket tsvisor shares with whoever started it (its fd 1 or 2), left blocking by leave().
  private sharedStream: number | null = null;

  /**
   * `fd` written directly and non-blocking. `stream` (the same fd as a Node stream) says the fd is
   * shared with whoever started tsvisor; without it the fd is tsvisor's own (device-log.ts opened it).
   */
  constructor(fd: number, options: { stream?: NodeJS.WriteStream; capBytes?: number; holdBytes?: number; label?: string } = {}) {
    this.label = options.label ?? `fd ${fd}`;
    openOutputs.add(this);
    this.capBytes = options.capBytes ?? CONSOLE_BACKLOG_BYTES;
    this.holdBytes = options.holdBytes ?? CONSOLE_LONG_LINES_BYTES;
    this.terminal = isatty(fd);
    this.fd = fd;
    this.stream = null;
    const shared = options.stream !== undefined;
    let stat: Stats | null = null;
    if (!this.terminal) {
      try {
        stat = fstatSync(fd);
      } catch {
        this.broken = true; // closed: nothing can be shown
        return;
      }
    }
    // Files and /dev/null never make a write wait; a terminal (Ctrl-S, a stalled `docker run -t`
    // client, a slow serial console), a pipe (docker logs, a shell pipeline) or a socket (journald) can,
    // and written blocking it froze all of tsvisor: no log line written, no status answered. So such an
    // fd is written non-blocking. One shared with whoever started tsvisor is opened again first (a
    // description of tsvisor's own on the same terminal or pipe) and that is made non-blocking: a shell
    // left with a non-blocking terminal breaks; a shared pipe made non-blocking stayed so for the next
    // command of a shell pipeline, and under `run -- CMD`, whose CMD inherits it, it was found blocking
    // again, so a stalled reader froze tsvisor (red team, 2026-12-06). A socket cannot be opened again.
    const waits = this.terminal || stat!.isFIFO() || stat!.isSocket();
    const own = shared && (this.terminal || stat!.isFIFO()) ? openOwnDescription(fd) : null;
    if (own !== null) this.fd = own;
    else if (this.terminal && shared) {
      this.stream = options.stream!; // as before: blocking
      this.stream.on("error", () => (this.broken = true)); // EPIPE must not bring the supervisor down
    } else if (waits) setNonBlocking(fd);
    // Bun makes a shared pipe or socket non-blocking itself: leave() puts it back (a terminal it leaves be)
    if (shared && waits && !this.terminal) this.sharedStream = fd;
    if (stat?.isFIFO()) growPipe(this.fd);
  }

  /**
   * Write whole lines. Returns false, writing nothing, when the reader is more than capBytes behind;
   * `keep` writes anyway (tsvisor's own lines, which are few). `data` may be reused after the call.
   */
  write(data: Uint8Array | string, keep = false): boolean {
    if (this.broken) return keep;
    // program lines (not `keep`: tsvisor's own, coloured) reach a terminal with their controls shown
    const raw = typeof data === "string" ? Buffer.from(data) : data;
    const bytes = this.terminal && !keep ? new TerminalText().push(raw) : raw;
    if (this.stream) return this.stream.write(Buffer.from(bytes)), true; // a copy: the stream keeps it
    if (this.queue.length > 0) {
      if (!keep && (this.refusing || this.queued + bytes.length > this.capBytes)) {
        this.refusing = true;
        return false;
      }
      this.enqueue(new Uint8Array(bytes)); // a copy (Buffer#slice would be a view of a reused buffer)
      return true;
    }
    const written = this.writeSome(bytes);
    // the reader went with this write (EPIPE): these lines are dropped, and counted by the caller
    if (this.broken) return keep;
    if (written < bytes.length) this.enqueue(new Uint8Array(bytes.subarray(written)));
    return true;
  }

  /**
   * Room for `bytes` more of a line a mirror keeps until its end comes (ConsoleMirror's long lines)?
   * All mirrors of this output share holdBytes, so a thousand programs each in the middle of a long
   * line keep no more than one would. False, counting nothing, when there is no room.
   */
  hold(bytes: number): boolean {
    if (this.broken || this.keptByMirrors + bytes > this.holdBytes) return false;
    this.keptByMirrors += bytes;
    return true;
  }

  /** Bytes hold() counted are written or dropped: no longer kept. */
  release(bytes: number): void {
    this.keptByMirrors -= bytes;
  }

  /** Lines written but not taken by the reader yet (the last may be the rest of one it has part of). */
  get waitingLines(): number {
    return this.queue.reduce((sum, bytes) => sum + countLines(bytes), 0);
  }

  /** The last bytes the reader was given end inside a line (a full pipe took part of one). */
  get endsMidLine(): boolean {
    return this.midLine;
  }

  /** The reader is gone (EPIPE) or the fd is closed: nothing written from now on gets anywhere. */
  get isBroken(): boolean {
    return this.broken;
  }

  /**
   * tsvisor is exiting: a pipe or socket it shares with its parent is left blocking, as a shell pipeline's
   * next command expects. tsvisor made a socket non-blocking, and Bun makes fd 1 so once process.stdout
   * is touched; left so, the next command's large write failed with EAGAIN (red team, 2026-12-06).
   */
  leave(): void {
    if (this.sharedStream !== null) setBlocking(this.sharedStream);
  }

  /** Close the fd (for an output tsvisor opened itself, device-log.ts), dropping what waits. */
  close(): void {
    this.fail(); // first, so a poll report still on its way finds nothing to write
    openOutputs.delete(this);
    closeSync(this.fd);
  }

  /**
   * Resolves with null once everything written so far is out. A reader that takes nothing for
   * `stallMs`, or is still behind after `totalMs`, is given up on: what waits is dropped, nothing more
   * is written (a line written after it would continue a cut one), and the promise says what was lost.
   */
  flush(limits: { stallMs: number; totalMs: number }): Promise<ConsoleLoss | null> {
    if (this.broken) return Promise.resolve(this.takeLoss());
    if (this.queue.length === 0) return Promise.resolve(null);
    return new Promise((resolve) => {
      const started = performance.now();
      const settle = (loss: ConsoleLoss | null) => {
        clearTimeout(timer);
        resolve(loss);
      };
      // Woken at the earliest moment either limit could be reached; taking since then moves it on.
      const check = () => {
        const now = performance.now();
        const stalledFor = now - Math.max(this.takenAt, started);
        if (stalledFor < limits.stallMs && now - started < limits.totalMs) {
          timer = setTimeout(check, Math.min(limits.stallMs - stalledFor, limits.totalMs - (now - started)));
          return;
        }
        this.fail(stalledFor >= limits.stallMs ? `took nothing for ${limits.stallMs / 1000} s` : `was still behind after ${limits.totalMs / 1000} s`);
      };
      let timer = setTimeout(check, Math.min(limits.stallMs, limits.totalMs));
      this.idle.push(settle);
    });
  }

  /** What its reader went away with and no flush() has said yet, once: null when nothing. */
  takeLoss(): ConsoleLoss | null {
    const loss = this.untold;
    this.untold = null;
    return loss;
  }

  // As much as the fd takes now: all of it for a file, less when a pipe is full (EAGAIN).
  private writeSome(bytes: Uint8Array, from = 0): number {
    let at = from;
    try {
      while (at < bytes.length) at += writeSync(this.fd, bytes, at, bytes.length - at);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EAGAIN") this.fail();
    }
    if (at > from) this.midLine = bytes[at - 1] !== NEWLINE_BYTE;
    return at;
  }

  private enqueue(bytes: Uint8Array): void {
    this.queue.push(bytes);
    this.queued += bytes.length;
    this.waitWritable();
  }

  // The reader is behind: carry on when the pipe takes data again.
  private waitWritable(): void {
    if (this.waiting) return;
    this.waiting = true;
    armWritable(this.fd, () => {
      this.waiting = false;
      this.drain();
    });
  }

  private drain(): void {
    while (this.queue.length > 0 && !this.broken) {
      const head = this.queue[0]!;
      const written = this.writeSome(head);
      if (written > 0) this.takenAt = performance.now(); // only a backlog's drain can be waited on (flush())
      if (written < head.length) {
        this.queue[0] = head.subarray(written);
        this.queued -= written;
        if (this.queued <= this.capBytes / 2) this.refusing = false;
        return this.waitWritable();
      }
      this.queue.shift();
      this.queued -= head.length;
    }
    this.refusing = false;
    for (const settle of this.idle.splice(0)) settle(null);
  }

  // EPIPE (nobody reads any more) or EBADF, or flush() gives up on the reader (`reason` then): stop
  // writing, drop what waits, and tell a flush() waiting what was lost.
  private fail(reason = READER_GONE): void {
    const loss = this.queue.length === 0 ? null
      : { lines: this.waitingLines, bytes: this.queued, cutLine: reason !== READER_GONE && this.midLine, reason };
    this.broken = true;
    this.queue.length = 0;
    this.queued = 0;
    if (this.idle.length === 0) this.untold ??= loss;
    for (const settle of this.idle.splice(0)) settle(loss);
  }
}

let stdout: ConsoleOutput | undefined;
let stderr: ConsoleOutput | undefined;

/** tsvisor's stdout, shared by every mirrored program stdout (and stderr with redirect_stderr). */
export function consoleStdout(): ConsoleOutput {
  return (stdout ??= new ConsoleOutput(1, { stream: process.stdout, label: "tsvisor's stdout" }));
}

/** tsvisor's stderr, shared by every mirrored program stderr and by tsvisor's own log lines. */
export function consoleStderr(): ConsoleOutput {
  if (stderr !== undefined) return stderr;
  // `tsvisor run 2>&1 | ...`: one pipe needs one writer, or two backlogs could meet mid-line in it.
  if (isSameFile(1, 2)) {
    stderr = consoleStdout();
    stderr.label = "tsvisor's stdout and stderr";
  } else stderr = new ConsoleOutput(2, { stream: process.stderr, label: "tsvisor's stderr" });
  return stderr;
}

/** Are two fds the same open file (device and inode)? False when either cannot be read. */
export function isSameFile(a: number, b: number): boolean {
  try {
    const [x, y] = [fstatSync(a), fstatSync(b)];
    return x.dev === y.dev && x.ino === y.ino;
  } catch {
    return false;
  }
}

/**
 * Wait until every output open (tsvisor's stdout and stderr, log paths that are pipes or devices) has
 * taken every line, giving up on a reader as flush() says: call before exiting. What each output given
 * up on never got.
 */
export async function flushOutputs(limits: { stallMs: number; totalMs: number }): Promise<{ label: string; loss: ConsoleLoss }[]> {
  const losses = await Promise.all([...openOutputs].map(async (output) => ({ label: output.label, loss: await output.flush(limits) })));
  return losses.filter((each): each is { label: string; loss: ConsoleLoss } => each.loss !== null);
}

/** tsvisor is exiting and writes nothing more: its stdout and stderr are left as it found them. */
export function leaveConsole(): void {
  for (const output of openOutputs) output.leave();
}

/** "9 lines (972 bytes) never reached tsvisor's stdout: its reader took nothing for 1 s; the last line it got is cut off" */
export function describeConsoleLoss({ label, loss }: { label: string; loss: ConsoleLoss }): string {
  return `${countOf(loss.lines, "line")} (${loss.bytes} bytes) never reached ${label}: its reader ${loss.reason}${loss.cutLine ? "; the last line it got is cut off" : ""}`;
}

/**
 * One program stream mirrored to a console output, every line prefixed "name | ". A line longer than
 * the LineSplitter holds (64 KiB) comes in pieces, the last ending in "\n": the mirror keeps the
 * pieces and writes the line once its end has come, so that it reaches the console whole and nobody
 * else's line lands inside it. What all mirrors keep is bounded by the output's holdBytes; a line past
 * that is cut into console lines of its own, each prefixed (the files still get it whole).
 */
export class ConsoleMirror {
  private readonly prefix: Buffer;
  private droppedSinceTrouble: number | null = null;
  // The unfinished line's pieces so far, prefixed, and their size (counted by output.hold()).
  private kept: Uint8Array[] = [];
  private keptBytes = 0;
  // The line was cut (no room to keep more): its rest starts a console line of its own, and the
  // newline that ends it makes no empty one.
  private cut = false;
  /** Lines dropped because the console reader was too far behind, or gone. */
  droppedLines = 0;

  constructor(name: string, private readonly output: ConsoleOutput, private readonly onTrouble?: (event: TroubleEvent) => void) {
    this.prefix = Buffer.from(`${name} | `);
  }

  /** Mirror a piece from the LineSplitter: whole lines, or (a line over 64 KiB) a piece of one. */
  write(piece: Uint8Array): void {
    if (this.cut) {
      this.cut = false;
      if (piece[0] === NEWLINE_BYTE) piece = piece.subarray(1);
    }
    if (piece.length === 0) return;
    const ended = piece.lastIndexOf(NEWLINE_BYTE) + 1; // the whole lines (the first may end a kept one)
    if (ended > 0) {
      const lines = prefixLines(piece.subarray(0, ended), this.prefix, this.keptBytes === 0);
      this.send(this.keptBytes === 0 ? lines : this.takeKept(lines));
    }
    if (ended < piece.length) this.keep(piece.subarray(ended));
  }

  /** The stream's pipe has ended: a line left unfinished is written as it is, ended. */
  end(): void {
    this.cut = false;
    if (this.keptBytes > 0) this.send(this.takeKept(NEWLINE));
  }

  // The start or the next part of a line not ended yet (no newline in it); written out, cut, when the
  // output has no room to keep it.
  private keep(part: Uint8Array): void {
    const head = this.keptBytes === 0 ? this.prefix : null; // a line's first part carries its prefix
    const size = (head?.length ?? 0) + part.length;
    if (!this.output.hold(size)) {
      this.send(this.takeKept(Buffer.concat(head ? [head, part, NEWLINE] : [part, NEWLINE])));
      this.cut = true;
      return;
    }
    if (head) this.kept.push(head); // the prefix is never written over: no copy
    this.kept.push(part.slice()); // a copy: `part` is a view of a reused buffer
    this.keptBytes += size;
  }

  // The kept pieces followed by `last`, as one buffer; nothing is kept after.
  private takeKept(last: Uint8Array): Uint8Array {
    const whole = Buffer.concat([...this.kept, last]);
    this.output.release(this.keptBytes);
    this.kept = [];
    this.keptBytes = 0;
    return whole;
  }

  // Whole prefixed lines to the output, or counted as dropped when the reader is too far behind.
  private send(text: Uint8Array): void {
    if (this.output.write(text)) {
      if (this.droppedSinceTrouble === null) return;
      this.onTrouble?.({ type: "recovered", droppedLines: this.droppedSinceTrouble });
      this.droppedSinceTrouble = null;
      return;
    }
    const lines = countLines(text);
    this.droppedLines += lines;
    if (this.droppedSinceTrouble === null) {
      this.droppedSinceTrouble = 0;
      // A reader gone (`tsvisor run | head`) never comes back: said as such, not as a slow one.
      this.onTrouble?.(this.output.isBroken
        ? { type: "warning", reason: "nothing reads it any more (its pipe or terminal was closed); this program's lines are dropped there from now on, and counted" }
        : { type: "failing", reason: "the console's reader is too far behind" });
    }
    this.droppedSinceTrouble += lines;
  }
}
