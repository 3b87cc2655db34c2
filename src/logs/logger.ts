// tsvisor's own log lines (state changes, errors). Always on stderr, so a program's output on
// stdout stays clean. On a terminal consola's fancy reporter; elsewhere (docker logs, files, CI)
// one plain line per entry with an ISO timestamp and the level, greppable by supervisord's verbs;
// under systemd no timestamp, as journald adds one (journal-format.ts).
import { fstatSync } from "node:fs";
import { createConsola, type ConsolaInstance, type ConsolaReporter, type LogObject } from "consola";
import { chooseLogStyle, formatJournalLine } from "./journal-format.ts";

const LEVEL_WORDS: Record<string, string> = {
  fatal: "FATAL", error: "ERROR", warn: "WARN", log: "INFO", info: "INFO", success: "INFO",
  ready: "INFO", start: "INFO", box: "INFO", debug: "DEBUG", trace: "TRACE", verbose: "DEBUG",
};

// "2026-11-24T02:50:00.123Z INFO spawned: web (pid 42)"; without the time under systemd (journald adds it).
export function formatPlainLine(entry: Pick<LogObject, "date" | "type" | "args" | "tag">, timestamp = true): string {
  const text = entry.args.map((a) => (a instanceof Error ? (a.stack ?? a.message) : String(a))).join(" ");
  const tag = entry.tag ? `[${entry.tag}] ` : "";
  return `${timestamp ? `${entry.date.toISOString()} ` : ""}${LEVEL_WORDS[entry.type] ?? entry.type.toUpperCase()} ${tag}${text}\n`;
}

const plainReporter: ConsolaReporter = {
  log: (entry) => void process.stderr.write(formatPlainLine(entry)),
};

// level: 3 = info, 4 = debug (TSVISOR_DEBUG=1).
export function createLogger(options: { debug?: boolean } = {}): ConsolaInstance {
  return createConsola({
    level: options.debug ? 4 : 3,
    reporters: reportersFor(chooseLogStyle(process.env, stderrIdentity())) ?? (process.stderr.isTTY ? undefined : [plainReporter]),
    stderr: process.stderr,
    stdout: process.stderr,
  });
}

// Under systemd (docs/systemd.md): no timestamp, no colour, even on a TTY; null elsewhere.
function reportersFor(style: ReturnType<typeof chooseLogStyle>): ConsolaReporter[] | null {
  if (style === "plain") return null;
  const format = style === "journal-prefixed" ? formatJournalLine : (entry: LogObject) => formatPlainLine(entry, false);
  return [{ log: (entry) => void process.stderr.write(format(entry)) }];
}

// stderr's device:inode, to compare with JOURNAL_STREAM; null if it cannot be read.
function stderrIdentity(): { dev: number; ino: number } | null {
  try {
    const { dev, ino } = fstatSync(2);
    return { dev, ino };
  } catch {
    return null;
  }
}
