// tsvisor's own stdout and stderr as shared outputs for every program's mirrored lines and for
// tsvisor's own log lines. Each write is whole lines, written completely (a partial write is finished
// before anything else is written), so lines of different programs never interleave mid-line. A reader
// that falls behind (a stuck `docker logs` pipe) never blocks anything: the fd is non-blocking, unwritten
// bytes wait in memory, and past a cap program lines are dropped and counted instead.
import { closeSync, fstatSync, writeSync } from "node:fs";
import { isatty } from "node:tty";
import { armWritable } from "../os/fd-watcher.ts";
import { growPipe, openOwnDescription, setNonBlocking } from "../os/pipe.ts";
import { countLines } from "./line-splitter.ts";
import { prefixLines } from "./prefix-lines.ts";
import { TerminalText } from "./terminal-text.ts";
import type { TroubleEvent } from "./line-loss.ts";

/** Unwritten bytes above which program lines are dropped rather than queued. */
export const CONSOLE_BACKLOG_BYTES = 8 * 1024 * 1024;
const NEWLINE = Buffer.from("\n");

export class ConsoleOutput {
  private readonly queue: Uint8Array[] = [];
  private queued = 0;
  private waiting = false;
  private broken = false;
  private idle: (() => void)[] = [];
  // A terminal tsvisor could not open again for itself: written blocking through Node's stream.
  private readonly stream: NodeJS.WriteStream | null;
  private readonly fd: number;
  private readonly capBytes: number;
  // A terminal (tsvisor run's own, or a log path such as /dev/console): program output shown, not obeyed.
  private readonly terminal: boolean;

  /**
   * `fd` written directly and non-blocking. `stream` (the same fd as a Node stream) says the fd is
   * shared with whoever started tsvisor; without it the fd is tsvisor's own (device-log.ts opened it).
   */
  constructor(fd: number, options: { stream?: NodeJS.WriteStream; capBytes?: number } = {}) {
    this.capBytes = options.capBytes ?? CONSOLE_BACKLOG_BYTES;
    this.terminal = isatty(fd);
    this.fd = fd;
    this.stream = null;
    if (this.terminal) {
      // A terminal stops taking output while its reader does (Ctrl-S, a stalled `docker run -t`
      // client, a slow serial console); written blocking, it froze all of tsvisor: no log line
      // written, no status answered. Its file description is the shell's too, and a shell left with
      // a non-blocking terminal breaks, so a shared one is opened again (a description of tsvisor's
      // own, on the same terminal) and that is made non-blocking; tsvisor's own is made so directly.
      if (options.stream === undefined) setNonBlocking(fd);
      else {
        const own = openOwnDescription(fd);
        if (own !== null) this.fd = own;
        else {
          this.stream = options.stream; // as before: blocking
          this.stream.on("error", () => (this.broken = true)); // EPIPE must not bring the supervisor down
        }
      }
      return;
    }
    try {
      const stat = fstatSync(fd);
      // Files and /dev/null never make a write wait; a pipe (docker logs, journald) can.
      if (stat.isFIFO() || stat.isSocket()) setNonBlocking(fd);
      if (stat.isFIFO()) growPipe(fd);
    } catch {
      this.broken = true; // closed: nothing can be shown
    }
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
      if (!keep && this.queued + bytes.length > this.capBytes) return false;
      this.enqueue(new Uint8Array(bytes)); // a copy (Buffer#slice would be a view of a reused buffer)
      return true;
    }
    const written = this.writeSome(bytes);
    if (written < bytes.length) this.enqueue(new Uint8Array(bytes.subarray(written)));
    return true;
  }

  /** The reader is gone (EPIPE) or the fd is closed: nothing written from now on gets anywhere. */
  get isBroken(): boolean {
    return this.broken;
  }

  /** Close the fd (for an output tsvisor opened itself, device-log.ts), dropping what waits. */
  close(): void {
    this.fail(); // first, so a poll report still on its way finds nothing to write
    closeSync(this.fd);
  }

  /** Resolves when everything written so far is out, or after timeoutMs (a reader that is gone). */
  flush(timeoutMs: number): Promise<void> {
    if (this.queue.length === 0 || this.broken) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      this.idle.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  // As much as the fd takes now: all of it for a file, less when a pipe is full (EAGAIN).
  private writeSome(bytes: Uint8Array, from = 0): number {
    let at = from;
    try {
      while (at < bytes.length) at += writeSync(this.fd, bytes, at, bytes.length - at);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EAGAIN") this.fail();
    }
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
      if (written < head.length) {
        this.queue[0] = head.subarray(written);
        this.queued -= written;
        return this.waitWritable();
      }
      this.queue.shift();
      this.queued -= head.length;
    }
    for (const resolve of this.idle.splice(0)) resolve();
  }

  // EPIPE (nobody reads any more) or EBADF: stop writing, drop what waits.
  private fail(): void {
    this.broken = true;
    this.queue.length = 0;
    this.queued = 0;
    for (const resolve of this.idle.splice(0)) resolve();
  }
}

let stdout: ConsoleOutput | undefined;
let stderr: ConsoleOutput | undefined;

/** tsvisor's stdout, shared by every mirrored program stdout (and stderr with redirect_stderr). */
export function consoleStdout(): ConsoleOutput {
  return (stdout ??= new ConsoleOutput(1, { stream: process.stdout }));
}

/** tsvisor's stderr, shared by every mirrored program stderr and by tsvisor's own log lines. */
export function consoleStderr(): ConsoleOutput {
  // `tsvisor run 2>&1 | ...`: one pipe needs one writer, or two backlogs could meet mid-line in it.
  return (stderr ??= isSameFile(1, 2) ? consoleStdout() : new ConsoleOutput(2, { stream: process.stderr }));
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

/** Wait (at most timeoutMs) until tsvisor's stdout and stderr have taken every line: call before exiting. */
export async function flushConsole(timeoutMs: number): Promise<void> {
  await Promise.all([stdout?.flush(timeoutMs), stderr?.flush(timeoutMs)]);
}

/** One program stream mirrored to a console output, every line prefixed "name | ". */
export class ConsoleMirror {
  private readonly prefix: Buffer;
  private droppedSinceTrouble: number | null = null;
  /** Lines dropped because the console reader was too far behind, or gone. */
  droppedLines = 0;

  constructor(name: string, private readonly output: ConsoleOutput, private readonly onTrouble?: (event: TroubleEvent) => void) {
    this.prefix = Buffer.from(`${name} | `);
  }

  /** Mirror a piece from the LineSplitter; a piece that ends mid-line (an overlong line) is ended here. */
  write(piece: Uint8Array): void {
    const prefixed = prefixLines(piece, this.prefix, true);
    const text = prefixed[prefixed.length - 1] === 10 ? prefixed : Buffer.concat([prefixed, NEWLINE]);
    if (this.output.write(text)) {
      if (this.droppedSinceTrouble === null) return;
      this.onTrouble?.({ type: "recovered", droppedLines: this.droppedSinceTrouble });
      this.droppedSinceTrouble = null;
      return;
    }
    const lines = countLines(piece);
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
