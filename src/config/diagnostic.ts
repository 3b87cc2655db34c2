// One shape for every config error, parse or validation: file:line:col: key.path: message, then the
// line with a caret under the column (smol-toml's codeblock), so all errors read and grep alike.
import { relative, resolve } from "node:path";
import { TsvisorError } from "../errors.ts";

/** One problem in a config file. */
export interface Diagnostic {
  /** Absolute path of the file the problem is in. */
  file: string;
  line?: number;
  column?: number;
  /** Key path as written in TOML, e.g. "programs.web.stopsignal"; "" for the file as a whole. */
  path: string;
  message: string;
  /** One line telling the user how to fix it. */
  hint?: string;
}

/** A key's place in its file and its name as written: where a diagnostic about it points. */
export interface KeyPlace {
  file: string;
  line?: number;
  column?: number;
  /** The key as the user wrote it: "programs.web.stopsignal" in TOML, "[program:web] stopsignal" in supervisord.conf. */
  path: string;
}

/**
 * Where the key path of a raw table (always TOML's: ["programs", "web", "stopsignal"]) was written,
 * its key or its value; the TOML reader finds it in the text, the supervisord.conf reader remembers it.
 */
export type KeyLocator = (file: string, path: readonly string[], at: "key" | "value") => KeyPlace;

// ["programs", "web.v2", "command"] -> programs."web.v2".command (quoted where TOML would need quotes).
export function formatPath(path: readonly string[]): string {
  return path.map((key) => (/^[A-Za-z0-9_-]+$/.test(key) ? key : JSON.stringify(key))).join(".");
}

// The name to show for a file: relative to cwd when that is shorter, so messages stay readable. From
// "/" (systemd's and Docker's default working directory) always absolute: "etc/tsvisor/tsvisor.toml"
// there reads as a path that lost its leading "/" (issue 15).
export function displayPath(file: string, cwd: string): string {
  const rel = relative(cwd, file);
  return rel !== "" && rel.length < file.length && resolve(cwd) !== "/" ? rel : file;
}

/**
 * Diagnostics each stage of loading collects, and a ConfigError shows, at most; the rest are only
 * counted. A generated config can repeat one mistake a million times: finding, locating and printing
 * each would take minutes, and the first ones are what a user fixes first.
 */
export const MAX_DIAGNOSTICS = 100;
/** Characters of a source line shown around the column: a 10 MB line is echoed as a window, not whole. */
const CODE_WINDOW = 120;

// Every diagnostic, sorted by file then line, each with its source line and a caret when located.
export function formatDiagnostics(diagnostics: readonly Diagnostic[], sources: ReadonlyMap<string, string>, cwd: string, omitted = 0): string {
  const sorted = [...diagnostics].sort(
    (a, b) => compare(a.file, b.file) || (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0),
  );
  const lines = new Map<string, SourceLines>();
  const linesOf = (file: string) => {
    const source = sources.get(file);
    if (source === undefined) return undefined;
    if (!lines.has(file)) lines.set(file, new SourceLines(source));
    return lines.get(file);
  };
  const lists = new Set<string>();
  const shown = sorted.slice(0, MAX_DIAGNOSTICS).map((d) => formatOne({ ...d, message: listOnce(d.message, lists) }, linesOf(d.file), cwd));
  const more = sorted.length - shown.length + omitted;
  return [...shown, ...(more > 0 ? [`... and ${more} more`] : [])].join("\n");
}

// "unknown key …; allowed: (40 keys)" a hundred times over is 64 KiB of the same list: each list is
// written out the first time, then referred to.
const ALLOWED = "; allowed: ";
function listOnce(message: string, seen: Set<string>): string {
  const at = message.indexOf(ALLOWED);
  if (at < 0) return message;
  const list = message.slice(at + ALLOWED.length);
  if (!seen.has(list)) return seen.add(list), message;
  return `${message.slice(0, at)}${ALLOWED}as listed above`;
}

function formatOne(d: Diagnostic, source: SourceLines | undefined, cwd: string): string {
  const where = [displayPath(d.file, cwd), d.line, d.line === undefined ? undefined : d.column]
    .filter((part) => part !== undefined)
    .join(":");
  const lines = [`${where}: ${d.path === "" ? "" : `${d.path}: `}${d.message}`];
  const text = d.line === undefined ? undefined : source?.line(d.line);
  if (d.line !== undefined && text !== undefined) {
    const gutter = String(d.line).padStart(5);
    const { shown, caret } = codeWindow(text, d.column ?? 1);
    lines.push(`${gutter} | ${shown}`);
    if (d.column !== undefined) lines.push(`${" ".repeat(gutter.length)} | ${" ".repeat(caret - 1)}^`);
  }
  if (d.hint) lines.push(`${" ".repeat(6)}= hint: ${d.hint}`);
  return lines.join("\n");
}

// A long line as the part around the column, "..." marking what is cut; the caret's column within it.
function codeWindow(text: string, column: number): { shown: string; caret: number } {
  if (text.length <= CODE_WINDOW) return { shown: text, caret: column };
  const start = Math.max(0, Math.min(column - 1 - CODE_WINDOW / 2, text.length - CODE_WINDOW));
  const end = start + CODE_WINDOW;
  const before = start > 0 ? "..." : "";
  const after = end < text.length ? "..." : "";
  return { shown: `${before}${text.slice(start, end)}${after}`, caret: column - start + before.length };
}

// One source's lines by number, found through an index of line starts built once.
class SourceLines {
  private readonly starts: number[] = [0];

  constructor(private readonly source: string) {
    for (let i = source.indexOf("\n"); i >= 0; i = source.indexOf("\n", i + 1)) this.starts.push(i + 1);
  }

  line(n: number): string | undefined {
    const start = this.starts[n - 1];
    if (start === undefined) return undefined;
    const next = this.starts[n];
    const text = this.source.slice(start, next === undefined ? undefined : next - 1);
    return text.endsWith("\r") ? text.slice(0, -1) : text;
  }
}

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

// A config that does not resolve: the message is every diagnostic, formatted, and a count when many.
// `omitted` counts the diagnostics past MAX_DIAGNOSTICS that were never made.
export class ConfigError extends TsvisorError {
  constructor(
    readonly diagnostics: readonly Diagnostic[],
    sources: ReadonlyMap<string, string>,
    cwd: string,
    omitted = 0,
  ) {
    const total = diagnostics.length + omitted;
    const count = total > 1 ? `\n${total} errors in config` : "";
    super("CONFIG_INVALID", formatDiagnostics(diagnostics, sources, cwd, omitted) + count);
    this.name = "ConfigError";
  }
}
