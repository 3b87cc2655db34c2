// Several processes' logs as one stream, each line prefixed with its process's name as on tsvisor's
// console (`web-0 | line`, what `docker compose logs` does): the last lines of each, then with follow
// every new line of any of them as it comes, across rotations (tail.ts reads each log).
// Order of the last lines: a line's time is only known when the logs carry timestamps
// (log_timestamps), and then the lines are merged by it; otherwise each log's lines stay together,
// the log written to least recently first, so that what happened last ends up nearest the prompt.
import { closeSync, fstatSync } from "node:fs";
import { TsvisorError } from "../errors.ts";
import { LineSplitter } from "./line-splitter.ts";
import { follow, lastLines, openCursor, type LogCursor } from "./tail.ts";

/** One log to read: a process's stdout or stderr file. */
export interface LogSource {
  /** The process name: the prefix of its lines. */
  name: string;
  path: string;
  /** Rotated copies kept beside it (path.1 ... path.N). */
  backups: number;
  /** Its lines begin with an RFC 3339 timestamp (log_timestamps = true). */
  timestamps: boolean;
  /** "web's stdout": names it in errors. */
  label: string;
}

/** A log opened for reading, with the part of its last line that follow() will complete. */
export interface OpenLog {
  source: LogSource;
  cursor: LogCursor;
  splitter: LineSplitter;
}

const NEWLINE = 10;
const STAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z /;

/**
 * Open every log at its current end. A log that cannot be read (a link planted among its files, a
 * pipe or a device) is left out and its error returned: the others are still shown.
 */
export function openLogs(sources: readonly LogSource[]): { logs: OpenLog[]; refused: TsvisorError[] } {
  const logs: OpenLog[] = [];
  const refused: TsvisorError[] = [];
  for (const source of sources) {
    try {
      logs.push({ source, cursor: openCursor(source.path, source.label), splitter: new LineSplitter() });
    } catch (error) {
      if (!(error instanceof TsvisorError)) throw error;
      refused.push(error);
    }
  }
  return { logs, refused };
}

/**
 * The last `n` lines of each log, prefixed and in the order above. With `holdPartial` a last line
 * without its newline is kept back for follow() to complete; otherwise it is shown, ended. A log with
 * a link planted among its backups is left out whole (`refused`, UNSAFE_PATH); `logs` are the rest.
 */
export function lastLinesMerged(logs: readonly OpenLog[], n: number, holdPartial: boolean): { output: Buffer; logs: OpenLog[]; refused: TsvisorError[] } {
  const refused: TsvisorError[] = [];
  const blocks: { log: OpenLog; index: number; lines: Uint8Array[]; mtime: number }[] = [];
  logs.forEach((log, index) => {
    let bytes: Buffer;
    try {
      bytes = lastLines(log.cursor, log.source.backups, n);
    } catch (error) {
      if (!(error instanceof TsvisorError)) throw error;
      return void refused.push(error);
    }
    const whole = log.splitter.push(bytes);
    const lines = whole === null ? [] : splitLines(whole);
    const rest = holdPartial ? null : log.splitter.flush();
    if (rest !== null) lines.push(rest);
    blocks.push({ log, index, lines, mtime: log.cursor.fd === null ? 0 : fstatSync(log.cursor.fd).mtimeMs });
  });
  const kept = blocks.map((b) => b.log);
  if (blocks.length > 0 && blocks.every(({ log }) => log.source.timestamps)) {
    // stable: lines of one time keep the order of the names given, and each log keeps its own order
    const stamped = blocks.flatMap(({ log, lines }) => withTimes(lines).map(([time, line]) => ({ time, line, log })));
    stamped.sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : 0));
    return { output: Buffer.concat(stamped.flatMap(({ log, line }) => prefixed(log, line))), logs: kept, refused };
  }
  blocks.sort((a, b) => a.mtime - b.mtime || a.index - b.index);
  return { output: Buffer.concat(blocks.flatMap(({ log, lines }) => lines.flatMap((line) => prefixed(log, line)))), logs: kept, refused };
}

/**
 * Every new line of any of the logs, prefixed, as it is written (each log followed as `tail -F`
 * would, tail.ts), until `signal` aborts. A log whose file cannot be read any more ends its own
 * following (onError says why); the others go on.
 */
export async function followMerged(logs: readonly OpenLog[], write: (data: Buffer) => void, onError: (error: unknown, log: OpenLog) => void, signal?: AbortSignal): Promise<void> {
  await Promise.all(logs.map((log) =>
    follow(log.cursor, (data) => {
      const whole = log.splitter.push(data);
      if (whole !== null) write(Buffer.concat(splitLines(whole).flatMap((line) => prefixed(log, line))));
    }, signal).catch((error: unknown) => onError(error, log))));
}

/** Close every log's file. */
export function closeLogs(logs: readonly OpenLog[]): void {
  for (const { cursor } of logs) {
    if (cursor.fd !== null) closeSync(cursor.fd);
    cursor.fd = null;
  }
}

// A piece of whole lines -> the lines, without their newlines. A piece cut at the line-length cap
// (no newline at its end) is one more line.
function splitLines(piece: Uint8Array): Uint8Array[] {
  const lines: Uint8Array[] = [];
  let start = 0;
  for (let end = piece.indexOf(NEWLINE); end !== -1; end = piece.indexOf(NEWLINE, start)) {
    lines.push(piece.subarray(start, end));
    start = end + 1;
  }
  if (start < piece.length) lines.push(piece.subarray(start));
  return lines;
}

// Each line with the time it starts with; a line without one (written before log_timestamps was
// set, or a long line's continuation) takes the time of the line before it.
function withTimes(lines: readonly Uint8Array[]): [string, Uint8Array][] {
  let time = "";
  return lines.map((line) => {
    const head = Buffer.from(line.buffer, line.byteOffset, Math.min(line.byteLength, 40)).toString("latin1");
    time = STAMP.exec(head)?.[0] ?? time;
    return [time, line];
  });
}

const prefixes = new WeakMap<OpenLog, Buffer>();
const END = Buffer.from("\n");

// "web-0 | " + the line + "\n", as three pieces for Buffer.concat.
function prefixed(log: OpenLog, line: Uint8Array): Uint8Array[] {
  let prefix = prefixes.get(log);
  if (prefix === undefined) prefixes.set(log, (prefix = Buffer.from(`${log.source.name} | `)));
  return [prefix, line, END];
}
