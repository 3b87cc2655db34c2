// tsvisor's own log lines (state changes, errors). Always on stderr, so a program's output on
// stdout stays clean, and in {log_dir}/tsvisor.log when a log_dir is known. On a terminal consola's
// fancy reporter; elsewhere (docker logs, files, CI) one plain line per entry with an ISO timestamp
// and the level, greppable by supervisord's verbs; under systemd no timestamp, as journald adds one
// (journal-format.ts).
import { createConsola, type ConsolaInstance, type ConsolaReporter, type LogObject } from "consola";
import { consoleStderr } from "./console-mirror.ts";
import { type LogStyle, formatJournalLine, stderrLogStyle } from "./journal-format.ts";
import { RotatingFile } from "./rotating-file.ts";

const LEVEL_WORDS: Record<string, string> = {
  fatal: "FATAL", error: "ERROR", warn: "WARN", log: "INFO", info: "INFO", success: "INFO",
  ready: "INFO", start: "INFO", box: "INFO", debug: "DEBUG", trace: "TRACE", verbose: "DEBUG",
};

// supervisord's logfile_maxbytes and logfile_backups defaults, for tsvisor.log.
const OWN_LOG_MAX_BYTES = 50 * 1024 * 1024;
const OWN_LOG_BACKUPS = 10;

// "2026-11-24T02:50:00.123Z INFO spawned: web (pid 42)"; without the time under systemd (journald adds it).
export function formatPlainLine(entry: Pick<LogObject, "date" | "type" | "args" | "tag">, timestamp = true): string {
  const text = entry.args.map((a) => (a instanceof Error ? (a.stack ?? a.message) : String(a))).join(" ");
  const tag = entry.tag ? `[${entry.tag}] ` : "";
  return `${timestamp ? `${entry.date.toISOString()} ` : ""}${LEVEL_WORDS[entry.type] ?? entry.type.toUpperCase()} ${tag}${text}\n`;
}

// Through the stderr shared with mirrored program lines, so the two never interleave mid-line; never dropped.
const plainReporter: ConsolaReporter = {
  log: (entry) => void consoleStderr().write(formatPlainLine(entry), true),
};

// The same plain lines into tsvisor.log, rotated like a program's log.
function fileReporter(path: string): ConsolaReporter {
  const file = new RotatingFile({
    path, maxBytes: OWN_LOG_MAX_BYTES, backups: OWN_LOG_BACKUPS,
    onTrouble: (event) => {
      const what = event.type === "recovered" ? `writing again; ${event.droppedLines} lines dropped` : event.reason;
      consoleStderr().write(`${new Date().toISOString()} WARN log: ${path}: ${what}\n`, true);
    },
  });
  return { log: (entry) => file.write(Buffer.from(formatPlainLine(entry))) };
}

// level: 3 = info, 4 = debug (TSVISOR_DEBUG=1). `file`: tsvisor.log, also written when given.
export function createLogger(options: { debug?: boolean; file?: string } = {}): ConsolaInstance {
  const logger = createConsola({
    level: options.debug ? 4 : 3,
    reporters: reportersFor(stderrLogStyle(process.env)) ?? (process.stderr.isTTY ? undefined : [plainReporter]),
    stderr: process.stderr,
    stdout: process.stderr,
  });
  if (options.file !== undefined) logger.addReporter(fileReporter(options.file));
  return logger;
}

// Under systemd (docs/systemd.md): no timestamp, no colour, even on a TTY; null elsewhere.
function reportersFor(style: LogStyle): ConsolaReporter[] | null {
  if (style === "plain") return null;
  const format = style === "journal-prefixed" ? formatJournalLine : (entry: LogObject) => formatPlainLine(entry, false);
  return [{ log: (entry) => void consoleStderr().write(format(entry), true) }];
}
