// tsvisor's own log lines when systemd runs it. journald stamps every line with the time and the
// unit, so tsvisor adds neither timestamp nor colour; and when stderr is the journal stream itself
// (JOURNAL_STREAM names its device:inode, systemd.exec(5)), each line starts with its syslog
// priority, "<4>", which journald turns into the entry's PRIORITY (`journalctl -p warning`).
import type { LogObject } from "consola";

// sd-daemon.h's SD_ERR .. SD_DEBUG.
const PRIORITY: Record<string, number> = {
  fatal: 2, error: 3, warn: 4, log: 6, info: 6, success: 6, ready: 6, start: 6, box: 6, debug: 7, trace: 7, verbose: 7,
};

/** How tsvisor's own lines look: "plain" (ISO time + level), or for systemd's journal. */
export type LogStyle = "plain" | "journal-prefixed" | "journal";

/**
 * Under systemd (INVOCATION_ID or JOURNAL_STREAM set): "journal-prefixed" when stderr is the journal
 * stream (its device:inode equal JOURNAL_STREAM), else "journal"; "plain" elsewhere.
 */
export function chooseLogStyle(env: Record<string, string | undefined>, stderr: { dev: number; ino: number } | null): LogStyle {
  const stream = env.JOURNAL_STREAM;
  if (stream && stderr && stream === `${stderr.dev}:${stderr.ino}`) return "journal-prefixed";
  return stream || env.INVOCATION_ID ? "journal" : "plain";
}

/** chooseLogStyle() for this process's own stderr. */
export function stderrLogStyle(env: Record<string, string | undefined>): LogStyle {
  return chooseLogStyle(env, stderrIdentity());
}

// "<6>spawned: web (pid 42)": journald strips the prefix and keeps it as the entry's priority. Every
// line of a message gets it: journald makes each line an entry of its own, and a line without a
// prefix would be logged at info (a config error's diagnostics, its caret, its hint).
export function formatJournalLine(entry: Pick<LogObject, "type" | "args" | "tag">): string {
  const text = entry.args.map((a) => (a instanceof Error ? (a.stack ?? a.message) : String(a))).join(" ");
  return withPriority(`${entry.tag ? `[${entry.tag}] ` : ""}${text}`, PRIORITY[entry.type] ?? 6);
}

/**
 * Text written to stderr by a command, not through the logger (`tsvisor: …` and `hint: …` of a
 * failing command): at error priority, line by line, when stderr is the journal stream (ExecStart=,
 * ExecReload=); unchanged elsewhere.
 */
export function forStderr(text: string, env: Record<string, string | undefined> = process.env): string {
  return stderrLogStyle(env) === "journal-prefixed" ? withPriority(text.replace(/\n$/, ""), PRIORITY.error!) : text;
}

// "a\nb" -> "<3>a\n<3>b\n"
function withPriority(text: string, priority: number): string {
  return text.split("\n").map((line) => `<${priority}>${line}\n`).join("");
}

// stderr's device:inode, to compare with JOURNAL_STREAM; null if it cannot be read. node:fs is
// loaded here, not imported: every client command imports this module for its error lines, and
// loading node:fs costs a health probe that prints no error ~0.5 MiB (docs/performance.md).
function stderrIdentity(): { dev: number; ino: number } | null {
  try {
    const { dev, ino } = process.getBuiltinModule("node:fs").fstatSync(2);
    return { dev, ino };
  } catch {
    return null;
  }
}
