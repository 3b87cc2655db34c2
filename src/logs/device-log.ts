// A log path that is not a file but a stream — a character device (/dev/null, a terminal), a named
// pipe, or /dev/stdout and /dev/stderr (tsvisor's own fds through /proc/self/fd) — is written as is,
// as supervisord does, and never rotated, renamed, emptied or chowned. Writing never blocks the
// supervisor: the fd is non-blocking and queued as the console is (console-mirror.ts); past the
// backlog, or while a named pipe has no reader, lines are dropped and counted, and the pipe is opened
// again once a second until a reader is there.
import { closeSync } from "node:fs";
import { find, openStream, UnsafePathError, type StreamKind } from "../os/safe-open.ts";
import { CONSOLE_EXIT_WAIT, consoleStderr, consoleStdout, ConsoleOutput, describeConsoleLoss, isSameFile } from "./console-mirror.ts";
import { countOf } from "../plural.ts";
import { LineLoss, describeFailure, type TroubleEvent } from "./line-loss.ts";
import { trackOpenLog, untrackOpenLog } from "./open-logs.ts";

export interface DeviceLogOptions {
  path: string;
  onTrouble?: (event: TroubleEvent) => void;
}

const REOPEN_INTERVAL_MS = 1000;

export class DeviceLog {
  private output: ConsoleOutput | null = null;
  // Whether `output` is one this opened (and closes), rather than tsvisor's own console.
  private ownsOutput = false;
  private nextOpenAt = 0;
  private readonly loss: LineLoss;

  constructor(private readonly options: DeviceLogOptions) {
    this.loss = new LineLoss(options.onTrouble);
    this.open();
    trackOpenLog(this);
  }

  get path(): string {
    return this.options.path;
  }

  get droppedLines(): number {
    return this.loss.droppedLines;
  }

  /** Write a piece of whole lines, or drop and count them. */
  write(data: Uint8Array): void {
    if (this.output?.isBroken) this.closeOutput(); // the pipe's reader went away: open it again later
    if (this.output === null && !(Date.now() >= this.nextOpenAt && this.open())) return this.loss.drop(data, this.loss.failing ?? "not writable");
    if (this.output!.write(data)) return this.loss.wrote();
    this.loss.drop(data, "its reader is too far behind");
  }

  reopen(): void {
    this.closeOutput();
    this.open();
  }

  /**
   * For good (the program is gone or changed, or tsvisor is exiting): what waits for a slow reader is
   * written first, waiting as at exit (a reader that takes nothing for 1 s is given up on), and what
   * it never got is counted and said.
   */
  async close(): Promise<void> {
    untrackOpenLog(this);
    const loss = this.output !== null && this.ownsOutput ? await this.output.flush(CONSOLE_EXIT_WAIT) : null;
    if (loss !== null) this.loss.lost(loss.lines, `lost as the log was closed: ${describeConsoleLoss({ label: "it", loss })}`);
    this.closeOutput();
  }

  private open(): boolean {
    try {
      const found = find(this.options.path);
      try {
        if (found.kind === "missing") throw new Error("it no longer exists (it was a pipe or a device: no regular file is made in its place)");
        if (found.kind === "file") throw new UnsafePathError(this.options.path, "is a regular file now; it was a pipe or a device when tsvisor opened it");
        // tsvisor's own stdout or stderr (/dev/stdout is /proc/self/fd/1) is written through the
        // console's queue, so these lines and the console mirror's never interleave mid-line; and it
        // is not opened again, which a socket (journald's stdout) would refuse
        const own = ownFd(found.what);
        const fd = own ?? openOrExplain(found);
        const console = fd === 1 || isSameFile(fd, 1) ? consoleStdout() : fd === 2 || isSameFile(fd, 2) ? consoleStderr() : null;
        if (console !== null && own === null) closeSync(fd);
        this.output = console ?? new ConsoleOutput(fd, { label: this.options.path });
        this.ownsOutput = console === null;
        return true;
      } finally {
        found.dir.close();
      }
    } catch (error) {
      this.nextOpenAt = Date.now() + REOPEN_INTERVAL_MS;
      this.loss.fail(`can't open: ${describeFailure(error)}`);
      return false;
    }
  }

  // Dropping what waits (reopened: a new description must not write between a cut line's parts).
  private closeOutput(): void {
    if (this.output !== null && this.ownsOutput) {
      const waiting = this.output.waitingLines;
      this.output.close();
      if (waiting > 0) this.loss.lost(waiting, `dropped ${countOf(waiting, "line")} its reader had not taken yet, as the log was opened again`);
    }
    this.output = null;
  }
}

// 1 or 2 for /proc/<tsvisor's pid>/fd/1 or 2; null for anything else, which is opened.
function ownFd(what: StreamKind): 1 | 2 | null {
  return what.type === "fd" && what.pid === process.pid && (what.fd === 1 || what.fd === 2) ? what.fd : null;
}

// ENXIO is the kernel's word for two different things here: say which.
function openOrExplain(found: Parameters<typeof openStream>[0]): number {
  try {
    return openStream(found);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENXIO") throw error;
    throw new Error(found.what.type === "fifo"
      ? "the named pipe has no reader"
      : "it is a socket, which can't be opened by its path");
  }
}
