// A log path that is not a file but a stream — a character device (/dev/null, a terminal), a named
// pipe, or /dev/stdout and /dev/stderr (tsvisor's own fds through /proc/self/fd) — is written as is,
// as supervisord does, and never rotated, renamed, emptied or chowned. Writing never blocks the
// supervisor: the fd is non-blocking and queued as the console is (console-mirror.ts); past the
// backlog, or while a named pipe has no reader, lines are dropped and counted, and the pipe is opened
// again once a second until a reader is there.
import { closeSync, fstatSync } from "node:fs";
import { find, openStream, UnsafePathError, type StreamKind } from "../os/safe-open.ts";
import { countOf } from "../plural.ts";
import { CONSOLE_EXIT_WAIT, consoleStderr, consoleStdout, ConsoleOutput, describeConsoleLoss, isSameFile } from "./console-mirror.ts";
import { LineLoss, describeFailure, type TroubleEvent } from "./line-loss.ts";
import { trackOpenLog, untrackOpenLog } from "./open-logs.ts";

export interface DeviceLogOptions {
  path: string;
  /** The program's user, whose named pipe may be its log (root's and tsvisor's user's may too). */
  owner?: { uid: number } | null;
  onTrouble?: (event: TroubleEvent) => void;
}

const REOPEN_INTERVAL_MS = 1000;

// An output tsvisor opened, and how many logs write through it: one per named pipe or device (by
// device and inode), across a reopen of the same one and for two paths naming it (a link). Two
// descriptions would each write whole lines, but one could write inside a line the other's full pipe
// had taken only part of, and a reopen would drop what the old one still had waiting.
class SharedOutput {
  users = 1;
  constructor(readonly output: ConsoleOutput, readonly key: string) {}

  /** One log fewer writes through it: true for the last, and then shareOutput() no longer finds it. */
  letGo(): boolean {
    if (--this.users > 0) return false;
    if (sharedOutputs.get(this.key) === this) sharedOutputs.delete(this.key);
    return true;
  }
}
const sharedOutputs = new Map<string, SharedOutput>();
// Pipes (by device and inode) whose last output let go of them with a line cut by a full pipe: the next
// output opened on one starts with a newline, or its first line would continue the cut one (red team).
const cutPipes = new Set<string>();

export class DeviceLog {
  private output: ConsoleOutput | null = null;
  // `output` when it is one tsvisor opened for log paths (shared), rather than tsvisor's own console.
  private shared: SharedOutput | null = null;
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
    if (this.output?.isBroken) this.release(this.detach()); // the pipe's reader went away: open it again later
    if (this.output === null && !(Date.now() >= this.nextOpenAt && this.open())) return this.loss.drop(data, this.loss.failing ?? "not writable");
    if (this.output!.write(data)) return this.loss.wrote();
    this.loss.drop(data, "its reader is too far behind");
  }

  /** Open the path again; the same pipe or device goes on through the same output, losing nothing. */
  reopen(): void {
    const before = this.detach();
    this.open();
    this.release(before);
  }

  /**
   * For good (the program is gone or changed, or tsvisor is exiting). The last log writing to an output
   * gives its reader what waits first, waiting as tsvisor's console does at exit (a reader that takes
   * nothing for 1 s is given up on), and counts and says what it never got.
   */
  async close(): Promise<void> {
    untrackOpenLog(this);
    const shared = this.detach();
    if (shared === null || !shared.letGo()) return;
    const loss = await shared.output.flush(CONSOLE_EXIT_WAIT);
    if (loss !== null) this.loss.lost(loss.lines, `lost as the log was closed: ${describeConsoleLoss({ label: "it", loss })}`);
    if (loss?.cutLine) cutPipes.add(shared.key);
    shared.output.close();
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
        const fd = own ?? openOrExplain(found, this.options.owner?.uid ?? null);
        const console = fd === 1 || isSameFile(fd, 1) ? consoleStdout() : fd === 2 || isSameFile(fd, 2) ? consoleStderr() : null;
        if (console !== null) {
          if (own === null) closeSync(fd);
          this.output = console;
          return true;
        }
        this.shared = shareOutput(fd, this.options.path);
        this.output = this.shared.output;
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

  // Stop writing through the output; what this log shared is handed back for release() or close().
  private detach(): SharedOutput | null {
    const shared = this.shared;
    this.output = null;
    this.shared = null;
    return shared;
  }

  // One log fewer writes through `shared`; the last closes it, dropping what waits, counted and said
  // (a reopen that found another pipe at the path: the old one's reader has fallen behind).
  private release(shared: SharedOutput | null): void {
    if (shared === null || !shared.letGo()) return;
    const waiting = shared.output.waitingLines;
    if (waiting > 0 && shared.output.endsMidLine) cutPipes.add(shared.key);
    const gone = shared.output.takeLoss(); // its reader went away (EPIPE) with what waited for it
    shared.output.close();
    if (waiting > 0) this.loss.lost(waiting, `dropped ${countOf(waiting, "line")} its reader had not taken yet, as the log was opened again`);
    if (gone !== null) this.loss.lost(gone.lines, `lost: ${describeConsoleLoss({ label: "it", loss: gone })}`);
  }
}

// The output already open on the pipe or device `fd` is (closing `fd`), or a new one for it.
function shareOutput(fd: number, path: string): SharedOutput {
  const { dev, ino } = fstatSync(fd);
  const key = `${dev}:${ino}`;
  const open = sharedOutputs.get(key);
  // one whose reader has gone is not shared: the next open gets a description of its own
  if (open !== undefined && !open.output.isBroken) {
    closeSync(fd);
    open.users++;
    return open;
  }
  const shared = new SharedOutput(new ConsoleOutput(fd, { label: path }), key);
  if (cutPipes.delete(key)) shared.output.write("\n", true);
  sharedOutputs.set(key, shared);
  return shared;
}

// 1 or 2 for /proc/<tsvisor's pid>/fd/1 or 2; null for anything else, which is opened.
function ownFd(what: StreamKind): 1 | 2 | null {
  return what.type === "fd" && what.pid === process.pid && (what.fd === 1 || what.fd === 2) ? what.fd : null;
}

// ENXIO is the kernel's word for two different things here: say which.
function openOrExplain(found: Parameters<typeof openStream>[0], owner: number | null): number {
  try {
    return openStream(found, owner);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENXIO") throw error;
    throw new Error(found.what.type === "fifo"
      ? "the named pipe has no reader"
      : "it is a socket, which can't be opened by its path");
  }
}
