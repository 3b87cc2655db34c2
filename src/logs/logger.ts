// tsvisor's own log lines (state changes, errors). Always on stderr, so a program's output on
// stdout stays clean, and in {log_dir}/tsvisor.log when a log_dir is known. On a terminal the time of
// day and a coloured level; elsewhere (docker logs, files, CI) one plain line per entry with an ISO
// timestamp and the level, greppable by supervisord's verbs; under systemd no timestamp, as journald
// adds one (journal-format.ts). Every style writes through the stderr shared with mirrored program
// lines, so the two never interleave mid-line.
import { createConsola, type ConsolaInstance, type ConsolaReporter, type LogObject } from "consola";
import { ANSI, paint, wantsColour } from "../colour.ts";
import { countOf } from "../plural.ts";
import { consoleStderr } from "./console-mirror.ts";
import { type LogStyle, formatJournalLine, stderrLogStyle } from "./journal-format.ts";
import { openLogFile } from "./log-file.ts";

const LEVEL_WORDS: Record<string, string> = {
  fatal: "FATAL", error: "ERROR", warn: "WARN", log: "INFO", info: "INFO", success: "INFO",
  ready: "INFO", start: "INFO", box: "INFO", debug: "DEBUG", trace: "TRACE", verbose: "DEBUG",
};

// supervisord's logfile_maxbytes and logfile_backups defaults, for tsvisor.log.
const OWN_LOG_MAX_BYTES = 50 * 1024 * 1024;
const OWN_LOG_BACKUPS = 10;

// "2026-11-24T02:50:00.123Z INFO spawned: web (pid 42)"; without the time under systemd (journald adds it).
export function formatPlainLine(entry: Pick<LogObject, "date" | "type" | "args" | "tag">, timestamp = true): string {
  return `${timestamp ? `${entry.date.toISOString()} ` : ""}${levelWord(entry)} ${messageOf(entry)}\n`;
}

const LEVEL_COLOURS: Record<string, number> = { FATAL: ANSI.red, ERROR: ANSI.red, WARN: ANSI.yellow, INFO: ANSI.cyan, DEBUG: ANSI.gray, TRACE: ANSI.gray };

// "08:54:16 INFO spawned: web (pid 42)" for a person at a terminal: local time of day, the level
// coloured unless NO_COLOR or TERM=dumb; the same words as the plain line, so it greps the same.
export function formatTerminalLine(entry: Pick<LogObject, "date" | "type" | "args" | "tag">, colour: boolean): string {
  const time = entry.date.toTimeString().slice(0, 8);
  const level = levelWord(entry);
  const code = LEVEL_COLOURS[level];
  if (!colour || code === undefined) return `${time} ${level} ${messageOf(entry)}\n`;
  return `${paint(ANSI.gray, time)} ${paint(code, level)} ${messageOf(entry)}\n`;
}

const levelWord = (entry: Pick<LogObject, "type">): string => LEVEL_WORDS[entry.type] ?? entry.type.toUpperCase();

function messageOf(entry: Pick<LogObject, "args" | "tag">): string {
  const text = entry.args.map((a) => (a instanceof Error ? (a.stack ?? a.message) : String(a))).join(" ");
  return `${entry.tag ? `[${entry.tag}] ` : ""}${text}`;
}

// Through the stderr shared with mirrored program lines; never dropped.
const reporterFor = (format: (entry: LogObject) => string): ConsolaReporter => ({
  log: (entry) => void consoleStderr().write(format(entry), true),
});

// The same plain lines into tsvisor.log, rotated like a program's log.
function fileReporter(path: string): ConsolaReporter {
  const file = openLogFile({
    path, maxBytes: OWN_LOG_MAX_BYTES, backups: OWN_LOG_BACKUPS,
    onTrouble: (event) => {
      const what = event.type === "recovered" ? `writing again; ${countOf(event.droppedLines, "line")} dropped` : event.reason;
      const level = event.type === "recovered" || event.type === "settled" ? "INFO" : "WARN";
      consoleStderr().write(`${new Date().toISOString()} ${level} log: ${path}: ${what}\n`, true);
    },
  });
  return { log: (entry) => file.write(Buffer.from(formatPlainLine(entry))) };
}

// level: 3 = info, 4 = debug (TSVISOR_DEBUG=1). `file`: tsvisor.log, also written when given.
export function createLogger(options: { debug?: boolean; file?: string } = {}): ConsolaInstance {
  // Always an explicit reporter: consola's createConsola spreads its options over its defaults, so an
  // undefined `reporters` left tsvisor with none, silent on a terminal (issue 15).
  const logger = createConsola({
    level: options.debug ? 4 : 3,
    reporters: [reporterFor(lineFormat(stderrLogStyle(process.env)))],
    stderr: process.stderr,
    stdout: process.stderr,
  });
  if (options.file !== undefined) logger.addReporter(fileReporter(options.file));
  return logger;
}

// Under systemd (docs/systemd.md): no timestamp, no colour, even on a TTY; on a terminal the time of
// day and colour; elsewhere the plain line.
function lineFormat(style: LogStyle): (entry: LogObject) => string {
  if (style === "journal-prefixed") return formatJournalLine;
  if (style === "journal") return (entry) => formatPlainLine(entry, false);
  if (process.stderr.isTTY) {
    const colour = wantsColour(process.stderr);
    return (entry) => formatTerminalLine(entry, colour);
  }
  return formatPlainLine;
}
