// GET /api/v1/programs/NAME/logs: the last lines of a process's log file as text, or with follow the
// last lines and then every new one as Server-Sent Events, across rotations (what `tsvisor logs -f`
// prints, read the same way: logs/tail.ts).
import { closeSync } from "node:fs";
import { findProcess, logFileOf, logFilesOf } from "../config/process-log.ts";
import type { ProcessSpec } from "../config/schema.ts";
import { TsvisorError } from "../errors.ts";
import { LineSplitter } from "../logs/line-splitter.ts";
import { follow, lastLines, openCursor, type LogCursor } from "../logs/tail.ts";
import { eventStreamResponse, type StreamMessage } from "./event-stream.ts";
import type { HttpErrorBody } from "./status-codes.ts";

/** What a log request asks for, from its query. */
export interface LogQuery {
  stream: "stdout" | "stderr";
  lines: number;
  follow: boolean;
}

export const DEFAULT_LOG_LINES = 50;
export const MAX_LOG_LINES = 100_000;

// The query parameters -> a LogQuery, or the error naming the bad one.
export function parseLogQuery(params: URLSearchParams): LogQuery | HttpErrorBody {
  const stream = params.get("stream") ?? "stdout";
  if (stream !== "stdout" && stream !== "stderr") return { code: "BAD_REQUEST", field: "stream", message: `stream must be stdout or stderr; got ${JSON.stringify(stream)}` };
  const linesText = params.get("lines") ?? String(DEFAULT_LOG_LINES);
  const lines = /^\d{1,6}$/.test(linesText) ? Number(linesText) : -1;
  if (lines < 0 || lines > MAX_LOG_LINES) return { code: "BAD_REQUEST", field: "lines", message: `lines must be a whole number from 0 to ${MAX_LOG_LINES}; got ${JSON.stringify(linesText)}` };
  const followed = parseFlag(params.get("follow"), false);
  if (followed === null) return { code: "BAD_REQUEST", field: "follow", message: "follow must be true or false" };
  return { stream, lines, follow: followed };
}

// "true"/"1" and "false"/"0"; absent: the default; anything else: null.
export function parseFlag(value: string | null, fallback: boolean): boolean | null {
  if (value === null || value === "") return fallback;
  if (value === "true" || value === "1") return true;
  if (value === "false" || value === "0") return false;
  return null;
}

// The log of the process `name` names, as text (empty while it has written nothing); throws
// TsvisorError NO_SUCH_PROCESS or NO_LOG.
export function logText(processes: readonly ProcessSpec[], name: string, query: LogQuery): string {
  const { cursor, last } = openLog(processes, name, query);
  closeCursor(cursor);
  return new TextDecoder().decode(last);
}

// The same, then every new line: one `line` message per line. `onEnd` runs when either side ends it.
export function logStream(processes: readonly ProcessSpec[], name: string, query: LogQuery, onEnd: () => void): Response {
  const { cursor, last } = openLog(processes, name, query);
  const abort = new AbortController();
  return eventStreamResponse((send, end) => {
    const splitter = new LineSplitter();
    const sendLines = (bytes: Uint8Array) => {
      const whole = splitter.push(bytes);
      if (whole !== null) for (const line of splitLines(whole)) send(lineMessage(line));
    };
    sendLines(last);
    // a read error (the file's permissions changed) ends this stream, never the daemon
    void follow(cursor, sendLines, abort.signal).catch(() => {}).finally(() => {
      closeCursor(cursor);
      end();
    });
    return () => abort.abort();
  }, onEnd);
}

const lineMessage = (line: string): StreamMessage => ({ event: "line", data: line });

// The log's cursor and its last lines, read before any answer starts so that every error is a 404.
// A log that is a pipe or a device, or a link planted among its files (logs/tail.ts refuses to read
// through it), is NO_LOG with the reason: the daemon reads as root and shows nothing of such files.
function openLog(processes: readonly ProcessSpec[], name: string, query: LogQuery): { cursor: LogCursor; last: Uint8Array } {
  const spec = findProcess(processes, name, "the running tsvisor");
  const { path, backups } = logFileOf(logFilesOf(spec), query.stream);
  let cursor: LogCursor | null = null;
  try {
    cursor = openCursor(path, `${spec.name}'s ${query.stream}`);
    return { cursor, last: lastLines(cursor, backups, query.lines) };
  } catch (error) {
    if (cursor !== null) closeCursor(cursor);
    if (error instanceof TsvisorError && (error.code === "UNSAFE_PATH" || error.code === "LOG_NOT_A_FILE")) throw new TsvisorError("NO_LOG", error.message, error.hint);
    throw error;
  }
}

// Whole lines (a piece ending in "\n", or one cut at the line-length cap) -> their texts.
function splitLines(piece: Uint8Array): string[] {
  const text = new TextDecoder().decode(piece); // invalid UTF-8 becomes U+FFFD
  const lines = text.split("\n");
  if (lines.at(-1) === "") lines.pop();
  return lines;
}

function closeCursor(cursor: LogCursor): void {
  if (cursor.fd !== null) closeSync(cursor.fd);
  cursor.fd = null;
}

/** Is this one of the errors a log request answers with 404? */
export function isLogLookupError(error: unknown): error is TsvisorError {
  return error instanceof TsvisorError && (error.code === "NO_SUCH_PROCESS" || error.code === "NO_LOG");
}
