// One process's output: its stdout and stderr pipes read as fast as they come, split into whole
// lines, written to its log files (rotating, optionally timestamped) and mirrored on tsvisor's console.
// Lives as long as the process is configured: the files stay open across restarts, as in supervisord.
import type { ConsolaInstance } from "consola";
import { countOf } from "../plural.ts";
import { ConsoleMirror, consoleStderr, consoleStdout } from "./console-mirror.ts";
import { LineSplitter } from "./line-splitter.ts";
import { ROOM_BEFORE, WatchedPipe, type PipeSink } from "./pipe-reader.ts";
import { prefixLines } from "./prefix-lines.ts";
import type { TroubleEvent } from "./line-loss.ts";
import { openLogFile, type LogFile } from "./log-file.ts";

/**
 * The most past starts whose pipes are still read. A start's pipes stay open after its process exits
 * while something it left behind holds them (a background helper still logging). Without a bound, a
 * program that hands its pipes to a helper on every start takes two of tsvisor's descriptors per
 * restart until none are left (red team, 2026-12-05); past it the oldest start's pipes are closed.
 */
const PAST_STARTS_READ = 3;

/** Where one stream's file goes and how it rotates. */
export interface LogFileSpec {
  path: string;
  maxBytes: number;
  backups: number;
}

export interface ProcessLogsOptions {
  /** The process name: the console prefix and the name in tsvisor's own messages. */
  name: string;
  /** null: stdout is discarded (stdout_logfile = "none"). */
  stdout: LogFileSpec | null;
  /** null: stderr is discarded, or goes to the stdout file with redirectStderr. */
  stderr: LogFileSpec | null;
  /** stderr joins stdout: same file, and tsvisor's stdout on the console. */
  redirectStderr: boolean;
  /** Mirror both streams on tsvisor's stdout/stderr as "name | line". */
  console: boolean;
  /** Prefix each line in the files with an RFC 3339 timestamp. */
  timestamps: boolean;
  /** Owner of log files tsvisor creates (the program's user). */
  owner: { uid: number; gid: number } | null;
  /** tsvisor's own log, for "lines dropped" and "writing again". */
  logger: ConsolaInstance;
  /** Also hand every piece of whole lines to this (PROCESS_LOG_* events); stderr is "stdout" with redirectStderr. */
  onLines?: (stream: "stdout" | "stderr", lines: Uint8Array) => void;
}

// One program stream's destinations. With redirect_stderr both streams share the file.
class StreamLog {
  private atLineStart = true;
  /** write(), as the function a LineSplitter hands its pieces to: one per stream, not one per start. */
  readonly emit = (piece: Uint8Array) => this.write(piece);

  constructor(
    private readonly file: LogFile | null,
    private readonly mirror: ConsoleMirror | null,
    private readonly timestamps: boolean,
    private readonly tap: ((piece: Uint8Array) => void) | null = null,
  ) {}

  write(piece: Uint8Array): void {
    if (this.file !== null) this.file.write(this.timestamps ? this.stamp(piece) : piece);
    this.mirror?.write(piece);
    this.tap?.(piece);
  }

  /**
   * A pipe of this stream has ended, its partial last line (`rest`) with it: the console's unfinished
   * line ends there. Streams of a past start and of the current one share this log, as they share the
   * file, so one start's end can end the other's console line early; the bytes are all there.
   */
  end(rest: Uint8Array | null): void {
    if (rest !== null) this.write(rest);
    this.mirror?.end();
  }

  get droppedLines(): number {
    return this.mirror?.droppedLines ?? 0;
  }

  // One timestamp per piece: the time its bytes were read, which is as precise as a pipe allows.
  private stamp(piece: Uint8Array): Uint8Array {
    const stamped = prefixLines(piece, Buffer.from(`${new Date().toISOString()} `), this.atLineStart);
    this.atLineStart = piece[piece.length - 1] === 10;
    return stamped;
  }
}

// One start of the process: its pid, and its pipes while they are read. Classes, not closures and
// promises: every program has one for as long as it runs (docs/performance.md "Idle memory at 1,000
// programs").
class Start {
  readonly pipes: PipeCapture[] = [];

  constructor(readonly pid: number, private readonly onAllEnded: (start: Start) => void) {}

  pipeEnded(pipe: PipeCapture): void {
    const at = this.pipes.indexOf(pipe);
    if (at >= 0) this.pipes.splice(at, 1);
    if (this.pipes.length === 0) this.onAllEnded(this);
  }
}

// One pipe of one start, read until it ends: its whole lines go to the stream's log as they come, the
// partial last one is held back and written out when the pipe ends.
class PipeCapture implements PipeSink {
  private readonly splitter = new LineSplitter();
  readonly watch: WatchedPipe;

  constructor(fd: number, private readonly log: StreamLog, private readonly start: Start) {
    start.pipes.push(this);
    this.watch = new WatchedPipe(fd, this);
  }

  data(chunk: Uint8Array): void {
    this.splitter.split(chunk, this.log.emit, ROOM_BEFORE);
  }

  end(): void {
    this.log.end(this.splitter.flush());
    this.start.pipeEnded(this);
  }
}

export class ProcessLogs {
  private readonly files: LogFile[] = [];
  private readonly stdout: StreamLog;
  private readonly stderr: StreamLog;
  // Each start whose pipes are still being read, oldest first; the last one is the current start.
  private readonly starts: Start[] = [];
  // drain()'s callers, told when the last pipe has ended
  private whenAllEnded: (() => void)[] | null = null;
  private readonly startEnded = (start: Start) => {
    const at = this.starts.indexOf(start);
    if (at >= 0) this.starts.splice(at, 1); // not there: closePastStartsBeyond took it out
    if (this.starts.length > 0 || this.whenAllEnded === null) return;
    for (const resolve of this.whenAllEnded.splice(0)) resolve();
  };

  constructor(private readonly options: ProcessLogsOptions) {
    const { name, redirectStderr } = options;
    const stdoutFile = this.openFile("stdout", options.stdout);
    const stderrFile = redirectStderr ? stdoutFile : this.openFile("stderr", options.stderr);
    const mirror = (stream: "stdout" | "stderr") =>
      options.console ? new ConsoleMirror(name, stream === "stdout" ? consoleStdout() : consoleStderr(), this.report(`console ${stream}`)) : null;
    const tap = (stream: "stdout" | "stderr") => (options.onLines ? (piece: Uint8Array) => options.onLines!(stream, piece) : null);
    this.stdout = new StreamLog(stdoutFile, mirror("stdout"), options.timestamps, tap("stdout"));
    this.stderr = new StreamLog(stderrFile, mirror(redirectStderr ? "stdout" : "stderr"), options.timestamps, tap(redirectStderr ? "stdout" : "stderr"));
  }

  /** Lines lost so far (full disk, I/O errors, a console reader too far behind); `tsvisor status` shows it. */
  get droppedLines(): number {
    return this.files.reduce((sum, f) => sum + f.droppedLines, 0) + this.stdout.droppedLines + this.stderr.droppedLines;
  }

  /**
   * Read the pipes of process `pid`, just spawned (read ends, non-blocking; with redirect_stderr stderr
   * shares the stdout pipe and `stderr` is null) until both end, when the process and anything it left
   * holding them have exited, or until PAST_STARTS_READ later starts have come; the partial last lines
   * are written out then, and the pipes closed.
   */
  capture(pid: number, stdout: number | null, stderr: number | null): void {
    this.closePastStartsBeyond(PAST_STARTS_READ); // every start so far has exited: spawns are sequential
    const start = new Start(pid, this.startEnded);
    if (stdout !== null) new PipeCapture(stdout, this.stdout, start);
    if (stderr !== null) new PipeCapture(stderr, this.stderr, start);
    if (start.pipes.length > 0) this.starts.push(start);
  }

  /**
   * Handle what the pipes hold now, before the poll thread reports it: the process has exited, so all
   * it wrote is in them, and its last lines must come before tsvisor's `exited:` line (issue 15).
   */
  readPending(): void {
    // copies: a pipe found ended leaves its start's list, and the last one its start this list
    for (const start of [...this.starts]) for (const pipe of [...start.pipes]) pipe.watch.readNow();
  }

  // A past start whose pipes are still open has left something behind that holds them; past the bound
  // they are closed. The program's own process has exited: it loses nothing.
  private closePastStartsBeyond(kept: number): void {
    while (this.starts.length > kept) {
      this.closeHeld([this.starts.shift()!], `, and tsvisor reads those of at most ${PAST_STARTS_READ} past starts`);
    }
  }

  // Close the pipes of starts that have exited while what they left behind still holds them (what the
  // pipes hold is read first; the holder gets EPIPE from then on), saying so with the starts' pids.
  private closeHeld(starts: Start[], why = ""): void {
    if (starts.length === 0) return;
    const [which, they] = starts.length === 1 ? ["an earlier start", "it has exited, but what it"] : ["its earlier starts", "they have exited, but what they"];
    this.options.logger.warn(`log: ${this.options.name}: closing the output pipes of ${which} (pid ${starts.map((s) => s.pid).join(" ")}): ` +
      `${they} left behind still holds them open${why}; what is written to them from now on is lost`);
    for (const start of starts) for (const pipe of [...start.pipes]) pipe.watch.close();
  }

  /** Resolves when every pipe being read has ended, or after timeoutMs (a grandchild still holding one). */
  async drain(timeoutMs: number): Promise<void> {
    if (this.starts.length === 0) return;
    let timer: Timer | undefined;
    await new Promise<void>((resolve) => {
      (this.whenAllEnded ??= []).push(resolve);
      timer = setTimeout(resolve, timeoutMs);
    });
    clearTimeout(timer);
  }

  /**
   * Stop reading the pipes still open (held by what a start left behind: what they hold is read first,
   * and their partial lines written out), then close the files (a named pipe's or device's reader first
   * gets what waits for it, as tsvisor's console at exit). A reload that removes or changes the
   * program comes here too: pipes left open then would be read by no one and held for good.
   */
  async close(): Promise<void> {
    this.closeHeld(this.starts.splice(0)); // their pipes' partial lines are written out as they end
    await Promise.all(this.files.map((file) => file.close())); // a pipe's or device's slow reader first takes what waits
    if (this.droppedLines > 0) this.options.logger.warn(`log: ${this.options.name}: ${countOf(this.droppedLines, "line")} dropped in all`);
  }

  private openFile(stream: "stdout" | "stderr", spec: LogFileSpec | null): LogFile | null {
    if (spec === null) return null;
    const file = openLogFile({ ...spec, owner: this.options.owner, onTrouble: this.report(`${stream} ${spec.path}`) });
    this.files.push(file);
    return file;
  }

  // tsvisor's own log says when lines start being dropped and when writing works again.
  private report(what: string): (event: TroubleEvent) => void {
    const { logger, name } = this.options;
    return (event) => {
      if (event.type === "failing") logger.warn(`log: ${name} ${what}: ${event.reason}; dropping lines until it works again`);
      else if (event.type === "warning") logger.warn(`log: ${name} ${what}: ${event.reason}`);
      else if (event.type === "settled") logger.info(`log: ${name} ${what}: ${event.reason}`);
      else logger.info(`log: ${name} ${what}: writing again; ${countOf(event.droppedLines, "line")} dropped (${this.droppedLines} in all)`);
    };
  }
}
